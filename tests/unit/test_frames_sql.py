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


def _hostile_links(n: int = 30_000) -> pd.DataFrame:
    """Links whose text a seller wrote: quotes, SQL, separators, line breaks, other scripts."""
    rng = np.random.default_rng(5)
    odd = ["x') OR 1=1 --", "'; DROP TABLE links", '"quoted"', "a\x1fb", "line\nbreak", "东莞市", "=1+1", ""]
    return pd.DataFrame(
        {
            "seller_id": rng.choice([f"S{i}" for i in range(300)] + odd, n),
            "kind": rng.choice(["phone", "device", "address", "ip"], n),
            "value": rng.choice([f"V{i}" for i in range(500)] + odd, n),
            "provenance": [f"seller_links.csv:{i + 2}" for i in range(n)],
        }
    ).astype("str")


def test_the_explorer_index_written_by_duckdb_reads_back_as_built_in_memory(tmp_path):
    from workbench.analytics.explorer import explorer_tables, write_explorer_index
    from workbench.store import EmbeddedStore

    links = _hostile_links()
    # a sort bigger than one DuckDB batch, so the file is written in several pieces in order
    with EmbeddedStore(tmp_path / "store") as store:
        with store.transaction():
            write_explorer_index(store, links)
    with EmbeddedStore(tmp_path / "store") as store:
        for name, expected in explorer_tables(links).items():
            stored = store.result(name)
            assert len(stored) > 10_000
            pd.testing.assert_frame_equal(stored, expected)


def test_sql_to_parquet_keeps_the_query_order_and_a_hostile_path(tmp_path):
    links = _hostile_links()
    path = tmp_path / 'it\'s a "path"; DROP.parquet'
    frames_sql.sql_to_parquet(
        "SELECT seller_id, _row FROM links ORDER BY seller_id DESC, _row", path, links=links
    )
    written = pd.read_parquet(path)
    expected = frames_sql.frames_sql(
        "SELECT seller_id, _row FROM links ORDER BY seller_id DESC, _row", links=links
    )
    pd.testing.assert_frame_equal(written, expected)
