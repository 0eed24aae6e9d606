"""Loader gaps: every citation names the line a record starts on, every bad line is listed, and
no single odd value or file shape stops a load."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from graph_loaders import load_folder, reader
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


def test_a_huge_value_in_a_column_read_as_codes_quarantines_its_row_and_leaves_no_value(tmp_path):
    """A link's role and date are read as codes into their distinct values: a 3 MB role still
    costs only its row, and a role only that row had is no role of the loaded links."""
    links = LINKS.replace("value\n", "value,role,observed_at\n").replace("001\n", "001,contact,2024-01-01\n")
    data = write_folder(tmp_path, {"sellers": "seller_id\nS1\nS2\n", "seller_links": links})
    with open(data / "seller_links.csv", "a") as file:
        file.write("S1,email,a@b.cn," + "r" * 3_000_000 + ",2024-01-02\n")
        file.write("S2,email,c@d.cn,own," + "2" * 2_000_000 + "\n")
        file.write("S2,device,D1,contact,2024-01-03\n")
    loaded = load_folder(data)
    links = loaded.tables["seller_links"]
    assert links["provenance"].tolist() == [f"seller_links.csv:{n}" for n in (2, 3, 6)]
    assert list(links["role"].cat.categories) == ["contact"]
    assert links["observed_at"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01"] * 2 + ["2024-01-03"]
    bad = loaded.quarantine[loaded.quarantine["file"] == "seller_links.csv"]
    assert bad["line"].tolist() == [4, 5] and bad["reason"].str.contains("longer than").all()


def test_a_quote_that_never_closes_in_a_column_read_as_codes(tmp_path):
    """A seller's status starting with a quote: read one row per line, its line quarantined, the
    rows after it loaded with their own statuses."""
    rows = ["seller_id,status", "S1,active", 'S2,"banned'] + [f"S{i},closed" for i in range(3, 40)]
    data = write_folder(tmp_path, {"sellers": "\n".join(rows) + "\n", "seller_links": LINKS})
    loaded = load_folder(data)
    sellers = loaded.tables["sellers"]
    assert len(sellers) == 38 and sellers["status"].value_counts().to_dict() == {"closed": 37, "active": 1}
    bad = loaded.quarantine[loaded.quarantine["file"] == "sellers.csv"]
    assert bad["line"].tolist() == [3] and "quotes do not close" in bad["reason"].iloc[0]


def test_columns_read_as_codes_load_what_reading_their_text_loads(marketplace, monkeypatch):
    """A generated marketplace with every kind of bad row: the same tables, quarantine and counts
    whether its dates, kinds and roles are read as codes or as text."""
    as_codes = load_folder(marketplace)
    monkeypatch.setattr(reader, "_CODED", pa.large_string())
    as_text = load_folder(marketplace)
    assert as_codes.counts == as_text.counts and as_codes.fingerprint == as_text.fingerprint
    pd.testing.assert_frame_equal(as_codes.quarantine, as_text.quarantine)
    for name, table in as_text.tables.items():
        pd.testing.assert_frame_equal(as_codes.tables[name], table, obj=name)
