"""Where each input row came from ("seller_links.csv:12"), held as a file number and a line number
per row and told as text only for the rows that are cited.

As text, provenance was a third of the tables an analysis holds: 33 bytes a row, 2.7 GB for ten
million sellers' links. A ``Provenance`` column reads like text (a row is its ``file:line``,
comparisons, ``to_numpy``, ``astype(str)`` and Arrow see text) but holds 6 bytes a row. Exact
duplicates merged into one row keep every line they were on ("seller_links.csv:12,57")."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionArray, ExtensionDtype

from workbench.errors import InputError

__all__ = ["Provenance", "ProvenanceDtype", "as_text", "told"]

_MISSING = -1  # a row's file number when it has no provenance (a row a left join added)
# a line number in 32 bits: a file of two billion lines is refused (``Provenance.of_file``), and
# 64 bits were half a GiB more for the 137 million rows of ten million sellers
_LINE = np.int32


class ProvenanceDtype(ExtensionDtype):
    """The dtype of a ``Provenance`` column."""

    name = "provenance"
    type = str
    kind = "O"
    na_value = np.nan

    @classmethod
    def construct_array_type(cls) -> type[Provenance]:
        return Provenance


class Provenance(ExtensionArray):
    """``file:line`` of every row: ``files[file[i]]`` (the file's name and a colon) and ``line[i]``
    (a negative line ``-k-1`` names ``lines[k]``, the lines of merged duplicates as text, "12,57").

    ``files`` and ``lines`` are shared by the arrays taken from one another and only ever grow,
    so a number once given keeps its meaning."""

    def __init__(self, file: np.ndarray, line: np.ndarray, files: list[str], lines: list[str]):
        self._file = np.asarray(file, dtype=np.int16)
        self._line = np.asarray(line, dtype=_LINE)
        self._files = files
        self._lines = lines

    @classmethod
    def of_file(cls, file_name: str, line: np.ndarray, merged: dict[int, str] | None = None) -> Provenance:
        """The rows of one file at ``line``; ``merged``: row -> its lines as text, for rows
        that stand for exact duplicates."""
        if len(line) and int(np.max(line)) > np.iinfo(_LINE).max:
            raise InputError(f"{file_name}: over {np.iinfo(_LINE).max:,} lines; split it into several files")
        line = np.array(line, dtype=_LINE)
        listed: list[str] = []
        if merged:
            rows = np.fromiter(merged.keys(), dtype=np.int64, count=len(merged))
            listed = list(merged.values())
            line[rows] = -np.arange(1, len(rows) + 1)
        return cls(np.zeros(len(line), dtype=np.int16), line, [f"{file_name}:"], listed)

    # ---- what pandas asks of an extension array ---------------------------------------------
    @property
    def dtype(self) -> ProvenanceDtype:
        return ProvenanceDtype()

    def __len__(self) -> int:
        return len(self._file)

    @property
    def nbytes(self) -> int:
        return self._file.nbytes + self._line.nbytes

    def _like(self, file: np.ndarray, line: np.ndarray) -> Provenance:
        return Provenance(file, line, self._files, self._lines)

    def __getitem__(self, item):
        if isinstance(item, (int, np.integer)):
            return self._one(int(self._file[item]), int(self._line[item]))
        item = pd.api.indexers.check_array_indexer(self, item) if not isinstance(item, slice) else item
        return self._like(self._file[item], self._line[item])

    def _one(self, file: int, line: int):
        if file == _MISSING:
            return self.dtype.na_value
        return f"{self._files[file]}{self._lines[-line - 1] if line < 0 else line}"

    def __iter__(self):
        for file, line in zip(self._file.tolist(), self._line.tolist(), strict=True):
            yield self._one(file, line)

    def isna(self) -> np.ndarray:
        return self._file == _MISSING

    def copy(self) -> Provenance:
        return self._like(self._file.copy(), self._line.copy())

    def take(self, indices, allow_fill: bool = False, fill_value=None) -> Provenance:
        indices = np.asarray(indices, dtype=np.intp)
        if allow_fill:
            missing = indices == -1
            if (indices < -1).any():
                raise ValueError("take: indices below -1 with allow_fill")
            if fill_value is not None and not pd.isna(fill_value):
                raise TypeError("a provenance column is filled with missing values only")
            if not len(self):  # only missing rows can be taken from nothing
                return self._like(np.full(len(indices), _MISSING, np.int16), np.zeros(len(indices), _LINE))
            at = np.where(missing, 0, indices)
            file = np.where(missing, _MISSING, self._file.take(at)).astype(np.int16)
            return self._like(file, self._line.take(at))
        return self._like(self._file.take(indices), self._line.take(indices))

    @classmethod
    def _concat_same_type(cls, to_concat: Sequence[Provenance]) -> Provenance:
        first = to_concat[0]
        if all(p._files is first._files and p._lines is first._lines for p in to_concat):
            file = np.concatenate([p._file for p in to_concat])
            line = np.concatenate([p._line for p in to_concat])
            return first._like(file, line)
        files: list[str] = []
        lines: list[str] = []
        file_parts, line_parts = [], []
        for part in to_concat:
            # each part's file numbers and merged lines renumbered into the joined lists
            numbers = np.array([_number(files, name) for name in part._files] + [_MISSING], dtype=np.int16)
            file_parts.append(numbers[part._file])  # -1 (missing) picks the appended _MISSING
            line_parts.append(np.where(part._line < 0, part._line - len(lines), part._line))
            lines.extend(part._lines)
        return cls(np.concatenate(file_parts), np.concatenate(line_parts), files, lines)

    @classmethod
    def _from_sequence(cls, scalars, *, dtype=None, copy: bool = False) -> Provenance:
        if isinstance(scalars, Provenance):
            return scalars.copy() if copy else scalars
        files: list[str] = []
        lines: list[str] = []
        file = np.empty(len(scalars), dtype=np.int16)
        line = np.zeros(len(scalars), dtype=_LINE)
        for i, value in enumerate(scalars):
            file[i], line[i] = _coded(value, files, lines)
        return cls(file, line, files, lines)

    def __setitem__(self, key, value) -> None:
        if isinstance(key, (int, np.integer)):
            self._file[key], self._line[key] = _coded(value, self._files, self._lines)
            return
        key = key if isinstance(key, slice) else pd.api.indexers.check_array_indexer(self, key)
        values = [value] * len(self._file[key]) if pd.api.types.is_scalar(value) else list(value)
        codes = [_coded(v, self._files, self._lines) for v in values]
        self._file[key] = np.array([f for f, _ in codes], dtype=np.int16)
        self._line[key] = np.array([n for _, n in codes], dtype=_LINE)

    @classmethod
    def _from_factorized(cls, values: np.ndarray, original: Provenance) -> Provenance:
        return cls._from_sequence(values)

    def _values_for_factorize(self):
        return self.astype(object), self.dtype.na_value

    def __eq__(self, other):
        if isinstance(other, (pd.Series, pd.Index, pd.DataFrame)):
            return NotImplemented  # pandas unboxes them and asks again
        if isinstance(other, ExtensionArray):
            other = np.asarray(other, dtype=object)
        return np.asarray(self.astype(object) == other, dtype=bool)

    # ---- as text ------------------------------------------------------------------------------
    def __add__(self, other):
        # text joined to a provenance ("seller_links.csv:12 as A7") is text
        return self.astype("str") + (other.astype("str") if isinstance(other, Provenance) else other)

    def __radd__(self, other):
        return other + self.astype("str")

    def __arrow_array__(self, type=None):
        text = self.arrow_text()
        return text if type is None else text.cast(type)

    def arrow_text(self) -> pa.Array:
        """Every row as Arrow text (null where missing), made in Arrow, not row by row."""
        missing = self._file == _MISSING
        names = pa.DictionaryArray.from_arrays(
            pa.array(np.where(missing, 0, self._file).astype(np.int32)),
            pa.array(self._files or [""], pa.large_string()),
        ).cast(pa.large_string())
        at = pc.cast(pa.array(self._line), pa.large_string())
        merged = self._line < 0
        if merged.any():
            given = pa.array([self._lines[-n - 1] for n in self._line[merged].tolist()], pa.large_string())
            at = pc.replace_with_mask(at, pa.array(merged), given)
        text = pc.binary_join_element_wise(names, at, pa.scalar("", pa.large_string()))
        if missing.any():
            text = pc.if_else(pa.array(missing), pa.nulls(len(self), pa.large_string()), text)
        return text

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.arrow_text().to_numpy(zero_copy_only=False), dtype=object)

    def astype(self, dtype, copy: bool = True):
        dtype = pd.api.types.pandas_dtype(dtype)
        if isinstance(dtype, ProvenanceDtype):
            return self.copy() if copy else self
        if dtype == np.dtype(object):
            return self.__array__()
        if isinstance(dtype, pd.StringDtype):
            return pd.array(self.arrow_text(), dtype=dtype)
        return np.asarray(self.__array__(), dtype=dtype)

    def _formatter(self, boxed: bool = False):
        return str


def _coded(value, files: list[str], lines: list[str]) -> tuple[int, int]:
    """A provenance text as (file number, line), ``files`` and ``lines`` grown as needed: any
    text is kept exactly (one that is not ``file:line`` is kept whole as a "merged" text)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return _MISSING, 0
    text = str(value)
    name, colon, at = text.rpartition(":")
    if colon and at.isascii() and at.isdigit() and at == str(int(at)):
        return _number(files, name + colon), int(at)
    lines.append(text if not colon else at)
    return _number(files, name + colon), -len(lines)


def _number(names: list[str], name: str) -> int:
    """``name``'s place in ``names``, appended when new."""
    try:
        return names.index(name)
    except ValueError:
        names.append(name)
        return len(names) - 1


def as_text(column: pd.Series) -> pd.Series:
    """``column`` as text: a ``Provenance`` column told as ``file:line`` strings, any other as is.
    For the rows a step cites: told for a whole table it is the gigabytes it saves."""
    if not isinstance(column.dtype, ProvenanceDtype):
        return column
    return pd.Series(column.array.astype("str"), index=column.index, name=column.name)


def told(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every ``Provenance`` column told as text (what a file, a store and a
    reader of them hold)."""
    coded = [c for c in frame.columns if isinstance(frame[c].dtype, ProvenanceDtype)]
    return frame.assign(**{c: as_text(frame[c]) for c in coded}) if coded else frame
