"""`workbench import --infer`: a first mapping drafted from a source's column names and sample values,
for the user to read and edit (every guess says what it was made from)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.errors import InputError
from workbench.model import INPUT_FILES

from .convert import read_source
from .mapping import SOURCE_SUFFIXES

__all__ = ["draft_mapping"]

SAMPLE = 200

# words in a column's name that say what it holds (names are compared without case, _ - or spaces)
_IDENTIFIER_NAMES = {
    "email": ("email", "mail", "emailaddress"),
    "phone": ("phone", "phonenumber", "mobile", "tel", "telephone", "cellphone"),
    "person_id": ("ssn", "idnumber", "nationalid", "personid", "passport", "idcard", "citizenid"),
    "device": ("device", "deviceid", "imei", "fingerprint"),
    "ip": ("ip", "ipaddress", "loginip"),
    "bank_account": ("bankaccount", "iban", "accountnumber", "card", "cardnumber", "alipay"),
}
_SELLER_ID = (
    "sellerid",
    "shopid",
    "storeid",
    "merchantid",
    "clientid",
    "userid",
    "customerid",
    "id",
    "nodeid",
)
_SHOP_NAME = ("shopname", "storename", "name", "merchantname", "clientname", "fullname")
_FROM = (
    "from",
    "source",
    "sender",
    "origin",
    "originator",
    "payer",
    "nameorig",
    "sourcenodeid",
    "fromaccount",
)
_TO = ("to", "target", "recipient", "dest", "beneficiary", "payee", "namedest", "targetnodeid", "toaccount")
_AMOUNT = ("amount", "value", "sum", "amounttransactions", "total")
_DATE = ("date", "time", "paidat", "timestamp", "begindate", "step", "createdat")

_PATTERNS = {
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "person_id": re.compile(r"^(\d{3}-\d{2}-\d{4}|\d{17}[\dXx])$"),  # US SSN, PRC resident ID
    "phone": re.compile(r"^\+?[\d\s\-().]{8,20}$"),
    "ip": re.compile(r"^\d{1,3}(\.\d{1,3}){3}$"),
}


def _plain(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name).casefold()


def _share(values: pd.Series, pattern: re.Pattern) -> float:
    filled = values[values != ""]
    return float(filled.str.match(pattern).mean()) if len(filled) else 0.0


@dataclass
class _Guess:
    column: str
    why: str


def _find(columns, names, exclude=()) -> _Guess | None:
    for wanted in names:
        for column in columns:
            if column not in exclude and _plain(column) == wanted:
                return _Guess(column, "its name")
    for wanted in names:
        for column in columns:
            if column not in exclude and len(wanted) > 3 and wanted in _plain(column):
                return _Guess(column, f"its name holds {wanted!r}")
    return None


def _identifier_columns(sample: pd.DataFrame, taken: set[str]) -> dict[str, _Guess]:
    found: dict[str, _Guess] = {}
    for kind, names in _IDENTIFIER_NAMES.items():
        guess = _find(sample.columns, names, taken)
        if guess:
            found[kind] = guess
            taken.add(guess.column)
    # then by values: a column whose sample values look like one kind of identifier
    for column in sample.columns:
        if column in taken:
            continue
        for kind, pattern in _PATTERNS.items():
            share = _share(sample[column], pattern)
            if kind not in found and share >= 0.9:
                found[kind] = _Guess(column, f"{share:.0%} of its sample values look like {kind}")
                taken.add(column)
                break
    return found


def _numeric(values: pd.Series) -> bool:
    filled = values[values != ""]
    return bool(len(filled)) and pd.to_numeric(filled, errors="coerce").notna().mean() >= 0.95


def _date_rule(column: str, values: pd.Series) -> str:
    filled = values[values != ""].head(50)
    if _numeric(filled):
        return f'{{column: {column}, days_after: "2020-01-01"}}  # numbers: days after a start you set'
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%b %d, %Y", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d"):
        if len(filled) and pd.to_datetime(filled, format=fmt, errors="coerce").notna().all():
            return f'{{column: {column}, date: "{fmt}"}}'
    return f'{column}  # check the dates: add date: "%d.%m.%Y" with their format'


def _quote(column: str) -> str:
    escaped = column.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'


def _extra_names(columns: list[str], own: tuple[str, ...]) -> list[str]:
    """Plain, distinct names for extra columns (a source can name its columns anything)."""
    names: list[str] = []
    for column in columns:
        name = re.sub(r"[^0-9A-Za-z_]", "_", column)[:50] or "column"
        if name[0].isdigit() or name in own:
            name = "source_" + name
        base, n = name, 2
        while name in names:
            name, n = f"{base}_{n}", n + 1
        names.append(name)
    return names


def _draft_file(name: str, sample: pd.DataFrame) -> list[str]:
    columns = list(sample.columns)
    lines = [f"  - file: {_quote(name)}", "    make:"]
    source = _find(columns, _FROM)
    target = _find(columns, _TO, {source.column} if source else ())
    amount = _find(columns, _AMOUNT, {g.column for g in (source, target) if g})
    if source and target and amount and _numeric(sample[amount.column]):
        # a table of transfers: payments between accounts
        date = _find(columns, _DATE, {source.column, target.column, amount.column})
        ident = _find(columns, ("id", "paymentid", "transactionid", "txid"), {source.column, target.column})
        lines += ["      payments:"]
        lines += [
            f"        payment_id: {_quote(ident.column) if ident else _quote('@line')}"
            + ("  # the row's line: the file has no id column" if not ident else ""),
            f"        from_account: {_quote(source.column)}  # from {source.why}",
            f"        to_account: {_quote(target.column)}  # from {target.why}",
            f"        amount: {_quote(amount.column)}  # from {amount.why}, numbers",
        ]
        if date:
            lines.append("        paid_at: " + _date_rule(_quote(date.column), sample[date.column]))
        return lines
    seller = _find(columns, _SELLER_ID)
    if seller is None:
        lines += [
            "      # no column looks like an id of a seller or a transfer: name the input file and its",
            "      # fields by hand (see the README, Import)",
            "      sellers:",
            f"        seller_id: {_quote(columns[0])}  # a guess: the first column",
        ]
        return lines
    taken = {seller.column}
    shop = _find(columns, _SHOP_NAME, taken)
    if shop:
        taken.add(shop.column)
    identifiers = _identifier_columns(sample, taken)
    lines += ["      sellers:", f"        seller_id: {_quote(seller.column)}  # from {seller.why}"]
    if shop:
        lines.append(f"        shop_name: {_quote(shop.column)}  # from {shop.why}")
    rest = [c for c in columns if c not in taken and c not in {g.column for g in identifiers.values()}]
    if rest:
        lines.append("        extra:  # kept as they are")
        names = _extra_names(rest, INPUT_FILES["sellers"].column_names)
        lines += [f"          {n}: {_quote(c)}" for n, c in zip(names, rest, strict=True)]
    if identifiers:
        lines.append("      seller_links:")
        for kind, guess in identifiers.items():
            lines += [
                f"        - seller_id: {_quote(seller.column)}",
                f"          kind: {{constant: {kind}}}  # from {guess.why}",
                f"          value: {_quote(guess.column)}",
            ]
    return lines


def draft_mapping(src: Path) -> str:
    """A mapping for every readable file in ``src`` (a folder or one file), as YAML text."""
    src = Path(src)
    if not src.exists():
        raise InputError(f"{src}: no such file or folder")
    files = (
        [src] if src.is_file() else sorted(p for p in src.iterdir() if p.suffix.lower() in SOURCE_SUFFIXES)
    )

    if not files:
        raise InputError(f"{src}: no .csv, .parquet or .xlsx file to draft a mapping from")
    out = [
        f"# Drafted by `workbench import --infer` from {_quote(src.name)}: each guess says why.",
        "# Read it, fix what is wrong, then: workbench import SRC --mapping THIS_FILE --out DATA_DIR",
        f"name: {_quote(src.stem)}",
        "read:",
    ]
    for path in files:
        frame, _, _ = read_source(path)
        out += _draft_file(path.name, frame.head(SAMPLE).astype(str))
    return "\n".join(out) + "\n"
