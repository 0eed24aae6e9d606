"""SQL over frames in DuckDB: a sort larger than its memory limit spills to a folder of the process's
own and still answers in full, in order, leaving no file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from workbench import frames_sql


def test_a_sort_larger_than_the_memory_limit_spills_and_answers(monkeypatch):
    monkeypatch.setitem(frames_sql._CONFIG, "memory_limit", "64MB")
    n = 2_000_000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": pd.Series(rng.integers(0, 10**6, n)).astype(str) + "-x" * 20})
    assert frame["a"].str.len().sum() > 64 * 2**20  # more text than DuckDB may hold
    out = frames_sql.frames_sql("SELECT a, _row FROM frame ORDER BY a, _row", frame=frame)
    assert len(out) == n and out["a"].is_monotonic_increasing
    # ties keep the input's order, the stable sort the explorer's index relies on
    values, rows = out["a"].to_numpy(), out["_row"].to_numpy()
    tied = values[1:] == values[:-1]
    assert tied.any() and (np.diff(rows)[tied] > 0).all()
    assert (out.sort_values("_row")["a"].to_numpy() == frame["a"].to_numpy()).all()
    assert not (Path(tempfile.gettempdir()) / f"workbench-duckdb-{os.getpid()}").exists()
