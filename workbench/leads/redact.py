"""Redaction of personal identifiers for a packet's recipient: keyed hashes instead of values."""

from __future__ import annotations

import hashlib
import hmac
import os
import re

import pandas as pd

from workbench.model import INPUT_FILES

__all__ = ["PERSONAL_KINDS", "Redactor", "COORDINATE_DECIMALS"]

# residential places are shown to about 1 km in a redacted packet (0.01 degree of latitude ~ 1.1 km)
COORDINATE_DECIMALS = 2

# identifier kinds that name or reach a person; masked in every file of a redacted packet
PERSONAL_KINDS = ("person_id", "phone", "email", "bank_account", "ip", "device")


class Redactor:
    """Replaces personal identifiers by ``<kind>:<keyed hash>``; a no-op when not enabled.

    The same value under the same key always gives the same token, so links between entities
    survive redaction; without the key the token cannot be reversed by guessing values.

    >>> r = Redactor(enabled=True, key=b"k")
    >>> r.value("phone", "+8613800000000") == r.value("phone", "+8613800000000")
    True
    >>> r.value("phone", "+8613800000000").startswith("phone:")
    True
    >>> Redactor(enabled=False).value("phone", "+86138")
    '+86138'
    """

    def __init__(self, enabled: bool = False, key: bytes | None = None):
        self.enabled = enabled
        self.key = key or os.environ.get("WORKBENCH_REDACTION_KEY", "").encode() or os.urandom(32)
        self._seen: dict[str, str] = {}

    def value(self, kind: str, raw: str) -> str:
        if not self.enabled or kind not in PERSONAL_KINDS or raw in ("", None):
            return raw
        token = hmac.new(self.key, f"{kind}\x1f{raw}".encode(), hashlib.sha256).hexdigest()[:16]
        masked = f"{kind}:{token}"
        self._seen[raw] = masked
        return masked

    def table(self, file_name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of input file ``file_name`` as a redacted packet may carry them: the model's
        shareable columns as they are, its personal columns tokenised, every other column
        (extra columns a platform or a seller added) left out.

        >>> r = Redactor(enabled=True, key=b"k")
        >>> rows = pd.DataFrame({"payment_id": ["P1"], "from_account": ["6222"],
        ...     "to_account": ["6223"], "amount": [5.0], "payer_name": ["Wang Wei"],
        ...     "provenance": ["payments.csv:2"]})
        >>> list(r.table("payments", rows).columns)
        ['payment_id', 'from_account', 'to_account', 'amount', 'provenance']
        """
        if not self.enabled or frame.empty and not len(frame.columns):
            return frame
        spec = INPUT_FILES[file_name]
        personal = dict(spec.personal)
        keep = [c for c in frame.columns if c in spec.shareable or c in personal or c == "provenance"]
        out = frame[keep].copy()
        for column, kind in personal.items():
            if column not in out:
                continue
            if kind == "by kind":  # link files: the row's own kind says what the value is
                out[column] = [self.value(k, v) for k, v in zip(out["kind"], out[column], strict=True)]
            elif kind == "consumer":  # only consumers are people; sellers and orgs keep their ids
                consumer = frame.get("recipient_kind", pd.Series("", index=frame.index)) == "consumer"
                out[column] = out[column].where(
                    ~consumer, out[column].map(lambda v: self.value("person_id", v))
                )
            else:
                out[column] = out[column].map(lambda v, k=kind: self.value(k, v) if isinstance(v, str) else v)
        return out

    def coordinates(self, locations: pd.DataFrame, personal_roles: tuple[str, ...]) -> pd.DataFrame:
        """Places of ``personal_roles`` (storefronts registered at homes) rounded to about 1 km."""
        if not self.enabled or locations.empty:
            return locations
        out = locations.copy()
        rows = out["role"].isin(personal_roles)
        for column in ("lat", "lon"):
            out.loc[rows, column] = pd.to_numeric(out.loc[rows, column]).round(COORDINATE_DECIMALS)
        return out

    def account_entity(self, entity: str) -> str:
        """Flow entities ``acct:NUMBER`` with the number redacted."""
        if entity.startswith("acct:"):
            return "acct:" + self.value("bank_account", entity[5:])
        return entity

    def tokens(self) -> list[dict]:
        """Every token this redactor gave, with the value behind it: what the sender keeps (in
        the case register) to answer a formal request, never part of the packet."""
        return [
            {"token": masked, "kind": masked.partition(":")[0], "value": raw}
            for raw, masked in sorted(self._seen.items(), key=lambda item: item[1])
        ]

    def text(self, text: str) -> str:
        """Any free text with every identifier already redacted elsewhere replaced too."""
        if not self.enabled or not self._seen:
            return text
        pattern = re.compile("|".join(re.escape(v) for v in sorted(self._seen, key=len, reverse=True)))
        return pattern.sub(lambda m: self._seen[m.group(0)], text)
