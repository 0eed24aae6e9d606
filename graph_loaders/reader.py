"""Reading one input file (CSV or Parquet) into a frame of raw strings with the line of every row."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from workbench import give_back_memory
from workbench.errors import InputError
from workbench.hashing import HashedReading, digest_and_lines
from workbench.model import INPUT_FILES

from .quarantine import quarantine_frame

__all__ = ["RawTable", "find_input", "read_table", "write_input_csv"]

SUFFIXES = (".csv", ".parquet")


@dataclass
class RawTable:
    """An input file as read: every cell a string ("" when empty), before any validation.

    ``lines`` holds each row's line in the CSV file (the header is line 1) or, for Parquet,
    its 1-based row number; ``malformed`` holds the rows that could not even be parsed;
    ``digest`` is the file's SHA-256, for the input's fingerprint.
    """

    name: str
    file_name: str
    frame: pd.DataFrame
    lines: np.ndarray
    malformed: pd.DataFrame
    digest: str

    @property
    def read(self) -> int:
        return len(self.frame) + len(self.malformed)


def find_input(data_dir: Path, name: str) -> Path | None:
    """The file for input kind ``name`` in ``data_dir`` (``name.csv`` or ``name.parquet``)."""
    found = [data_dir / f"{name}{s}" for s in SUFFIXES if (data_dir / f"{name}{s}").is_file()]
    if len(found) > 1:
        raise InputError(f"{data_dir}: both {found[0].name} and {found[1].name}; keep one")
    return found[0] if found else None


def read_table(path: Path, name: str) -> RawTable:
    """Read ``path`` as strings; raise InputError when the file as a whole is unreadable."""
    try:
        if path.suffix == ".parquet":
            return _read_parquet(path, name)
        return _read_csv(path, name)
    except InputError:
        raise
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError, csv.Error) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path.name}: cannot be read ({reason})") from exc


def _header(path: Path) -> list[str]:
    """The header's column names; [] for an empty file."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f)
        header = next(rows, None)
        header_lines = rows.line_num
    if not header or not any(h.strip() for h in header):
        return []
    if header_lines > 1:
        # rows are read and cited by line after a one-line header; a name with a line break in it
        # would shift every row (the reader would take the name's second half for the first row)
        raise InputError(f"{path.name}: line 1: a column name holds a line break; column names are one line")
    header = [h.strip() for h in header]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise InputError(f"{path.name}: column(s) named twice in the header: {', '.join(repeated)}")
    return header


# a column of few values as read: a number per row into the distinct values of the file
_CODED = pa.dictionary(pa.int32(), pa.large_string())

# a value longer than this is a row to quarantine, not data (a seller can write anything)
MAX_FIELD_BYTES = 1 << 20
# a quoted value over more lines than this is a quote that never closed, not an address
MAX_RECORD_LINES = 20


def _read_csv(path: Path, name: str) -> RawTable:
    header = _header(path)
    if not header:
        return _no_rows(path, name)
    spec = INPUT_FILES.get(name)
    coded = frozenset(c.name for c in spec.columns if c.read_as_codes) if spec else frozenset()
    parser = _CsvParser(path, header, coded)
    frame = _as_frame(_columns(parser.first_read()))
    unclosed: list[tuple[int, str, str]] = []
    digest, line_count = parser.digest_and_lines()
    # some record spans lines when the file has more lines than header plus records
    if line_count > len(frame) + len(parser.bad_rows) + 1:
        good, bad, longest = _record_starts(path, len(header))
        if longest > MAX_RECORD_LINES:
            frame, lines, unclosed = _read_unquoted(parser, longest)
        else:
            # a quoted value spans lines: every row is cited at the line where its record starts
            lines = np.array(good[: len(frame)], dtype=np.int64)
            parser.bad_rows = [
                (line, text, why) for line, (_, text, why) in zip(bad, parser.bad_rows, strict=False)
            ]
    else:
        lines = _physical_lines(len(frame), parser.bad_rows)
    frame, lines, too_long = _without_huge_values(frame, lines)
    rejected = parser.bad_rows + unclosed + too_long
    malformed = quarantine_frame(
        path.name,
        [n for n, _, _ in rejected],
        "(row)",
        [t for _, t, _ in rejected],
        [r for _, _, r in rejected],
    )
    return RawTable(name, path.name, frame, lines, malformed, digest)


def _no_rows(path: Path, name: str) -> RawTable:
    """An empty file: an input file with no rows, as header-only is (partial datasets are normal)."""
    if name not in INPUT_FILES:
        raise InputError(f"{path.name}: empty file, expected a header line")
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in INPUT_FILES[name].column_names})
    return RawTable(
        name,
        path.name,
        frame,
        np.array([], dtype=np.int64),
        quarantine_frame(path.name, [], "(row)", [], []),
        digest_and_lines(path)[0],
    )


