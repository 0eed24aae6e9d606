"""The quarantine: every input row that is not loaded, with file, line, field, value and reason."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["QUARANTINE_COLUMNS", "quarantine_frame", "RowFilter"]

QUARANTINE_COLUMNS = ["file", "line", "field", "value", "reason"]


def quarantine_frame(
    file_name: str,
    lines: Sequence[int] | np.ndarray,
    field: str | Sequence[str],
    values: Sequence[str] | pd.Series,
    reasons: str | Sequence[str] | pd.Series,
) -> pd.DataFrame:
    """Quarantine rows in the one shape every loader and output uses."""
    n = len(lines)
    return pd.DataFrame(
        {
            "file": [file_name] * n,
            "line": np.asarray(lines, dtype=np.int64),
            "field": [field] * n if isinstance(field, str) else list(field),
            "value": list(values),
            "reason": [reasons] * n if isinstance(reasons, str) else list(reasons),
        },
        columns=QUARANTINE_COLUMNS,
    )


def _picked(column: pd.Series | np.ndarray, rows: np.ndarray) -> pd.Series | np.ndarray:
    """The values of ``rows`` (a mask), picked before any conversion: a file's column runs to
    millions of values and its rejected rows are few."""
    return column[rows] if isinstance(column, pd.Series) else np.asarray(column)[rows]


class RowFilter:
    """The rows of one file still in play; ``reject`` moves rows to the quarantine, first reason wins.

    Each row is rejected at most once, so per file: rows in = rows kept + rows rejected.
    """

    def __init__(
        self, file_name: str, frame: pd.DataFrame, lines: np.ndarray, merged_lines: pd.Series | None = None
    ):
        self.file_name = file_name
        self.frame = frame
        self.lines = lines
        # "2,6,7" by row, for the rows that stand for exact duplicates: a bad row is listed at
        # every line it was
        self.merged_lines = merged_lines
        # quarantine rows for the duplicates of bad rows (they are not counted as duplicates)
        self.duplicate_lines = 0
        self.alive = np.ones(len(frame), dtype=bool)
        self._rejected: list[pd.DataFrame] = []

    def reject(
        self,
        mask: pd.Series | np.ndarray,
        field: str,
        reason: str | pd.Series,
        values: pd.Series | None = None,
    ) -> int:
        """Quarantine the rows of ``mask`` still alive; return how many were rejected."""
        bad = np.asarray(mask, dtype=bool) & self.alive
        count = int(bad.sum())
        if count:
            shown = self.frame[field] if values is None else values
            why = reason if isinstance(reason, str) else np.asarray(_picked(reason, bad))
            lines = self.lines[bad]
            value = np.asarray(_picked(shown, bad).astype(str))
            if self.merged_lines is not None and len(self.merged_lines):
                merged = self.merged_lines.reindex(np.flatnonzero(bad)).to_numpy()
                every = [
                    [int(n) for n in text.split(",")] if isinstance(text, str) else [int(line)]
                    for text, line in zip(merged, lines, strict=True)
                ]
                repeats = np.array([len(n) for n in every])
                if (repeats > 1).any():
                    lines = np.concatenate(every)
                    value = np.repeat(value, repeats)
                    why = why if isinstance(why, str) else np.repeat(why, repeats)
                    self.duplicate_lines += int((repeats - 1).sum())
            self._rejected.append(quarantine_frame(self.file_name, lines, field, value, why))
            self.alive &= ~bad
        return count

    def quarantine(self) -> pd.DataFrame:
        if not self._rejected:
            return quarantine_frame(self.file_name, [], "", [], [])
        return pd.concat(self._rejected, ignore_index=True)

    def kept(self) -> tuple[pd.DataFrame, np.ndarray]:
        return self.frame[self.alive], self.lines[self.alive]
