"""Writers for files people open in other programs: CSV cells that cannot run as formulas, XML text
that stays well-formed.

Every CSV the product writes (analysis results, quarantine, packets, app downloads) goes through
:func:`write_csv` / :func:`csv_bytes`, because a seller writes its own shop name: ``=HYPERLINK(...)``
must reach a police analyst's spreadsheet as text, not as a live formula (OWASP "CSV injection").
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .provenance import told

__all__ = ["neutralise_cell", "safe_frame", "write_csv", "csv_bytes", "xml_text"]

# a cell a spreadsheet would read as a formula or a DDE command starts with one of these
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# ...unless it is a plain number ("-12.5", "+8613800000000"), which a spreadsheet reads as a number
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# characters XML 1.0 does not allow anywhere in a document
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def neutralise_cell(value):
    """``value`` made safe for a spreadsheet: text that would start a formula gets a leading quote.

    >>> neutralise_cell('=HYPERLINK("http://x","click")')
    '\\'=HYPERLINK("http://x","click")'
    >>> neutralise_cell("-12.5"), neutralise_cell("+8613800000000"), neutralise_cell(3)
    ('-12.5', '+8613800000000', 3)
    >>> neutralise_cell("@SUM(A1)")
    "'@SUM(A1)"
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell neutralised; numbers, dates and booleans untouched."""
    out = told(frame).copy()
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
            # a text column: only the cells starting like a formula are looked at one by one
            risky = column.str.startswith(_FORMULA_START).fillna(False).astype(bool)
            if risky.any():
                out.isetitem(position, column.where(~risky, column[risky].map(neutralise_cell)))
        elif column.dtype == object:
            out.isetitem(position, column.map(neutralise_cell, na_action="ignore"))
    return out


def write_csv(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write ``frame`` as UTF-8 CSV (no index) with formula cells neutralised."""
    safe_frame(frame).to_csv(path, index=False)
    return Path(path)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The same CSV as :func:`write_csv`, as bytes for a download button."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8")


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 forbids (control characters, lone surrogates).

    >>> xml_text("shop\\x07name\\x00")
    'shopname'
    """
    return _XML_FORBIDDEN.sub("", value)