class _CsvParser:
    """Arrow's CSV reader over one file, every cell a string; a malformed row is kept for the
    quarantine (line, text, reason) instead of failing the whole file."""

    def __init__(self, path: Path, header: list[str], coded: frozenset[str] = frozenset()):
        self.path, self.header = path, header
        # columns read as codes into their distinct values (``Column.read_as_codes``)
        self.types = {c: _CODED if c in coded else pa.large_string() for c in header}
        self.bad_rows: list[tuple[int | None, str, str]] = []
        self.block_size: int | None = None
        self.reading: HashedReading | None = None  # the last parse's, hashed and counted

    def _on_invalid(self, row: pacsv.InvalidRow) -> str:
        self.bad_rows.append(
            (
                row.number,
                (row.text or "")[:200],
                f"malformed row: {row.actual_columns} fields, header has {row.expected_columns}",
            )
        )
        return "skip"

    def parse(self, use_threads: bool, quoting: bool = True) -> pa.Table:
        # the file hashed and its lines counted as Arrow reads it, each part leaving the kernel's
        # cache once read: no second reading of the file, no copy of it held in the cache
        with HashedReading(self.path, drop_behind=True) as reading:
            self.reading = reading
            return pacsv.read_csv(
                reading,
                read_options=pacsv.ReadOptions(
                    column_names=self.header, skip_rows=1, use_threads=use_threads, block_size=self.block_size
                ),
                parse_options=pacsv.ParseOptions(
                    invalid_row_handler=self._on_invalid,
                    ignore_empty_lines=False,
                    newlines_in_values=quoting,
                    quote_char='"' if quoting else False,
                ),
                convert_options=pacsv.ConvertOptions(
                    # text as large_string, the type a frame's column takes (``_as_frame``): cast from
                    # Arrow's string, each of ten million sellers' link columns got its offsets twice over
                    column_types=self.types,
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )

    def first_read(self) -> pa.Table:
        """The file read with quoting, on every core where line numbers allow it."""
        try:
            table = self.parse(use_threads=True)
        except pa.ArrowInvalid as exc:
            if "skip initial" in str(exc) and _only_header(self.path):
                table = pa.table({c: pa.array([], t) for c, t in self.types.items()})
            elif "straddl" in str(exc) or "block size" in str(exc):
                # one value longer than Arrow's block: read in one block, quarantine the row later
                self.block_size = min(self.path.stat().st_size + 1, (1 << 31) - 1)
                self.bad_rows.clear()
                table = self.parse(use_threads=True)
            else:
                raise
        if any(n is None for n, _, _ in self.bad_rows):
            # the threaded reader does not know line numbers; the rare file with malformed rows
            # is read again serially so every quarantined row names its line
            self.bad_rows.clear()
            table = self.parse(use_threads=False)
        return table

    def digest_and_lines(self) -> tuple[str, int]:
        """The file's SHA-256 and line count, from the last parse when it read the whole file."""
        if self.reading is not None and self.reading.whole:
            return self.reading.digest, self.reading.lines
        return digest_and_lines(self.path)


def _as_frame(columns: dict[str, pa.ChunkedArray]) -> pd.DataFrame:
    """A file's text ``columns`` as a frame of one contiguous array per column. Arrow's reader
    gives a column in hundreds of blocks, and every later pick of rows (each check, each step of
    the analysis) went through them all: picking a link column's rows of one kind took 3x as long.
    Text comes as large_string, pandas' own text type, with no 2 GiB limit to a column; a column
    read as codes (``Column.read_as_codes``) becomes a categorical, its blocks' distinct values
    joined into one set. ``columns`` is emptied as each is copied, so the file is held once and a column, not
    twice: the caller keeps no other reference (a table passed in was held by the call itself to
    its end, 2 GiB at 3,000,000 sellers' links)."""
    names = list(columns)
    copied = []
    for name in names:
        copied.append(columns.pop(name).combine_chunks())
        give_back_memory()  # the reader's blocks are small: freed, they stay in the heap until trimmed
    return pa.table(copied, names=names).to_pandas()


def _columns(table: pa.Table) -> dict[str, pa.ChunkedArray]:
    """``table``'s columns by name, for ``_as_frame`` (which lets each go once copied)."""
    return dict(zip(table.column_names, table.columns, strict=True))


def _physical_lines(rows: int, bad_rows: list[tuple[int, str, str]]) -> np.ndarray:
    """One row per physical line: a good row's line is the next one not taken by a bad row."""
    if not bad_rows:  # the common file: line 2 onwards (setdiff1d sorted every line to say so)
        return np.arange(2, 2 + rows, dtype=np.int64)
    bad_lines = np.array(sorted(n for n, _, _ in bad_rows), dtype=np.int64)
    all_lines = np.arange(2, 2 + rows + len(bad_rows), dtype=np.int64)
    return np.setdiff1d(all_lines, bad_lines, assume_unique=True)[:rows]


def _read_unquoted(parser: _CsvParser, longest: int) -> tuple[pd.DataFrame, np.ndarray, list]:
    """A quote that never closes swallows every line after it (a seller can start its shop name
    with one): the file read one row per line without quoting, every line that holds a quote
    quarantined, so no later row disappears into a value."""
    parser.bad_rows.clear()
    frame = _as_frame(_columns(parser.parse(use_threads=False, quoting=False)))
    quoted = np.zeros(len(frame), dtype=bool)
    for column in frame.columns:
        quoted |= frame[column].str.contains('"', regex=False).to_numpy()
    reason = f"quotes do not close in this file (a value ran over {longest} lines); read one row per line"
    lines = _physical_lines(len(frame), parser.bad_rows)
    unclosed = [
        (int(n), ",".join(map(str, row))[:200], reason)
        for n, row in zip(lines[quoted], frame[quoted].itertuples(index=False), strict=True)
    ]
    return frame[~quoted].reset_index(drop=True), lines[~quoted], unclosed


def _only_header(path: Path) -> bool:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f)
        next(rows, None)
        return next(rows, None) is None


