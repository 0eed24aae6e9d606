"""rings.csv on the shared marketplace stays what it is (golden file), and against the version
before core membership it only lost associates and groups with no corroborated core."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbench.pipeline import analyze
from workbench.store import EmbeddedStore

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def test_rings_csv_is_byte_identical_to_the_golden_file(marketplace, tmp_path):
    analyze(marketplace, tmp_path / "plain")
    with EmbeddedStore(tmp_path / "store") as store:
        analyze(marketplace, tmp_path / "stored", store)
    golden = (GOLDEN / "rings_market_seed11.csv").read_bytes()
    assert (tmp_path / "plain" / "rings.csv").read_bytes() == golden
    assert (tmp_path / "stored" / "rings.csv").read_bytes() == golden
    # and a second run on the same store keeps every ring id
    with EmbeddedStore(tmp_path / "store") as store:
        analyze(marketplace, tmp_path / "again", store)
    assert (tmp_path / "again" / "rings.csv").read_bytes() == golden


def test_core_membership_only_moves_associates_and_uncorroborated_groups_out(marketplace, tmp_path):
    analyze(marketplace, tmp_path / "out")
    rings = pd.read_csv(tmp_path / "out" / "rings.csv", dtype=str)
    associates = pd.read_csv(tmp_path / "out" / "associates.csv", dtype=str)
    before = pd.read_csv(GOLDEN / "rings_market_seed11_before_core.csv", dtype={"ring_score": float})
    # every ring is one earlier ring or a part of one (two operations one device tied together,
    # split), and every earlier ring that is still there kept its id
    origin = rings.merge(before, on="seller_id", suffixes=("", "_before"))
    assert len(origin) == len(rings)
    assert (origin.groupby("ring_id")["ring_id_before"].nunique() == 1).all()
    parts = origin.groupby("ring_id_before")["ring_id"].agg(set)
    assert all(old in new for old, new in parts.items())
    assert (parts.map(len) > 1).sum() >= 1  # the shared marketplace has such a pair of rings
    gone = before[~before["seller_id"].isin(rings["seller_id"])]
    as_associate = gone["seller_id"].isin(associates["seller_id"])
    # the rest were whole groups that no longer stand as rings, and none of them scored as one
    dissolved = gone[~as_associate]
    assert not dissolved["ring_id"].isin(rings["ring_id"]).any()
    assert (dissolved["ring_score"] < 0.5).all(), dissolved
    assert as_associate.sum() >= 1 and len(dissolved) >= 1
    assert set(associates["ring_id"]) <= set(rings["ring_id"])
    assert not set(associates["seller_id"]) & set(rings["seller_id"])
