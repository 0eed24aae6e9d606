"""The checks every input file gets from its declaration in ``workbench.model``: duplicates, required
values, types, choices, references and unique keys, all vectorised."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.errors import InputError
from workbench.frames import is_in
from workbench.frames_sql import frames_sql_batches
from workbench.model import InputFile, property_name
from workbench.provenance import Provenance

from .quarantine import RowFilter
from .reader import RawTable

__all__ = ["LoadContext", "FileResult", "check_file", "reference_check"]


@dataclass
class LoadContext:
    """What one file's checks may see: the files loaded before it and the settings."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    default_country: str = "86"


@dataclass
class FileResult:
    """One loaded file: canonical rows (typed, with provenance) and the count of every row read."""

    name: str
    file_name: str
    table: pd.DataFrame
    quarantine: pd.DataFrame
    read: int
    duplicates: int
    # extra columns stored under a generated name: {stored name: the column's name in the file}
    renamed_columns: dict[str, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "read": self.read,
            "loaded": len(self.table),
            "quarantined": len(self.quarantine),
            "duplicates": self.duplicates,
        }


# A file kind's own checks, run after the declared types and before references and keys.
FileHook = Callable[[RowFilter, pd.DataFrame, LoadContext], None]


def _missing_columns(raw: RawTable, spec: InputFile) -> None:
    missing = [c for c in spec.required_columns if c not in raw.frame.columns]
    if missing:
        raise InputError(
            f"{raw.file_name}: missing required column(s) {', '.join(missing)} "
            f"(header has: {', '.join(raw.frame.columns) or 'nothing'})"
        )


# below this many rows pandas alone is as fast as a round trip through DuckDB
_HASHED_FROM_ROWS = 500_000


def _rows_with_a_twin(frame: pd.DataFrame) -> np.ndarray:
    """Which rows have an identical row elsewhere in ``frame``: each row is hashed in DuckDB (on
    both cores; 9.3 s -> 1.2 s for 8 million links with the rest), the rows whose hash another row
    shares are found by sorting the hashes, then compared in full (a hash can collide, a twin
    never differs)."""
    if frame.shape[1] == 0 or len(frame) < _HASHED_FROM_ROWS:
        return frame.duplicated(keep=False).to_numpy()
    # the file's own column names are a seller's text: the query names the columns by position
    columns = ", ".join(f"c{i}" for i in range(frame.shape[1]))
    hashes = np.empty(len(frame), dtype=np.uint64)
    # a batch at a time into one array: the whole result, then one piece of it, were 2.6 GB at
    # ten million sellers' links
    for batch in frames_sql_batches(
        f"SELECT _row, hash({columns}) AS h FROM rows",
        rows=frame.set_axis([f"c{i}" for i in range(frame.shape[1])], axis=1),
    ):
        hashes[batch.column(0).to_numpy()] = batch.column(1).to_numpy()
    ordered = np.sort(hashes)
    shared = ordered[1:][ordered[1:] == ordered[:-1]]
    del ordered
    # the few hashes shared looked up in a table of their own (np.isin sorted all of them again)
    candidates = (
        np.flatnonzero(pd.Series(hashes).isin(shared)) if len(shared) else np.zeros(0, dtype=np.int64)
    )
    twins = np.zeros(len(frame), dtype=bool)
    twins[candidates] = frame.iloc[candidates].duplicated(keep=False).to_numpy()
    return twins


def _merge_exact_duplicates(frame: pd.DataFrame, lines: np.ndarray):
    """Drop rows identical to an earlier row; return kept rows, their lines, the lines of each
    kept row that stands for duplicates ("2,6,7", by its row among the kept) and the count."""
    involved = _rows_with_a_twin(frame)
    if not involved.any():
        return frame, lines, pd.Series([], dtype=object), 0
    sub = frame[involved]
    group = sub.groupby(list(sub.columns), sort=False, dropna=False).ngroup().to_numpy()
    merged = pd.Series(lines[involved].astype(str)).groupby(group).agg(",".join)
    # a row is kept unless an earlier row is the same: only the rows with a twin are looked at again
    first = ~pd.Series(group).duplicated().to_numpy()
    keep = np.ones(len(frame), dtype=bool)
    keep[np.flatnonzero(involved)] = first
    rows = np.cumsum(keep)[np.flatnonzero(involved)[first]] - 1  # each first row's place among the kept
    texts = merged.reindex(group[first]).to_numpy()
    return frame[keep], lines[keep], pd.Series(texts, index=rows, dtype=object), int((~keep).sum())