def _record_starts(path: Path, width: int) -> tuple[list[int], list[int], int]:
    """The line each CSV record starts on, for records of ``width`` fields and for the others,
    and the most lines one record spans."""
    good, bad, longest = [], [], 1
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f)
        next(rows, None)
        start = rows.line_num + 1
        for record in rows:
            (good if len(record) == width else bad).append(start)
            longest = max(longest, rows.line_num + 1 - start)
            start = rows.line_num + 1
    return good, bad, longest


def _without_huge_values(frame: pd.DataFrame, lines: np.ndarray):
    """Rows with a value over MAX_FIELD_BYTES leave the frame for the quarantine."""
    if frame.empty:
        return frame, lines, []
    huge = np.zeros(len(frame), dtype=bool)
    for column in frame.columns:
        # a column whose longest value in bytes is within the limit has none over it in characters
        values = pa.array(frame[column])
        if (
            _longest_in_bytes(values.dictionary if pa.types.is_dictionary(values.type) else values)
            <= MAX_FIELD_BYTES
        ):
            continue
        huge |= frame[column].str.len().to_numpy() > MAX_FIELD_BYTES
    if not huge.any():
        return frame, lines, []
    rows = [
        (
            int(line),
            f"{frame.columns[0]}={frame.iloc[i, 0]!s:.60}",
            f"a value longer than {MAX_FIELD_BYTES:,} characters",
        )
        for i, line in zip(np.flatnonzero(huge), lines[huge], strict=True)
    ]
    return frame[~huge].reset_index(drop=True), lines[~huge], rows


# values measured at a time: a length per value for a whole column of eight million links was
# 64 MiB of memory the kernel had to hand out anew for each column
_MEASURED_PART = 1 << 20


def _longest_in_bytes(column: pa.Array | pa.ChunkedArray) -> int:
    """The length in bytes of the longest value of ``column``, measured a part at a time."""
    longest = 0
    for start in range(0, len(column), _MEASURED_PART):
        longest = max(longest, pc.max(pc.binary_length(column.slice(start, _MEASURED_PART))).as_py() or 0)
    return longest


def _read_parquet(path: Path, name: str) -> RawTable:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    columns = {}
    for col_name, column in zip(table.column_names, table.columns, strict=True):
        declared = next((c for c in INPUT_FILES[name].columns if c.name == col_name.strip()), None)
        if pa.types.is_floating(column.type) and declared is not None and declared.type == "str":
            example = next((v for v in column.to_pylist() if v is not None), None)
            raise InputError(
                f"{path}: column {col_name!r} is stored as floating-point numbers (e.g. {example!r}); "
                "identifiers and account numbers lose digits that way: export the column as text"
            )
        if pa.types.is_nested(column.type):
            raise InputError(
                f"{path}: column {col_name!r} holds {column.type} values; every input column "
                "must be plain text, numbers or dates (flatten it, e.g. one row per item)"
            )
        # as large_string, the type the CSV reader gives text (``_as_frame`` takes either as it is)
        as_text = column if pa.types.is_large_string(column.type) else pc.cast(column, pa.large_string())
        columns[col_name.strip()] = pc.fill_null(as_text, "")
    del table  # each column goes once copied (``_as_frame``)
    frame = _as_frame(columns) if columns else pd.DataFrame()
    lines = np.arange(1, len(frame) + 1, dtype=np.int64)
    return RawTable(
        name, path.name, frame, lines, quarantine_frame(path.name, [], "", [], []), digest_and_lines(path)[0]
    )


def write_input_csv(frame: pd.DataFrame, path: Path, append: bool = False) -> None:
    """Write ``frame`` as an input file this reader takes back unchanged: every cell as text, empty
    for missing (with ``append``, its rows after those of ``path``, no header). Not neutralised for
    spreadsheets: it is data for the loader, kept as the source wrote it."""
    table = pa.Table.from_pandas(
        frame.astype(str).replace({"nan": "", "None": "", "<NA>": ""}), preserve_index=False
    )
    if not append:
        pacsv.write_csv(table, path)
        return
    with open(path, "ab") as sink:
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False))
