"""Inputs that used to end in a traceback: each ends in a quarantined row or one line and exit 2."""

from __future__ import annotations

import csv
import shutil

import pandas as pd
import pytest

from tests.conftest import run_workbench
from workbench.synth.generator import generate_marketplace


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("errors")
    generate_marketplace(root / "base", sellers=300, rings=5, seed=3, bad_rows=False)
    return root


def _copy(base, name):
    target = base / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(base / "base", target)
    return target


def _no_traceback(done):
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr.replace("error:", ""), done.stderr


@pytest.mark.parametrize("parcels", ["inf", "1e400", "99999999999999999999"])
def test_impossible_parcel_counts_are_quarantined(base, parcels):
    data = _copy(base, f"parcels_{parcels}")
    rows = list(csv.reader(open(data / "shipments.csv")))
    rows[1][rows[0].index("parcels")] = parcels
    csv.writer(open(data / "shipments.csv", "w", newline="")).writerows(rows)
    done = run_workbench("analyze", str(data), "--out", str(data / "out"))
    assert done.returncode == 0, done.stderr
    quarantine = pd.read_csv(data / "out" / "quarantine.csv", dtype=str)
    row = quarantine[(quarantine["file"] == "shipments.csv") & (quarantine["line"] == "2")]
    assert row["field"].tolist() == ["parcels"] and row["value"].tolist() == [parcels]


def test_payments_that_touch_no_ring_account(base):
    data = _copy(base, "payments")
    (data / "payments.csv").write_text("payment_id,from_account,to_account,amount\nP1,ACC1,ACC2,100\n")
    done = run_workbench("analyze", str(data), "--out", str(data / "out"))
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("file", ["sellers", "seller_links"])
def test_header_only_required_files(base, file):
    data = _copy(base, f"header_{file}")
    header = (data / f"{file}.csv").read_text().splitlines()[0]
    (data / f"{file}.csv").write_text(header + "\n")
    done = run_workbench("analyze", str(data), "--out", str(data / "out"))
    assert done.returncode == 0, done.stderr


def test_a_parquet_column_of_lists_is_named(tmp_path):
    pd.DataFrame({"seller_id": ["S1"], "shop_name": [["a", "b"]]}).to_parquet(tmp_path / "sellers.parquet")
    pd.DataFrame({"seller_id": ["S1"], "kind": ["phone"], "value": ["138"]}).to_parquet(
        tmp_path / "seller_links.parquet"
    )
    done = run_workbench("analyze", str(tmp_path), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "sellers.parquet: column 'shop_name' holds list" in done.stderr
    _no_traceback(done)


def test_a_damaged_store_file_and_out_naming_a_file(base):
    data = base / "base"
    store = base / "store"
    assert (
        run_workbench("analyze", str(data), "--out", str(base / "o"), "--store", str(store)).returncode == 0
    )
    (sellers,) = (store / "tables").glob("sellers.*.parquet")
    sellers.write_bytes(b"not parquet")
    done = run_workbench("detect", "--store", str(store))
    assert done.returncode == 2 and "a table of the store is damaged" in done.stderr
    _no_traceback(done)
    sellers.unlink()
    done = run_workbench("detect", "--store", str(store))
    assert done.returncode == 2 and "the store is damaged" in done.stderr and sellers.name in done.stderr
    _no_traceback(done)
    (base / "a_file").write_text("x")
    done = run_workbench("analyze", str(data), "--out", str(base / "a_file"))
    assert done.returncode == 2 and "is a file" in done.stderr
