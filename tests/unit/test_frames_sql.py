"""SQL over frames in DuckDB: a sort larger than its memory limit spills to a folder of the process's
own and still answers in full, in order, leaving no file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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
    from workbench.analytics.explorer import explorer_tables, start_explorer_index
    from workbench.store import EmbeddedStore

    links = _hostile_links()
    # a sort bigger than one DuckDB batch, so the file is written in several pieces in order
    with EmbeddedStore(tmp_path / "store") as store:
        with store.transaction():
            start_explorer_index(store, links)(True)
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


def test_an_index_built_beside_the_analysis_is_kept_in_the_transaction_or_dropped(tmp_path):
    """The explorer's index is sorted in a thread while the analysis goes on: kept, it is what a
    build in place gives; dropped (the analysis failed) or rolled back, no file of it is left."""
    from workbench.analytics.explorer import explorer_tables, start_explorer_index
    from workbench.store import EmbeddedStore

    links = _hostile_links()
    tables = tmp_path / "store" / "tables"
    with EmbeddedStore(tmp_path / "store") as store:
        start_explorer_index(store, links)(False)
        assert list(tables.iterdir()) == []
        finish = start_explorer_index(store, links)
        with pytest.raises(RuntimeError), store.transaction():
            finish(True)
            raise RuntimeError("the analysis fails while writing back")
        assert list(tables.iterdir()) == [] and store.result("explorer_by_seller").empty
        finish = start_explorer_index(store, links)
        with store.transaction():
            finish(True)
    with EmbeddedStore(tmp_path / "store") as store:
        for name, expected in explorer_tables(links).items():
            pd.testing.assert_frame_equal(store.result(name), expected)
    assert not [p for p in tables.iterdir() if p.name.startswith(".")]


def test_an_analysis_that_fails_after_detection_leaves_no_index_file_behind(tmp_path, monkeypatch):
    from workbench import pipeline
    from workbench.store import EmbeddedStore
    from workbench.synth.generator import generate_marketplace

    data = tmp_path / "data"
    generate_marketplace(data, sellers=300, rings=3, seed=2)

    def fail(*args, **kwargs):
        raise RuntimeError("tracing failed")

    monkeypatch.setattr(pipeline, "trace_upstream", fail)
    with EmbeddedStore(tmp_path / "store") as store, pytest.raises(RuntimeError):
        pipeline.analyze(data, tmp_path / "out", store)
    left = sorted(p.name for p in (tmp_path / "store" / "tables").iterdir())
    assert left and not [name for name in left if "explorer" in name or name.startswith(".")]
