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


def test_the_explorer_index_written_batch_by_batch_reads_back_as_built_in_memory(tmp_path, monkeypatch):
    from workbench.analytics import explorer
    from workbench.store import EmbeddedStore

    links = _hostile_links()
    # many batches, so the file is written in pieces in order and pairs repeat across batches
    monkeypatch.setattr(explorer, "_BATCH_ROWS", 997)
    with EmbeddedStore(tmp_path / "store") as store:
        with store.transaction():
            explorer.start_explorer_index(store, links)(True)
    with EmbeddedStore(tmp_path / "store") as store:
        for name, expected in explorer.explorer_tables(links).items():
            stored = store.result(name)
            assert len(stored) > 10_000
            pd.testing.assert_frame_equal(stored, expected)


# what the explorer's index is, said in SQL (DuckDB built it so until Arrow's sort replaced it)
_INDEX_IN_SQL = {
    "explorer_by_seller": "SELECT seller_id, kind, value, provenance FROM links ORDER BY seller_id, _row",
    "explorer_by_identifier": "SELECT kind || chr(31) || value AS key, kind, value, seller_id "
    "FROM (SELECT DISTINCT kind, value, seller_id FROM links) ORDER BY kind, value, seller_id",
}


@pytest.mark.parametrize("batch_rows", [1, 997, 1 << 20])
def test_the_explorer_index_is_what_its_sql_says_on_hostile_links(monkeypatch, batch_rows):
    """Sorted by seller with ties in input order, and each (identifier, seller) pair once sorted
    by kind, value and seller, in code point order, whatever text a seller wrote and wherever
    the batches fall (a pair repeated across two batches is kept once)."""
    from workbench.analytics import explorer

    links = _hostile_links(5_000 if batch_rows == 1 else 30_000)
    monkeypatch.setattr(explorer, "_BATCH_ROWS", batch_rows)
    assert links.duplicated(["kind", "value", "seller_id"]).sum() > 10  # pairs to keep once
    for name, query in _INDEX_IN_SQL.items():
        built = explorer.explorer_table(links, name)
        pd.testing.assert_frame_equal(built, frames_sql.frames_sql(query, links=links), check_dtype=False)
    assert explorer.explorer_table(links.iloc[:0], "explorer_by_identifier").empty


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
