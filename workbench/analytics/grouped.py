"""Per-group text of a table's rows ("the lines behind this tie", "who holds this account"), built
with sorts and slices instead of a Python function called once per group, which is what made
these columns cost minutes at a million sellers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.frames import taken

__all__ = ["first_rows", "joined_per_group", "numbered_by_group", "row_codes"]


def row_codes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One number per row, the same for rows equal in ``columns``, numbered in the order the
    values first appear: what ``groupby(columns, sort=False).ngroup()`` gives (a missing value
    is a value here), without hashing tuples of millions of strings.

    >>> rows = pd.DataFrame({"kind": ["ip", "phone", "ip", "ip"], "value": ["1", "1", "1", "2"]})
    >>> row_codes(rows, ["kind", "value"]).tolist()
    [0, 1, 0, 2]
    """
    codes = np.zeros(len(frame), dtype=np.int64)
    for column in columns:
        # each column numbered on its own, then the pair renumbered so numbers stay under the rows
        column_codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
        codes, _ = pd.factorize(codes * len(uniques) + column_codes)
    return codes.astype(np.int64, copy=False)


def first_rows(codes: np.ndarray) -> np.ndarray:
    """Where each number of ``row_codes`` appears first (``drop_duplicates``'s keep-first rows).

    >>> first_rows(np.array([0, 1, 0, 2])).tolist()
    [True, True, False, True]
    """
    # numbers appear in order, so a row is a first one exactly when it tops every number before it
    before = np.maximum.accumulate(np.r_[-1, codes[:-1]]) if len(codes) else codes
    return codes > before


def numbered_by_group(values: pd.Series, rows: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """One number per distinct ``(group, value)`` of the ``rows`` picked from ``values``, numbered
    in the order they first appear (a missing value is a value): ``row_codes`` of the two, with
    the values of each group hashed on their own, so the memory is the largest group's, not the
    column's (one table of six million identifiers took a gigabyte).

    >>> values, kinds = pd.Series(["a", "b", "a", "a", None]), np.array([0, 0, 1, 0, 1])
    >>> numbered_by_group(values, np.arange(5), kinds).tolist()
    [0, 1, 2, 0, 3]
    """
    key = np.empty(len(rows), dtype=np.int64)
    first_row: list[np.ndarray] = []
    numbers = 0
    for group in np.unique(groups):
        at = np.flatnonzero(groups == group)
        # a block of rows at a time: Arrow's take joined a column's pieces into one copy first
        picked = pa.array(taken(values, rows[at]))
        codes = pc.dictionary_encode(picked, null_encoding="encode")
        if isinstance(codes, pa.ChunkedArray):
            codes = codes.combine_chunks()
        codes = codes.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        key[at] = codes + numbers
        # a group's codes are in the order they first appear, so their first rows are increasing
        first_row.append(at[first_rows(codes)])
        numbers += len(first_row[-1])
    # numbered again across groups in the order of each pair's first row
    order = np.argsort(np.concatenate(first_row) if first_row else np.empty(0, np.int64), kind="stable")
    rank = np.empty(numbers, dtype=np.int64)
    rank[order] = np.arange(numbers)
    return rank[key]


def joined_per_group(
    frame: pd.DataFrame,
    by: str | list[str],
    column: str,
    sep: str,
    *,
    distinct: bool = True,
    sort: bool = True,
    skip_empty: bool = False,
    limit: int | None = None,
) -> pd.Series:
    """``column``'s values joined with ``sep`` for each group of ``by``, indexed like
    ``frame.groupby(by)`` (groups in key order, rows with a missing key left out).

    ``distinct`` drops repeated values, ``sort`` orders them (else they keep the frame's order),
    ``skip_empty`` leaves out missing and empty values (a group of only those gets ""), and
    ``limit`` keeps the first values of each group only.

    >>> rows = pd.DataFrame({"ring": ["R2", "R1", "R1", "R1"], "line": ["b:2", "a:9", "a:1", "a:9"]})
    >>> joined_per_group(rows, "ring", "line", ";").to_dict()
    {'R1': 'a:1;a:9', 'R2': 'b:2'}
    >>> joined_per_group(rows, "ring", "line", "; ", distinct=False, sort=False, limit=2).to_dict()
    {'R1': 'a:9; a:1', 'R2': 'b:2'}
    """
    keys = [by] if isinstance(by, str) else list(by)
    rows = frame[[*keys, column]].dropna(subset=keys)
    grouped = rows.groupby(keys, sort=True)
    # each row's group number, in key order: sorting and slicing happen on these, not on the keys
    table = pd.DataFrame({"group": grouped.ngroup().to_numpy(), "value": rows[column].to_numpy()})
    if skip_empty:
        table = table[table["value"].notna() & (table["value"].astype(str) != "")]
    if distinct:
        table = table.drop_duplicates()
    # a stable sort keeps the frame's order within a group where the values are not sorted
    table = table.sort_values(["group", "value"] if sort else "group", kind="stable")
    codes = table["group"].to_numpy()
    values = table["value"].astype(str).tolist()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]][: len(codes)])
    ends = np.r_[starts[1:], len(codes)][: len(starts)]
    stop = ends if limit is None else np.minimum(ends, starts + limit)
    joined = np.full(grouped.ngroups, "", dtype=object)
    joined[codes[starts]] = [
        sep.join(values[a:b]) for a, b in zip(starts.tolist(), stop.tolist(), strict=True)
    ]
    return pd.Series(joined, index=grouped.size().index, dtype=str, name=column)
