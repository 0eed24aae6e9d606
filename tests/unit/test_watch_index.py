"""The watch list: every identifier of a ring member or a banned or closed seller, with how many
sellers hold it and how many operations (a ring once, every other seller on its own)."""

from __future__ import annotations

import pandas as pd

from workbench.analytics.screening import WATCH_COLUMNS, watch_index
from workbench.analytics.settings import AnalysisSettings

LINKS = pd.DataFrame(
    {
        "seller_id": ["S1", "S2", "S3", "S4", "S1"],
        "kind": ["phone", "phone", "phone", "email", "phone"],
        "value": ["+861", "+861", "+861", "a@b.cn", "+861"],
        "provenance": ["l:2", "l:3", "l:4", "l:5", "l:6"],
    }
).astype("str")
SELLERS = pd.DataFrame(
    {"seller_id": ["S1", "S2", "S3", "S4"], "status": ["banned", "active", "active", "closed"]}
)
NO_HUBS = pd.DataFrame(columns=["kind", "value"])


def _watch(rings: pd.DataFrame) -> pd.DataFrame:
    return watch_index({"sellers": SELLERS}, rings, NO_HUBS, AnalysisSettings.load(), LINKS)


def test_holders_and_operations_are_counted_a_ring_once():
    rings = pd.DataFrame({"seller_id": ["S2", "S3"], "ring_id": ["R1", "R1"]})
    watch = _watch(rings)
    assert list(watch.columns) == WATCH_COLUMNS
    # in the order the links first name them, each (identifier, seller) once
    assert watch[["kind", "value", "seller_id"]].values.tolist() == [
        ["phone", "+861", "S1"],
        ["phone", "+861", "S2"],
        ["phone", "+861", "S3"],
        ["email", "a@b.cn", "S4"],
    ]
    assert watch["degree"].tolist() == [3, 3, 3, 1]
    assert watch["groups"].tolist() == [2, 2, 2, 1]  # S1 on its own, R1 once
    assert watch["ring_id"].tolist() == ["", "R1", "R1", ""]
    assert watch["status"].tolist() == ["banned", "active", "active", "closed"]


def test_with_no_ring_at_all_the_banned_and_closed_sellers_are_watched():
    # an analysis that found no ring hands an empty ring column of floats
    rings = pd.DataFrame({"seller_id": pd.Series([], dtype=float), "ring_id": pd.Series([], dtype=float)})
    watch = _watch(rings)
    assert watch["seller_id"].tolist() == ["S1", "S4"]
    assert watch["groups"].tolist() == [3, 1]  # three sellers, each its own operation


def test_a_suppressed_key_is_a_hub_and_a_seller_named_twice_has_its_first_status():
    rings = pd.DataFrame({"seller_id": ["S2"], "ring_id": ["R1"]})
    # a store of two sources names S4 twice: its first row is the one read
    sellers = pd.concat([SELLERS, pd.DataFrame({"seller_id": ["S4"], "status": ["active"]})])
    hubs = pd.DataFrame({"kind": ["phone", "phone"], "value": ["+861", "+861"]})  # twice: still one
    links = LINKS.astype({"kind": "category"})  # kinds held as codes
    watch = watch_index({"sellers": sellers}, rings, hubs, AnalysisSettings.load(), links)
    # S3 holds the phone but is watched by nobody; S4 is closed by its first row
    assert watch[["value", "seller_id", "ring_id", "status", "degree", "hub"]].values.tolist() == [
        ["+861", "S1", "", "banned", 3, True],
        ["+861", "S2", "R1", "active", 3, True],
        ["a@b.cn", "S4", "", "closed", 1, False],
    ]
