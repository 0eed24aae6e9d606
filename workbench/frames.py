"""Membership tests over columns of millions of strings, in Arrow's C++: the loaders' reference
checks, the analysis's "rows of these sellers" (pandas' ``isin`` took four times as long) and
which counted kind a link is; a column with a few of its values replaced, and rows picked from
such a column."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "inner_joined",
    "is_in",
    "looked_up",
    "positions_in",
    "replaced_at",
    "rows_naming",
    "rows_of",
    "taken",
]


def is_in(values: pd.Series, allowed: pd.Series | Collection[str]) -> np.ndarray:
    """``values.isin(allowed)`` for strings, as a boolean array.

    >>> is_in(pd.Series(["S1", "S2", None]), {"S2"}).tolist()
    [False, True, False]
    >>> is_in(pd.Series(["ip", None, "phone"], dtype="category"), ["phone"]).tolist()
    [False, False, True]
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        # a column held as codes (a link's kind): its few values looked up, then picked per row
        # by code (pandas' isin hashed every row's code: 6.9 s of 88 million links, 0.1 s so)
        found = np.append(is_in(pd.Series(values.cat.categories), allowed), False)
        return found[values.cat.codes.to_numpy()]
    if not isinstance(allowed, pd.Series):
        allowed = pd.Series(list(allowed), dtype=object)
    # repeats in the value set cost nothing to Arrow's hash table; pandas' unique cost a second a load
    value_set = pa.array(allowed.astype(str))
    column = pa.array(values.astype(str))
    starts = _run_starts(column)
    if starts is None:
        return pc.is_in(column, value_set=value_set).to_numpy(zero_copy_only=False)
    # a run of one value (a seller's links, one after another) is looked up once: ten million
    # sellers' hash table is out of every cache, and a lookup per row cost the load's reference
    # checks 49 s there (cProfile)
    found = pc.is_in(pc.filter(column, pa.array(starts)), value_set=value_set)
    at = np.flatnonzero(starts)
    return np.repeat(found.to_numpy(zero_copy_only=False), np.diff(at, append=len(starts)))


# below this many values, or where a run is shorter than this on average, each is looked up
_RUNS_FROM, _RUN_LENGTH = 1 << 16, 2


