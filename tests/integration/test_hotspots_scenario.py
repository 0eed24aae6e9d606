"""Production planted in a few provinces shows up there as significant hotspots."""

from __future__ import annotations

import pandas as pd

from tests.conftest import run_workbench
from workbench.analytics.hotspots import significant
from workbench.synth.cities import CITIES
from workbench.synth.generator import generate_marketplace

PRODUCTION = set(CITIES.loc[CITIES["production"], "province"])  # Guangdong, Fujian, Zhejiang
NEAR = PRODUCTION | {
    "HongKong",
    "Aomen",
    "Jiangxi",
    "Guangxi",
    "Hunan",
    "Shanghai",
    "Anhui",
    "Taiwan",
    "Hainan",
}


def test_planted_production_provinces_are_the_hotspots(tmp_path):
    generate_marketplace(tmp_path / "data", sellers=8000, rings=60, seed=3)
    assert (
        run_workbench(
            "analyze",
            str(tmp_path / "data"),
            "--out",
            str(tmp_path / "out"),
            "--store",
            str(tmp_path / "store"),
        ).returncode
        == 0
    )
    done = run_workbench("hotspots", "--store", str(tmp_path / "store"), "--out", str(tmp_path / "hot"))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "hot" / "hotspots.csv")
    hot = set(table.loc[significant(table), "region_name"])
    assert hot & PRODUCTION, table.sort_values("hotspot_z").tail(5)
    assert hot <= NEAR
    for name in ("hotspots.geojson", "hotspots.png", "hotspots_monthly.csv"):
        assert (tmp_path / "hot" / name).stat().st_size > 0
    columns = {
        "region_id",
        "region_name",
        "sellers",
        "counterfeit_sellers",
        "rings",
        "warehouses",
        "sources",
        "rate_per_1000",
        "hotspot_z",
        "hotspot_p",
    }
    assert columns <= set(table.columns)
    bad = run_workbench(
        "hotspots", "--store", str(tmp_path / "store"), "--out", str(tmp_path / "x"), "--level", "county"
    )
    assert bad.returncode == 2 and "--level" in bad.stderr
