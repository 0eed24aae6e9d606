"""Loader gaps: every citation names the line a record starts on, every bad line is listed, and
no single odd value or file shape stops a load."""

from __future__ import annotations

import pandas as pd
import pytest

from graph_loaders import load_folder
from tests.conftest import write_folder
from workbench.errors import InputError

LINKS = "seller_id,kind,value\nS1,phone,13800000001\nS2,phone,13800000001\n"


def test_a_quoted_line_break_does_not_shift_later_lines(tmp_path):
    data = write_folder(
        tmp_path,
        {
            "sellers": 'seller_id,shop_name\nS1,"two\nlines"\nS2,b\nS3,"three\nmore\nlines"\nS4,d\n',
            "seller_links": LINKS,
        },
    )
    sellers = load_folder(data).tables["sellers"].set_index("seller_id")
    assert sellers["provenance"].to_dict() == {
        "S1": "sellers.csv:2",
        "S2": "sellers.csv:4",
        "S3": "sellers.csv:5",
        "S4": "sellers.csv:8",
    }
    assert sellers.loc["S3", "shop_name"] == "three\nmore\nlines"


def test_every_line_of_a_repeated_bad_row_is_quarantined(tmp_path):
    data = write_folder(
        tmp_path,
        {
            "sellers": "seller_id,status\nS1,active\nS2,weird\nS2,weird\nS2,weird\nS3,active\nS3,active\n",
            "seller_links": LINKS,
        },
    )
    loaded = load_folder(data)
    bad = loaded.quarantine[loaded.quarantine["file"] == "sellers.csv"]
    assert bad["line"].tolist() == [3, 4, 5] and set(bad["field"]) == {"status"}
    counts = loaded.counts["sellers"]
    assert counts == {"read": 6, "loaded": 2, "quarantined": 3, "duplicates": 1}


def test_float_typed_ids_in_parquet_are_refused_with_the_column(tmp_path):
    pd.DataFrame({"seller_id": ["S1", "S2"]}).to_parquet(tmp_path / "sellers.parquet")
    pd.DataFrame(
        {"seller_id": ["S1", "S2"], "kind": ["bank_account"] * 2, "value": [6.2220200011e15] * 2}
    ).to_parquet(tmp_path / "seller_links.parquet")
    with pytest.raises(InputError, match="column 'value' is stored as floating-point numbers"):
        load_folder(tmp_path)


def test_a_header_only_optional_file_without_final_newline(tmp_path):
    data = write_folder(tmp_path, {"sellers": "seller_id\nS1\nS2\n", "seller_links": LINKS})
    (data / "listings.csv").write_text("listing_id,seller_id,title")  # no newline at all
    loaded = load_folder(data)
    assert loaded.counts["listings"] == {"read": 0, "loaded": 0, "quarantined": 0, "duplicates": 0}


def test_one_huge_value_quarantines_its_row_only(tmp_path):
    data = write_folder(tmp_path, {"sellers": "seller_id,shop_name\nS1,a\n", "seller_links": LINKS})
    with open(data / "sellers.csv", "a") as file:
        file.write("S2," + "x" * 3_000_000 + "\nS3,c\n")
    loaded = load_folder(data)
    assert loaded.tables["sellers"]["seller_id"].tolist() == ["S1", "S3"]
    bad = loaded.quarantine[loaded.quarantine["file"] == "sellers.csv"]
    assert bad["line"].tolist() == [3] and "longer than" in bad["reason"].iloc[0]


def test_a_quote_that_never_closes_cannot_swallow_the_rows_after_it(tmp_path):
    """A seller starts its shop name with a quote: the rest of the export must not vanish into it."""
    rows = ["seller_id,shop_name", "S1,a", 'S2,"Wang shop'] + [f"S{i},shop {i}" for i in range(3, 40)]
    data = write_folder(tmp_path, {"sellers": "\n".join(rows) + "\n", "seller_links": LINKS})
    loaded = load_folder(data)
    sellers = loaded.tables["sellers"].set_index("seller_id")
    assert len(sellers) == 38 and sellers.loc["S39", "provenance"] == "sellers.csv:40"
    bad = loaded.quarantine[loaded.quarantine["file"] == "sellers.csv"]
    assert bad["line"].tolist() == [3] and "quotes do not close" in bad["reason"].iloc[0]
    assert loaded.counts["sellers"] == {"read": 39, "loaded": 38, "quarantined": 1, "duplicates": 0}