def _run_starts(column: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """Where each run of equal values of ``column`` starts (a missing value is a run of its own),
    or None where the runs are too short to be worth it."""
    if len(column) < _RUNS_FROM:
        return None
    starts = np.empty(len(column), dtype=bool)
    starts[0] = True
    same = pc.fill_null(pc.equal(column[1:], column[:-1]), False)
    starts[1:] = ~same.to_numpy(zero_copy_only=False)
    if starts.sum() * _RUN_LENGTH > len(column):
        return None
    return starts


def rows_naming(frame: pd.DataFrame, column: str, allowed: pd.Series | Collection[str]) -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` is one of ``allowed``, in their order: a ring's
    members' rows picked before a join, instead of joining all of a marketplace's millions."""
    return rows_of(frame, is_in(frame[column], allowed))


def rows_of(frame: pd.DataFrame, rows: np.ndarray, columns: list[str] | None = None) -> pd.DataFrame:
    """``frame.loc[rows, columns]`` for ``rows`` a mask or ascending positions, each column picked
    by ``taken``.

    >>> frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}, index=[7, 8, 9])
    >>> rows_of(frame, np.array([True, False, True]), ["b"])
       b
    7  x
    9  z
    """
    positions = np.flatnonzero(rows) if rows.dtype == bool else np.asarray(rows)
    names = list(frame.columns) if columns is None else list(columns)
    picked = {name: taken(frame[name], positions).array for name in names}
    return pd.DataFrame(picked, index=frame.index[positions], columns=names, copy=False)


def taken(values: pd.Series, positions: np.ndarray) -> pd.Series:
    """``values.iloc[positions]``. A column of Arrow text in many pieces (a links column entity
    resolution spliced, ``replaced_at``) is picked a block of rows at a time: Arrow's take joins
    all the pieces into one copy first, the whole column for every pick however few rows it picks
    (at ten million sellers two GB a time, memory the kernel had to fault in and zero anew).

    >>> letters = pd.Series(list("abcdefghij") * 60, dtype="str")
    >>> many = replaced_at(letters, np.array([1, 9]), np.array(["x", "z"]))
    >>> taken(many, np.array([0, 1, 9, 599])).tolist()
    ['a', 'x', 'z', 'j']
    """
    column = getattr(values.array, "_pa_array", None)
    positions = np.asarray(positions, dtype=np.int64)
    ascending = len(positions) < 2 or bool((positions[1:] >= positions[:-1]).all())
    if not isinstance(column, pa.ChunkedArray) or column.num_chunks <= 1 or not ascending:
        return values.iloc[positions]
    # the rows' bounds in each block of the column: a block is joined (a few MiB, memory the
    # C library hands out again for the next) only where some row is picked
    starts = np.arange(0, len(column) + _TAKE_BLOCK, _TAKE_BLOCK)
    bounds = np.searchsorted(positions, starts)
    blocks = zip(starts[:-1].tolist(), bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
    pieces = [
        column.slice(start, _TAKE_BLOCK).combine_chunks().take(pa.array(positions[low:high] - start))
        for start, low, high in blocks
        if high > low
    ]
    out = pa.chunked_array(pieces, type=column.type)
    return pd.Series(out, index=values.index[positions], dtype=values.dtype, name=values.name)


# rows per block of ``taken``: a million rows of identifiers are some 25 MB of text
_TAKE_BLOCK = 1 << 20


def positions_in(values: pd.Series, labels: list[str] | pd.Series) -> np.ndarray:
    """Each value's position in ``labels`` (its first), -1 where it is not one of them
    (``Index.get_indexer`` without a Python string per row).

    >>> positions_in(pd.Series(["ip", "fax", None, "phone"]), ["phone", "ip"]).tolist()
    [1, -1, -1, 0]
    >>> positions_in(pd.Series(["S2", "S9"], dtype="str"), pd.Series(["S1", "S2"], dtype="str")).tolist()
    [1, -1]
    >>> positions_in(pd.Series(["ip", "fax", None, "phone"], dtype="category"), ["phone", "ip"]).tolist()
    [1, -1, -1, 0]
    """
    column = pa.array(values, from_pandas=True)
    codes = None
    if pa.types.is_dictionary(column.type):
        # a column held as codes (a link's kind): its few values are looked up, then taken per row
        column, codes = column.dictionary, column.indices
        if pa.types.is_null(column.type):  # the codes of no value at all
            column = column.cast(pa.string())
    value_set = (
        pa.array(labels.astype(str)) if isinstance(labels, pd.Series) else pa.array(labels, type=pa.string())
    )
    found = pc.index_in(column, value_set=value_set)
    if codes is not None:
        found = found.take(codes)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def looked_up(values: pd.Series, table: pd.Series) -> pd.Series:
    """``values.map(table)`` for text values and a table whose index is text: each value's entry
    in ``table`` (its first), missing where it has none, looked up in Arrow. pandas' ``map`` turns
    the values and the table's index into Python strings first, an object per row.

    >>> entity = pd.Series(["E1", "E2"], index=["A1", "A2"], dtype="str")
    >>> looked_up(pd.Series(["A2", "A9", "A1"], dtype="str"), entity).tolist()
    ['E2', nan, 'E1']
    """
    at = positions_in(values, pd.Series(table.index))
    # every value found, the table's own type (as ``map`` keeps it); else -1 takes a missing value
    picked = table.array.take(at, allow_fill=bool((at < 0).any()))
    return pd.Series(picked, index=values.index, name=values.name)


def inner_joined(
    left: pd.DataFrame,
    right: pd.DataFrame,
    on: str | None = None,
    left_on: str | None = None,
    right_on: str | None = None,
) -> pd.DataFrame:
    """``left.merge(right, on=...)``, the inner join on one column of text, its rows in ``left``'s
    order, each side first cut in Arrow to the rows whose key the other side has (the larger side
    first, by the smaller's keys). pandas asks whether a join key is sorted by copying the whole
    column into Python strings, an object per row: ten million sellers' ids to give each ring
    member its status, a marketplace's shipments to find those that reach a ring.

    >>> sellers = pd.DataFrame({"seller_id": ["S1", "S2", "S3"], "status": ["active", "banned", "active"]})
    >>> members = pd.DataFrame({"seller_id": ["S3", "S2"], "ring_id": ["R1", "R1"]})
    >>> inner_joined(sellers, members, on="seller_id")
      seller_id  status ring_id
    0        S2  banned      R1
    1        S3  active      R1
    """
    left_key, right_key = (on, on) if on is not None else (left_on, right_on)
    if len(left) >= len(right):
        left = rows_naming(left, left_key, right[right_key])
        right = rows_naming(right, right_key, left[left_key])
    else:
        right = rows_naming(right, right_key, left[left_key])
        left = rows_naming(left, left_key, right[right_key])
    return left.merge(right, on=on, left_on=left_on, right_on=right_on)


def replaced_at(values: pd.Series, rows: np.ndarray, new: np.ndarray | pa.Array) -> pd.Series:
    """``values`` with those at positions ``rows`` (ascending) replaced by ``new``: the others are
    neither looked at nor copied into Python strings (a links column runs to millions; Arrow's
    replace_with_mask does it in a third of the time of pandas' ``where``), and with no row to
    replace ``values`` itself is returned, not a copy. Where a few rows in many change (entity
    resolution renames a link in six thousand), the others are not copied either: the result is
    pieces of ``values`` itself with the new values between them.

    >>> replaced_at(pd.Series(["a", "b", "c"], dtype="str"), np.array([0, 2]), np.array(["x", "z"])).tolist()
    ['x', 'b', 'z']
    >>> many = pd.Series(list("abcdefghij") * 60, dtype="str")
    >>> replaced_at(many, np.array([1, 2, 9]), np.array(["x", "y", "z"])).tolist()[:11]
    ['a', 'x', 'y', 'd', 'e', 'f', 'g', 'h', 'i', 'z', 'a']
    """
    if not len(rows):
        return values
    if not isinstance(values.dtype, pd.StringDtype):  # not the loaders' strings: as pandas would
        mask = np.zeros(len(values), dtype=bool)
        mask[rows] = True
        other = np.full(len(values), None, dtype=object)
        other[rows] = new.to_pylist() if isinstance(new, pa.Array) else new
        return values.where(~mask, other)
    column = pa.array(values, from_pandas=True)
    new = (
        new.cast(column.type)
        if isinstance(new, pa.Array)
        else pa.array(new, type=column.type, from_pandas=True)
    )
    if len(rows) * _SPLICED_BELOW <= len(values):
        out = _spliced(column, np.asarray(rows, dtype=np.int64), new)
    else:
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        mask = np.zeros(len(values), dtype=bool)
        mask[rows] = True
        out = pc.replace_with_mask(column, pa.array(mask), new)
    return pd.Series(out, index=values.index, dtype=values.dtype, name=values.name)


# a column is spliced when at most one row in this many changes: its pieces stay few enough that
# Arrow's kernels run over them as fast as over one array (26,000 pieces in 8 M rows measured so)
_SPLICED_BELOW = 256


def _spliced(column: pa.Array | pa.ChunkedArray, rows: np.ndarray, new: pa.Array) -> pa.ChunkedArray:
    """``column`` with the values at ``rows`` (ascending) replaced by ``new``, as slices of the two
    (a slice shares its array's memory)."""
    column = column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
    # a run of consecutive rows is one slice of the new values
    starts = np.flatnonzero(np.diff(rows, prepend=-2) != 1)
    ends = np.append(starts[1:], len(rows))
    pieces: list[pa.Array] = []
    at = 0
    for first, end in zip(starts.tolist(), ends.tolist(), strict=True):
        row = int(rows[first])
        pieces += column.slice(at, row - at).chunks
        pieces.append(new.slice(first, end - first))
        at = row + end - first
    pieces += column.slice(at).chunks
    return pa.chunked_array([p for p in pieces if len(p)], type=column.type)