def _parse_types(rows: RowFilter, spec: InputFile, typed: pd.DataFrame) -> None:
    for col in spec.columns:
        if col.name not in rows.frame.columns:
            # an optional column the file does not have
            typed[col.name] = _empty_of(col.type, len(typed))
            continue
        text = rows.frame[col.name]
        if col.type == "str" and not (col.required or col.references):
            # free text, kept as written: nothing to check; a column of few values (a link's
            # role) as codes, as an analysis holds it (the writer of the store's copy held its
            # text beside: 1.3 GiB for ten million sellers' links)
            typed[col.name] = _as_codes(*_distinct(text), text.index) if col.few_values else text
            continue
        if col.type in ("datetime", "enum"):
            # a column of few values (dates, kinds) is read once per distinct value, not per row:
            # eight million link dates hold 1,400
            codes, distinct = _distinct(text)
            distinct = distinct.str.strip()
            distinct_empty = (distinct == "").to_numpy()
            empty = distinct_empty[codes]
        else:
            stripped = _stripped(text)
            empty = stripped == ""
        if col.required:
            rows.reject(empty, col.name, "required value missing")
        if col.type == "float" or col.type == "int":
            number = _numbers(stripped, empty) if col.type == "float" else None
            if number is None:
                number = pd.to_numeric(stripped.where(~empty), errors="coerce")
            rows.reject(~empty & number.isna(), col.name, "not a number")
            finite = np.isfinite(number.fillna(0.0))
            rows.reject(~finite, col.name, "not a finite number")
            number = number.where(finite)  # a rejected value never reaches the typed column
            if col.type == "int":
                whole = number.isna() | (number == number.round())
                rows.reject(~whole, col.name, "not a whole number")
                # past 2**53 a float no longer holds every whole number: the value would change
                small = number.isna() | (number.abs() <= 2**53)
                rows.reject(whole & ~small, col.name, "whole number too large (at most 2**53)")
                number = number.where(whole & small)
            typed[col.name] = number.astype("float64") if col.type == "float" else _as_int(number)
        elif col.type == "datetime":
            when = pd.to_datetime(
                distinct.where(~distinct_empty), errors="coerce", format="ISO8601", utc=True
            )
            when = pd.Series(when.array.take(codes), index=text.index)
            rows.reject(~empty & when.isna().to_numpy(), col.name, "not a date or time (expected ISO 8601)")
            typed[col.name] = when
        elif col.type == "enum":
            choice = distinct.str.lower()
            unknown = (~distinct_empty & ~is_in(choice, pd.Series(col.choices)))[codes]
            rows.reject(unknown, col.name, f"unknown {col.name} (expected one of {', '.join(col.choices)})")
            if col.few_values:
                # as codes from here on (the links' kinds as text were 1.1 GiB for ten million
                # sellers, held to the file's end)
                kept, named = pd.factorize(choice)
                typed[col.name] = _as_codes(kept[codes], pd.Series(named), text.index)
            else:
                typed[col.name] = pd.Series(choice.array.take(codes), index=text.index)
        else:
            # keys and references are matched exactly, so surrounding blanks are noise
            typed[col.name] = stripped


def _numbers(text: pd.Series, empty: np.ndarray | pd.Series) -> pd.Series | None:
    """The numbers ``text`` writes (NaN where ``empty``), parsed by Arrow, or None where some value
    is not one for Arrow: then pandas parses every value, and says which ones are not. pandas'
    ``to_numeric`` copies the column into Python strings first (25 million listing prices at ten
    million sellers); where Arrow takes a value the two give the same number, to the bit.

    >>> _numbers(pd.Series(["1.5", "", "-2e3"], dtype="str"), np.array([False, True, False])).tolist()
    [1.5, nan, -2000.0]
    >>> _numbers(pd.Series(["1.5", "n/a"], dtype="str"), np.array([False, False])) is None
    True
    """
    if not isinstance(text.dtype, pd.StringDtype):  # the empty column of a header-only file
        return None
    empty = np.asarray(empty, dtype=bool)
    column = pa.array(text)
    numbers = np.full(len(text), np.nan)
    try:
        if empty.any():
            numbers[~empty] = pc.cast(column.filter(pa.array(~empty)), pa.float64()).to_numpy(
                zero_copy_only=False
            )
        else:
            numbers = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        return None
    return pd.Series(numbers, index=text.index)


