"""Provenance held as numbers: it reads, joins, writes and is stored exactly as the text it stands for."""

import numpy as np
import pandas as pd
import pytest

from graph_loaders import load_folder
from workbench.provenance import Provenance, ProvenanceDtype, as_text, told
from workbench.store import EmbeddedStore, memory_store


def _text(file_name, lines, merged=None):
    """The provenance as the loader wrote it before it was held as numbers."""
    merged = merged or {}
    return [f"{file_name}:{merged.get(i, line)}" for i, line in enumerate(lines)]


def test_a_column_reads_as_its_text_through_picks_joins_and_concatenation():
    links = pd.DataFrame(
        {
            "seller_id": ["S1", "S2", "S3", "S4"],
            "provenance": Provenance.of_file("seller_links.csv", np.array([2, 3, 7, 9]), {1: "3,5"}),
        }
    )
    assert links["provenance"].tolist() == ["seller_links.csv:2", "seller_links.csv:3,5"] + [
        "seller_links.csv:7",
        "seller_links.csv:9",
    ]
    assert links["provenance"].memory_usage(deep=True, index=False) == 4 * 6  # 6 bytes a row
    sent = pd.DataFrame(
        {"seller_id": ["S9"], "provenance": Provenance.of_file("shipments.csv", np.array([4]), {0: "4,6"})}
    )
    joined = pd.concat([links[links["seller_id"] != "S1"], sent], ignore_index=True)
    assert isinstance(joined["provenance"].dtype, ProvenanceDtype)
    assert joined["provenance"].tolist() == [
        "seller_links.csv:3,5",
        "seller_links.csv:7",
        "seller_links.csv:9",
        "shipments.csv:4,6",
    ]
    # a left join leaves a row without provenance: missing, then filled like text
    named = pd.DataFrame({"seller_id": ["S2", "S0"]}).merge(links, on="seller_id", how="left")
    assert named["provenance"].isna().tolist() == [False, True]
    assert named["provenance"].fillna("").tolist() == ["seller_links.csv:3,5", ""]
    cited = links["provenance"] + " as " + links["seller_id"]
    assert cited.tolist()[:2] == ["seller_links.csv:2 as S1", "seller_links.csv:3,5 as S2"]
    assert (links["provenance"] == "seller_links.csv:7").tolist() == [False, False, True, False]
    assert as_text(links["provenance"]).tolist() == links["provenance"].tolist()
    assert told(links)["provenance"].dtype == "str"


@pytest.mark.parametrize("given", [["a.csv:3", "a.csv:03", "no colon", "", "b:c:4", None, "a.csv:4,5", "x:"]])
def test_any_text_put_in_is_the_text_read_back(given):
    column = pd.Series(pd.array(given, dtype=ProvenanceDtype()))
    assert [None if pd.isna(v) else v for v in column.tolist()] == given
    column[1] = "z.csv:12"
    assert column.iloc[1] == "z.csv:12" and column.iloc[0] == "a.csv:3"


def test_the_loader_holds_numbers_and_the_store_keeps_the_text_written_in_parts(tmp_path, monkeypatch):
    data = tmp_path / "in"
    data.mkdir()
    (data / "sellers.csv").write_text("seller_id,shop_name\n" + "".join(f"S{i},shop {i}\n" for i in range(9)))
    rows = [f"S{i},phone,+86138000000{i:02d}" for i in range(9)]
    rows.insert(5, rows[1])  # an exact duplicate of line 3, on line 7
    (data / "seller_links.csv").write_text("seller_id,kind,value\n" + "\n".join(rows) + "\n")
    loaded = load_folder(data)
    links = loaded.tables["seller_links"]
    assert isinstance(links["provenance"].dtype, ProvenanceDtype)
    expected = _text("seller_links.csv", [2, 3, 4, 5, 6, 8, 9, 10, 11], {1: "3,7"})
    assert links["provenance"].tolist() == expected

    monkeypatch.setattr(memory_store, "_TOLD_ROWS", 4)  # written 4 rows at a time
    with EmbeddedStore(tmp_path / "store") as store:
        store.load(loaded)
        stored = store.table("seller_links")
    assert stored["provenance"].dtype == "str"
    assert stored["provenance"].tolist() == expected


def test_a_file_too_long_for_its_line_numbers_is_refused_with_its_name():
    from workbench.errors import InputError

    with pytest.raises(InputError, match="links.csv: over 2,147,483,647 lines"):
        Provenance.of_file("links.csv", np.array([2, 2**31]))
