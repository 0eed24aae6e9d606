"""Membership tests over columns of millions of strings, in Arrow's C++: the loaders' reference
checks and the analysis's "rows of these sellers" (pandas' ``isin`` took four times as long)."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["is_in", "rows_naming"]


def is_in(values: pd.Series, allowed: pd.Series | Collection[str]) -> np.ndarray:
    """``values.isin(allowed)`` for strings, as a boolean array.

    >>> is_in(pd.Series(["S1", "S2", None]), {"S2"}).tolist()
    [False, True, False]
    """
    if not isinstance(allowed, pd.Series):
        allowed = pd.Series(list(allowed), dtype=object)
    found = pc.is_in(pa.array(values.astype(str)), value_set=pa.array(allowed.astype(str).unique()))
    return found.to_numpy(zero_copy_only=False)


def rows_naming(frame: pd.DataFrame, column: str, allowed: pd.Series | Collection[str]) -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` is one of ``allowed``, in their order: a ring's
    members' rows picked before a join, instead of joining all of a marketplace's millions."""
    return frame[is_in(frame[column], allowed)]