def _distinct(text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Each value's number among the distinct values of ``text`` (a missing value is a value),
    and those values: numbered in Arrow, 32 bits a row (pandas' factorize held 64 bits a row and
    half a GiB more while numbering 25 million link dates).

    >>> codes, distinct = _distinct(pd.Series(["b", "a", "b"], dtype="str"))
    >>> codes.tolist(), distinct.tolist()
    ([0, 1, 0], ['b', 'a'])
    """
    if isinstance(text.dtype, pd.CategoricalDtype):  # read as codes (``Column.read_as_codes``)
        codes = text.cat.codes.to_numpy()
        if not _all_used(codes, len(text.cat.categories)):
            # a value only rows already gone had (a duplicate's, a huge row's) is no value here
            text = text.cat.remove_unused_categories()
            codes = text.cat.codes.to_numpy()
        return codes, pd.Series(text.cat.categories, dtype=text.cat.categories.dtype)
    if not isinstance(text.dtype, pd.StringDtype):  # the empty column of a header-only file
        codes, distinct = pd.factorize(text, use_na_sentinel=False)
        return codes, pd.Series(distinct)
    column = pa.array(text)
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column, null_encoding="encode")
    return encoded.indices.to_numpy(zero_copy_only=False), pd.Series(encoded.dictionary, dtype=text.dtype)


# values looked at a time (for padding, for the values used): a part's copies are a few MiB
_PART = 1 << 20


def _all_used(codes: np.ndarray, values: int) -> bool:
    """Whether every one of ``values`` has a row among ``codes``, a part at a time (a number a
    row picks in a whole column of codes: eight bytes a row, 0.6 GB for ten million sellers' links).

    >>> _all_used(np.array([1, 0, 1], dtype=np.int8), 2), _all_used(np.array([1, 1], dtype=np.int8), 2)
    (True, False)
    """
    used = np.zeros(values, dtype=bool)
    for start in range(0, len(codes), _PART):
        used[codes[start : start + _PART]] = True
    return bool(used.all())


def _as_codes(codes: np.ndarray, distinct: pd.Series, index: pd.Index) -> pd.Series:
    """A column of few values as a categorical: each row's ``codes`` into ``distinct`` (no value
    twice), the categories sorted as pandas' own ``astype("category")`` sorts them."""
    coded = pd.Categorical.from_codes(codes, categories=pd.Index(distinct))
    return pd.Series(coded.reorder_categories(sorted(distinct.tolist())), index=index)


def _stripped(text: pd.Series) -> pd.Series:
    """``text`` without surrounding blanks, or ``text`` itself when no value has any: the ids of
    eight million links are seldom padded, and a copy of each column was held to the file's end.
    Whether any is padded is asked a part at a time (a whole stripped copy of the links' values
    was 1.7 GiB at ten million sellers), with the blanks pandas' ``str.strip`` takes away."""
    if not isinstance(text.dtype, pd.StringDtype):  # the empty column of a header-only file
        return text.str.strip()
    column = pa.array(text)
    for start in range(0, len(column), _PART):
        part = column.slice(start, _PART)
        # lengths in bytes, in Arrow (pandas' str.len took a second for eight million values)
        same = pc.equal(pc.binary_length(pc.utf8_trim_whitespace(part)), pc.binary_length(part))
        if pc.all(same).as_py() is False:
            return text.str.strip()
    return text


def _as_int(number: pd.Series) -> pd.Series:
    whole = number.where(number.isna() | (number == number.round()))
    return whole.astype("Int64")


def _empty_of(kind: str, n: int) -> pd.Series:
    if kind in ("str", "enum"):
        return pd.Series("", index=range(n), dtype=object)
    if kind == "datetime":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns, UTC]")
    if kind == "int":
        return pd.Series(pd.NA, index=range(n), dtype="Int64")
    return pd.Series(np.nan, index=range(n), dtype="float64")


def reference_check(
    rows: RowFilter,
    typed: pd.DataFrame,
    column: str,
    target: pd.DataFrame | None,
    target_column: str,
    target_name: str,
    applies: pd.Series | None = None,
) -> None:
    """Quarantine non-empty ``column`` values missing from ``target``.

    Skipped when the target file is absent from the input folder: nothing to check against.
    """
    if target is None:
        return
    values = typed[column]
    present = values != ""
    if applies is not None:
        present &= applies
    dangling = present & ~is_in(values, target[target_column])
    rows.reject(dangling, column, f"unknown {target_column} (no such row in {target_name})")


