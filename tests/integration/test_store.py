"""The embedded store: persisted, reopened, and unchanged by loading the same input again."""

from __future__ import annotations

import pandas as pd

from graph_loaders import load_folder
from workbench.store import MemoryStore


def test_reload_is_idempotent_and_store_reopens(marketplace, tmp_path):
    loaded = load_folder(marketplace)
    store = MemoryStore(tmp_path / "store")
    store.load(loaded)
    first = {name: store.table(name).copy() for name in loaded.tables}
    counts = store.counts()
    store.load(load_folder(marketplace))
    assert store.counts() == counts
    reopened = MemoryStore(tmp_path / "store", create=False)
    for name, frame in first.items():
        pd.testing.assert_frame_equal(reopened.table(name), frame, check_dtype=False)
    assert reopened.meta()["input"]["fingerprint"] == loaded.fingerprint
    assert len(reopened.quarantine()) == len(loaded.quarantine)


def test_new_rows_are_added_and_changed_rows_replaced(tmp_path):
    from tests.conftest import write_folder

    base = {
        "sellers": "seller_id,shop_name\nS1,One\nS2,Two\n",
        "seller_links": "seller_id,kind,value\nS1,phone,13800000001\n",
    }
    store = MemoryStore(tmp_path / "store")
    store.load(load_folder(write_folder(tmp_path / "a", base)))
    store.load(
        load_folder(
            write_folder(
                tmp_path / "b", {**base, "sellers": "seller_id,shop_name\nS2,Two renamed\nS3,Three\n"}
            )
        )
    )
    sellers = store.table("sellers").set_index("seller_id")["shop_name"]
    assert sellers.to_dict() == {"S1": "One", "S2": "Two renamed", "S3": "Three"}


def test_missing_store_says_how_to_build_one(tmp_path):
    import pytest

    from workbench.errors import WorkbenchError

    with pytest.raises(WorkbenchError, match="workbench analyze"):
        MemoryStore(tmp_path / "nothing", create=False)
