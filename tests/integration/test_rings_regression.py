"""rings.csv stays what it was before the store was rebuilt: same input and seed, same bytes."""

from __future__ import annotations

from pathlib import Path

from workbench.pipeline import analyze
from workbench.store import EmbeddedStore

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "rings_market_seed11.csv"


def test_rings_csv_is_byte_identical_to_the_previous_version(marketplace, tmp_path):
    analyze(marketplace, tmp_path / "plain")
    with EmbeddedStore(tmp_path / "store") as store:
        analyze(marketplace, tmp_path / "stored", store)
    golden = GOLDEN.read_bytes()
    assert (tmp_path / "plain" / "rings.csv").read_bytes() == golden
    assert (tmp_path / "stored" / "rings.csv").read_bytes() == golden
    # and a second run on the same store keeps every ring id
    with EmbeddedStore(tmp_path / "store") as store:
        analyze(marketplace, tmp_path / "again", store)
    assert (tmp_path / "again" / "rings.csv").read_bytes() == golden
