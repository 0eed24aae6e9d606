"""Redaction of personal identifiers for a packet's recipient: keyed hashes instead of values."""

from __future__ import annotations

import hashlib
import hmac
import os
import re

__all__ = ["PERSONAL_KINDS", "Redactor"]

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

    def account_entity(self, entity: str) -> str:
        """Flow entities ``acct:NUMBER`` with the number redacted."""
        if entity.startswith("acct:"):
            return "acct:" + self.value("bank_account", entity[5:])
        return entity

    def text(self, text: str) -> str:
        """Any free text with every identifier already redacted elsewhere replaced too."""
        if not self.enabled or not self._seen:
            return text
        pattern = re.compile("|".join(re.escape(v) for v in sorted(self._seen, key=len, reverse=True)))
        return pattern.sub(lambda m: self._seen[m.group(0)], text)