def _unique_key(rows: RowFilter, spec: InputFile, typed: pd.DataFrame) -> None:
    if not spec.key:
        return
    key = spec.key[0]
    alive = pd.Series(rows.alive, index=typed.index)
    # with every row alive, the keys as they are (a copy of ten million listing ids, else)
    values = typed[key] if rows.alive.all() else typed[key].where(alive)
    if _ascending(values):  # an export in the order of its ids repeats none
        return
    # most files repeat no key: Arrow's distinct keys say so without marking each row
    distinct = pc.unique(pa.array(values))
    if len(distinct) - distinct.null_count == values.count():
        return
    later = alive & values.duplicated(keep="first") & values.notna()
    if later.any():
        first_line = pd.Series(rows.lines, index=typed.index)[alive].groupby(values[alive]).transform("first")
        reasons = pd.Series("", index=typed.index, dtype=object)
        reasons[later] = f"duplicate {key} with different values; first on line " + first_line[later].astype(
            str
        )
        rows.reject(later, key, reasons)


def _ascending(values: pd.Series) -> bool:
    """Whether each of ``values`` (text, none missing) is greater than the one before it, compared
    a part at a time: such a column holds no value twice, and saying so needs no hash table (the
    distinct ids of 25 million listings, copied into one, were 14 s of the kernel's time at ten
    million sellers).

    >>> ids = pd.Series(["L1", "L2", "L3", "L3"], dtype="str")
    >>> _ascending(ids[:3]), _ascending(ids)
    (True, False)
    """
    if not isinstance(values.dtype, pd.StringDtype) or values.hasnans:
        return False
    column = pa.array(values)
    for start in range(0, len(column) - 1, _PART):
        part = column.slice(start, _PART + 1)
        if not pc.all(pc.less(part[:-1], part[1:])).as_py():
            return False
    return True


def _rows_picked(table: pd.DataFrame, alive: np.ndarray) -> pd.DataFrame:
    """The ``alive`` rows of ``table``, a column at a time: each column's whole is let go as its
    picked rows are copied (the whole table was held twice)."""
    picked = {}
    for name in list(table.columns):
        column = table.pop(name)[alive].reset_index(drop=True)
        if isinstance(column.dtype, pd.CategoricalDtype):
            # a kind only rejected rows had (a seller's own "fax") is no kind of the table
            column = column.cat.remove_unused_categories()
        picked[name] = column
    return pd.DataFrame(picked)


def check_file(
    raw: RawTable, spec: InputFile, context: LoadContext, hook: FileHook | None = None
) -> FileResult:
    """Validate one raw file against its declaration and the files already loaded."""
    _missing_columns(raw, spec)
    read = raw.read
    frame, lines, merged_lines, duplicates = _merge_exact_duplicates(raw.frame, raw.lines)
    raw.frame = frame = frame.reset_index(drop=True)
    rows = RowFilter(raw.file_name, frame, lines, merged_lines)
    typed = pd.DataFrame(index=frame.index)
    _parse_types(rows, spec, typed)
    # dates and choices are parsed, and no later check quarantines on them: their text goes (the
    # links' dates as text were a quarter GiB a million sellers, held to the file's end)
    parsed = [c.name for c in spec.columns if c.read_as_codes and c.name in frame.columns]
    raw.frame = rows.frame = frame = frame.drop(columns=parsed)
    if hook is not None:
        hook(rows, typed, context)
    for col in spec.columns:
        if col.references:
            target_name, target_column = col.references.split(".")
            reference_check(
                rows, typed, col.name, context.tables.get(target_name), target_column, target_name
            )
    _unique_key(rows, spec, typed)

    # no deep copy: columns are copied on write (pandas' copy-on-write), and a file's columns run
    # to a gigabyte at a million sellers
    table = typed[list(spec.column_names)]
    renamed = {}
    for c in (c for c in frame.columns if c not in spec.column_names):
        # a seller writes its own column names: they are stored under a safe name only
        name = property_name(str(c)) if str(c) != "provenance" else property_name("provenance ")
        if name != c:
            renamed[name] = str(c)
        table[name] = frame[c]
    # as numbers, told as text where cited (workbench.provenance): a third of the tables' memory
    table["provenance"] = Provenance.of_file(raw.file_name, lines, merged_lines.to_dict())
    # the text as read is needed no more (the quarantine has the values it shows): what the
    # table does not hold goes before its rows are picked (the links' values as written, 2 GiB
    # at ten million sellers, were held beside their normal form)
    raw.frame = rows.frame = frame = pd.DataFrame(index=frame.index[:0])
    del typed
    if not rows.alive.all():
        table = _rows_picked(table, rows.alive)
    quarantine = pd.concat([raw.malformed, rows.quarantine()], ignore_index=True)
    # the duplicates of a bad row are listed in the quarantine at their own lines
    duplicates -= rows.duplicate_lines
    return FileResult(spec.name, raw.file_name, table, quarantine, read, duplicates, renamed)
