"""Identifier normalisation, the one place where phones, e-mails, IDs and accounts get their canonical form.

Full-width and other compatibility characters and digits of every script are read as the ASCII
they stand for first (``_folded``): the same number written another way is the same identifier.

Every function is vectorised over a pandas Series of strings and returns the normalised
values plus a Series of rejection reasons (empty string where the value is good), so the
loaders can quarantine bad identifiers with a reason instead of matching garbage.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.frames import replaced_at

__all__ = ["normalise_identifiers", "phone", "email", "compact_id", "ip_address"]

# The patterns run in Arrow's RE2, over a million values at a time (pandas ran Python's re once
# per value, six times slower). RE2's \s and \d are ASCII only, Python's are Unicode: these
# classes are Python's, so a value normalises as it did (tests/unit/test_normalise.py compares
# every code point). Unicode digits newer than this Python's tables count as digits too.
_SPACE = r"\s\v\x1c-\x1f\x85\p{Z}"
_DIGIT = r"\p{Nd}"
_END = r"\n?$"  # Python's $ also matches before a final line break
_PHONE_CHARS = rf"^[{_DIGIT}{_SPACE}\-+().]+{_END}"
_EMAIL = rf"^[^@{_SPACE}]+@[^@{_SPACE}]+\.[^@{_SPACE}]+{_END}"
_IPV4_OCTET = rf"(?:25[0-5]|2[0-4]{_DIGIT}|1{_DIGIT}{_DIGIT}|[1-9]?{_DIGIT})"
_IPV4 = rf"^{_IPV4_OCTET}(?:\.{_IPV4_OCTET}){{3}}{_END}"
_IPV6 = rf"^[0-9a-f]*:[0-9a-f:.]*{_END}"


class _AsciiDigits(dict):
    """A ``str.translate`` table writing every decimal digit as 0-9 (Arabic-Indic ٣ as 3),
    filled as characters are met."""

    def __missing__(self, code: int) -> str:
        digit = unicodedata.decimal(chr(code), None)
        self[code] = found = chr(code) if digit is None else str(digit)
        return found


_ASCII_DIGITS = _AsciiDigits()


def _folded(values: pd.Series) -> pd.Series:
    """``values`` in Unicode's compatibility form (NFKC) with every decimal digit written 0-9:
    a seller who writes its phone in full-width ``１３８…`` or Arabic-Indic digits, or its e-mail
    in full-width letters, means the number and address everyone else writes in ASCII, and would
    otherwise stay apart from its other storefronts. Only non-ASCII values are looked at."""
    ascii_ = pc.fill_null(pc.string_is_ascii(pa.array(values)), True).to_numpy(zero_copy_only=False)
    odd = np.flatnonzero(~ascii_)
    if not len(odd):
        return values
    out = values.to_numpy(dtype=object, copy=True)
    for at in odd.tolist():
        out[at] = unicodedata.normalize("NFKC", out[at]).translate(_ASCII_DIGITS)
    return pd.Series(out, index=values.index, dtype=values.dtype)


def _reasons(bad: pd.Series, reason: str) -> pd.Series:
    # one "" object shared by the good rows, not a fixed-width copy of the reason per row
    out = np.full(len(bad), "", dtype=object)
    out[bad.to_numpy(dtype=bool)] = reason
    return pd.Series(out, index=bad.index, dtype=object)


def _matches(values: pd.Series, pattern: str) -> pd.Series:
    """Whether each value matches ``pattern`` (RE2); a missing value does not."""
    found = pc.fill_null(pc.match_substring_regex(pa.array(values), pattern), False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index)


def _removed(values: pd.Series, pattern: str) -> pd.Series:
    """``values`` without any match of ``pattern`` (RE2)."""
    out = pc.replace_substring_regex(pa.array(values), pattern, "")
    return pd.Series(out, index=values.index, dtype=values.dtype)


def phone(values: pd.Series, default_country: str = "86") -> tuple[pd.Series, pd.Series]:
    """Phones to ``+<country><number>`` digits: ``138 1234-5678`` -> ``+8613812345678``.

    A leading ``+`` or ``00`` keeps the country code given; a national number gets
    ``default_country`` (a trunk ``0`` is dropped first).
    """
    raw = _folded(values.astype(str)).str.strip()
    digits = _removed(raw, rf"[^{_DIGIT}]")
    has_plus = raw.str.startswith("+")
    intl = ~has_plus & digits.str.startswith("00")
    digits = digits.where(~intl, digits.str[2:])
    national = ~has_plus & ~intl
    digits = digits.where(~(national & digits.str.startswith("0")), digits.str[1:])
    # a national-looking number that already carries the default code (8613812345678)
    carries_code = digits.str.startswith(default_country) & (digits.str.len() > 11)
    digits = digits.where(~national | carries_code, default_country + digits)
    length = digits.str.len()
    bad_chars = ~_matches(raw, _PHONE_CHARS)
    bad_len = (length < 8) | (length > 15)
    reasons = _reasons(bad_chars, "not a phone number (unexpected characters)")
    reasons = reasons.where(reasons != "", _reasons(bad_len, "not a phone number (8 to 15 digits)"))
    return "+" + digits, reasons


def email(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """E-mails trimmed and lower-cased: ``Li.Wei@QQ.com `` -> ``li.wei@qq.com``."""
    out = _folded(values.astype(str)).str.strip().str.lower()
    return out, _reasons(~_matches(out, _EMAIL), "not an e-mail address")


def compact_id(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """IDs, devices and account numbers without spaces or dashes, upper-cased."""
    out = _removed(_folded(values.astype(str)), rf"[{_SPACE}\-]+").str.upper()
    return out, _reasons(out == "", "empty identifier")


def ip_address(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """IPv4 dotted quads or IPv6 (lower-cased), trimmed."""
    out = _folded(values.astype(str)).str.strip().str.lower()
    good = _matches(out, _IPV4) | _matches(out, _IPV6)
    return out, _reasons(~good, "not an IP address")


def _address_id(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    out = values.astype(str).str.strip()
    return out, _reasons(out == "", "empty address id")


# values of one kind normalised at a time
_NORMALISED_PART = 1 << 20

_BY_KIND = {
    "person_id": compact_id,
    "bank_account": compact_id,
    "device": compact_id,
    "email": email,
    "ip": ip_address,
    "address": _address_id,
}


def normalise_identifiers(
    kinds: pd.Series, values: pd.Series, default_country: str = "86"
) -> tuple[pd.Series, pd.Series]:
    """Normalise ``values`` according to the link ``kinds`` beside them (one kind per row).

    Rows of an unknown kind are returned unchanged with an empty reason: the kind check
    belongs to the caller.

    >>> v, r = normalise_identifiers(pd.Series(["phone", "email"]), pd.Series(["138-0013-8000", "A@B.CN"]))
    >>> list(v), list(r)
    (['+8613800138000', 'a@b.cn'], ['', ''])
    """
    text = values.astype(str)
    # a reason per row as a byte (its place among the reasons met; 0 is "", the value is good):
    # an object per row was 0.6 GiB for ten million sellers' links
    why_code = np.zeros(len(text), dtype=np.int8)
    why_text = [""]
    codes, found = pd.factorize(kinds)
    codes = codes.astype(np.int8 if len(found) < 128 else np.int64)  # a kind's number, a byte a row
    positions, parts = [], []
    # each kind's rows taken out by position and normalised a part at a time (a phone's steps
    # copy its column several times over: a kind's whole column held them all at once); only
    # the values that changed are put back, in one pass (most identifiers come in their form
    # already, and a column of eight million links rebuilt from its parts held it three times over)
    for code, kind in enumerate(found):
        if kind != "phone" and kind not in _BY_KIND:
            continue
        of_kind = np.flatnonzero(codes == code)
        for start in range(0, len(of_kind), _NORMALISED_PART):
            rows = of_kind[start : start + _NORMALISED_PART]
            part = text.iloc[rows]
            norm, why = phone(part, default_country) if kind == "phone" else _BY_KIND[kind](part)
            why = why.to_numpy(dtype=object)
            bad = np.flatnonzero(why != "")
            for reason in set(why[bad].tolist()) - set(why_text):
                why_text.append(reason)
            if len(bad):
                why_code[rows[bad]] = pd.Index(why_text).get_indexer(why[bad])
            changed = (norm != part).to_numpy(dtype=bool)
            positions.append(rows[changed])
            parts.append(norm[changed])
    reasons = pd.Series(pd.Categorical.from_codes(why_code, why_text), index=values.index)
    if not positions:
        return text, reasons
    rows = np.concatenate(positions)
    order = np.argsort(rows, kind="stable")
    new = pa.chunked_array(
        [pa.array(part, from_pandas=True).cast(pa.large_string()) for part in parts], pa.large_string()
    )
    del parts, codes, why_code  # held by ``new`` and ``reasons`` where still needed
    # taken from the parts as they are: joined into one piece first, they were held twice
    new = new.take(pa.array(order))
    new = new.chunk(0) if new.num_chunks == 1 else new.combine_chunks()
    return replaced_at(text, rows[order], new), reasons
