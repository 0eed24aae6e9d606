"""Nothing lost: on a generated folder with every kind of bad row, every input row is accounted for."""

from __future__ import annotations

import csv

from graph_loaders import load_folder


def _data_rows(path) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def test_read_equals_loaded_plus_quarantined_plus_duplicates(marketplace):
    result = load_folder(marketplace)
    assert len(result.files) == 10
    for name, counts in result.counts.items():
        assert counts["read"] == _data_rows(marketplace / f"{name}.csv"), name
        assert counts["read"] == counts["loaded"] + counts["quarantined"] + counts["duplicates"], name
        assert counts["quarantined"] > 0, f"the generator plants bad rows in {name}"
    for name in ("sellers", "seller_links", "listings", "payments"):
        assert result.counts[name]["duplicates"] > 0, name


def test_every_quarantined_row_names_file_line_field_and_reason(marketplace):
    q = load_folder(marketplace).quarantine
    assert (q["line"] >= 2).all()
    assert q["file"].str.endswith(".csv").all()
    assert (q["field"] != "").all() and (q["reason"] != "").all()
    assert not q.duplicated(["file", "line"]).any(), "a row is quarantined once"


def test_ring_members_and_sources_survive_the_bad_rows(marketplace):
    result = load_folder(marketplace)
    truth = result.tables["sellers"]["seller_id"]
    import pandas as pd

    rings = pd.read_csv(marketplace / "truth" / "rings.csv")
    sources = pd.read_csv(marketplace / "truth" / "sources.csv")
    assert rings["seller_id"].isin(truth).all()
    assert sources["org_id"].isin(result.tables["organizations"]["org_id"]).all()
