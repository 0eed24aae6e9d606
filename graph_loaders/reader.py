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

from workbench.errors import InputError

from .quarantine import quarantine_frame

__all__ = ["RawTable", "find_input", "read_table"]

SUFFIXES = (".csv", ".parquet")


@dataclass
class RawTable:
    """An input file as read: every cell a string ("" when empty), before any validation.

    ``lines`` holds each row's line in the CSV file (the header is line 1) or, for Parquet,
    its 1-based row number; ``malformed`` holds the rows that could not even be parsed.
    """

    name: str
    file_name: str
    frame: pd.DataFrame
    lines: np.ndarray
    malformed: pd.DataFrame

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
    with path.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f), None)
    if not header:
        raise InputError(f"{path.name}: empty file, expected a header line")
    header = [h.strip() for h in header]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise InputError(f"{path.name}: column(s) named twice in the header: {', '.join(repeated)}")
    return header


def _read_csv(path: Path, name: str) -> RawTable:
    header = _header(path)
    bad_rows: list[tuple[int | None, str, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        # keep the row for the quarantine instead of failing the whole file
        bad_rows.append(
            (
                row.number,
                (row.text or "")[:200],
                f"malformed row: {row.actual_columns} fields, header has {row.expected_columns}",
            )
        )
        return "skip"

    def parse(use_threads: bool) -> pa.Table:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=use_threads),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    table = parse(use_threads=True)
    if any(n is None for n, _, _ in bad_rows):
        # the threaded reader does not know line numbers; the rare file with malformed rows
        # is read again serially so every quarantined row names its line
        bad_rows.clear()
        table = parse(use_threads=False)
    frame = table.to_pandas()
    # Rows are one per physical line (values with embedded newlines are not supported), so a
    # good row's line is the next line number not taken by a malformed row.
    bad_lines = np.array(sorted(n for n, _, _ in bad_rows), dtype=np.int64)
    all_lines = np.arange(2, 2 + len(frame) + len(bad_rows), dtype=np.int64)
    lines = np.setdiff1d(all_lines, bad_lines, assume_unique=True)[: len(frame)]
    malformed = quarantine_frame(
        path.name,
        [n for n, _, _ in bad_rows],
        "(row)",
        [t for _, t, _ in bad_rows],
        [r for _, _, r in bad_rows],
    )
    return RawTable(name, path.name, frame, lines, malformed)


def _read_parquet(path: Path, name: str) -> RawTable:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    columns = {}
    for col_name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_nested(column.type):
            raise InputError(
                f"{path}: column {col_name!r} holds {column.type} values; every input column "
                "must be plain text, numbers or dates (flatten it, e.g. one row per item)"
            )
        as_text = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
        columns[col_name.strip()] = pc.fill_null(as_text, "")
    frame = pa.table(columns).to_pandas() if columns else pd.DataFrame()
    lines = np.arange(1, len(frame) + 1, dtype=np.int64)
    return RawTable(name, path.name, frame, lines, quarantine_frame(path.name, [], "", [], []))
