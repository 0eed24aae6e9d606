"""Membership tests over columns of millions of strings, in Arrow's C++: the loaders' reference
checks, the analysis's "rows of these sellers" (pandas' ``isin`` took four times as long) and
which counted kind a link is."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["is_in", "positions_in", "rows_naming"]


def is_in(values: pd.Series, allowed: pd.Series | Collection[str]) -> np.ndarray:
    """``values.isin(allowed)`` for strings, as a boolean array.

    >>> is_in(pd.Series(["S1", "S2", None]), {"S2"}).tolist()
    [False, True, False]
    """
    if not isinstance(allowed, pd.Series):
        allowed = pd.Series(list(allowed), dtype=object)
    # repeats in the value set cost nothing to Arrow's hash table; pandas' unique cost a second a load
    found = pc.is_in(pa.array(values.astype(str)), value_set=pa.array(allowed.astype(str)))
    return found.to_numpy(zero_copy_only=False)


def rows_naming(frame: pd.DataFrame, column: str, allowed: pd.Series | Collection[str]) -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` is one of ``allowed``, in their order: a ring's
    members' rows picked before a join, instead of joining all of a marketplace's millions."""
    return frame[is_in(frame[column], allowed)]


def positions_in(values: pd.Series, labels: list[str]) -> np.ndarray:
    """Each value's position in ``labels``, -1 where it is not one of them (``Index.get_indexer``
    without a Python string per row).

    >>> positions_in(pd.Series(["ip", "fax", None, "phone"]), ["phone", "ip"]).tolist()
    [1, -1, -1, 0]
    """
    found = pc.index_in(pa.array(values), value_set=pa.array(labels, type=pa.string()))
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
