"""Loaders per file kind: good rows, each kind of bad row, duplicates, provenance."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from graph_loaders import load_folder
from tests.conftest import write_folder
from workbench import forget_cached_file
from workbench.errors import InputError

BASE = {
    "sellers": """
        seller_id,shop_name,platform,registered_at,status
        S1,<script>alert(1)</script>,taobao,2023-01-01,active
        S2,Shop two,jd,2023-02-01,BANNED
        S3,Shop three,jd,2023-03-01,closed
    """,
    "addresses": """
        address_id,text,lat,lon,city,province,country,kind
        A1,Factory Rd,23.02,113.75,Dongguan,Guangdong,CN,factory
        A2,Warehouse Rd,25.45,119.01,Putian,Fujian,CN,warehouse
        A3,Somewhere,,,Putian,Fujian,CN,unknown
    """,
    "seller_links": """
        seller_id,kind,value,role,observed_at,source_record_id
        S1,phone,138 1234-5678,contact,2024-01-01,R1
        S2,phone,+86 13812345678,contact,2024-01-02,R2
        S1,address,A2,ship_from,,R3
    """,
}


def load(tmp_path, **files):
    return load_folder(write_folder(tmp_path, {**BASE, **files}))


def quarantined(result, file_name):
    q = result.quarantine
    return q[q["file"] == file_name].sort_values("line").to_dict("records")


def test_good_rows_load_typed_normalised_and_with_provenance(tmp_path):
    result = load(tmp_path)
    sellers = result.tables["sellers"]
    assert list(sellers["seller_id"]) == ["S1", "S2", "S3"]
    assert sellers.loc[1, "status"] == "banned"
    assert sellers.loc[0, "shop_name"] == "<script>alert(1)</script>"  # kept verbatim
    assert str(sellers["registered_at"].dtype).startswith("datetime64")
    links = result.tables["seller_links"]
    assert list(links["value"][:2]) == ["+8613812345678", "+8613812345678"]
    assert list(links["provenance"]) == ["seller_links.csv:2", "seller_links.csv:3", "seller_links.csv:4"]
    assert list(links["source_record_id"]) == ["R1", "R2", "R3"]
    assert result.tables["addresses"]["lat"].isna().sum() == 1
    assert result.quarantine.empty


@pytest.mark.parametrize(
    ("name", "bad_line", "field", "reason"),
    [
        ("sellers", ",no key,taobao,2023-01-01,active", "seller_id", "required value missing"),
        ("sellers", "S9,x,taobao,2023-01-01,suspended", "status", "unknown status"),
        ("sellers", "S9,x,taobao,yesterday,active", "registered_at", "not a date"),
        ("sellers", "S1,other name,taobao,2023-01-01,active", "seller_id", "duplicate seller_id"),
        ("sellers", "S9,too,many,fields,here,really", "(row)", "malformed row"),
        ("addresses", "A9,x,999,113,c,p,CN,factory", "lat", "latitude outside"),
        ("addresses", "A9,x,abc,113,c,p,CN,factory", "lat", "not a number"),
        ("addresses", "A9,x,23,,c,p,CN,factory", "lat", "lat and lon must be given together"),
        ("seller_links", "S1,fax,123,,,", "kind", "unknown kind"),
        ("seller_links", "S404,phone,13812345678,,,", "seller_id", "unknown seller_id"),
        ("seller_links", "S1,phone,call me,,,", "value", "not a phone number"),
        ("seller_links", "S1,email,no-at-sign,,,", "value", "not an e-mail"),
        ("seller_links", "S1,address,A404,,,", "value", "unknown address_id"),
        ("seller_links", "S1,device,,,,", "value", "required value missing"),
    ],
)
def test_each_kind_of_bad_row_is_quarantined_with_file_line_field_reason(
    tmp_path, name, bad_line, field, reason
):
    text = BASE[name].rstrip() + "\n        " + bad_line + "\n"
    result = load(tmp_path, **{name: text})
    rows = quarantined(result, f"{name}.csv")
    assert len(rows) == 1
    row = rows[0]
    good_rows = len(BASE[name].strip().splitlines()) - 1
    assert row["line"] == good_rows + 2
    assert row["field"] == field
    assert reason in row["reason"]
    counts = result.counts[name]
    assert counts["read"] == counts["loaded"] + counts["quarantined"] + counts["duplicates"]
    assert counts["quarantined"] == 1


def test_exact_duplicates_are_merged_and_counted(tmp_path):
    text = BASE["seller_links"].rstrip() + "\n        S1,phone,138 1234-5678,contact,2024-01-01,R1\n"
    result = load(tmp_path, seller_links=text)
    counts = result.counts["seller_links"]
    assert counts == {"read": 4, "loaded": 3, "quarantined": 0, "duplicates": 1}
    assert result.tables["seller_links"]["provenance"].iloc[0] == "seller_links.csv:2,5"


def test_padded_keys_and_references_match_and_free_text_stays_as_written(tmp_path):
    """A seller id padded with blanks (a tab, a no-break space) is the seller's; a column with no
    padding anywhere is kept as read; free text keeps its blanks."""
    text = BASE["seller_links"].rstrip() + (
        "\n        \tS3\u00a0,device,dev-1,  contact ,2024-01-03,R4"
        "\n        S2,device,DEV1,contact,2024-01-04,R5\n"
    )
    result = load(tmp_path, seller_links=text)
    links = result.tables["seller_links"]
    assert result.quarantine.empty
    assert list(links["seller_id"]) == ["S1", "S2", "S1", "S3", "S2"]
    assert links["role"].iloc[3] == "  contact "
    assert set(links.loc[links["kind"] == "device", "value"]) == {"DEV1"}
    unpadded = load(tmp_path / "plain").tables["seller_links"]
    assert list(unpadded["seller_id"]) == ["S1", "S2", "S1"]


def test_a_seller_writing_its_identifiers_in_full_width_digits_still_shares_them(tmp_path):
    """Hostile input: S3 writes the phone S1 and S2 use in full-width digits, and S1's ID in
    Arabic-Indic ones, to keep its storefront apart; the loader reads the same identifiers."""
    text = BASE["seller_links"].rstrip() + (
        "\n        S3,phone,１３８　１２３４－５６７８,contact,2024-01-03,R4"
        "\n        S1,person_id,110101198001010011,registered,2024-01-01,R5"
        "\n        S3,person_id,١١٠١٠١١٩٨٠٠١٠١٠٠١١,registered,2024-01-04,R6\n"
    )
    result = load(tmp_path, seller_links=text)
    links = result.tables["seller_links"]
    assert result.quarantine.empty
    phones = links[links["kind"] == "phone"]
    assert set(phones["seller_id"]) == {"S1", "S2", "S3"} and phones["value"].nunique() == 1
    ids = links[links["kind"] == "person_id"]
    assert ids["value"].tolist() == ["110101198001010011"] * 2
    # the evidence still cites the line the seller wrote
    assert links.loc[links["source_record_id"] == "R6", "provenance"].tolist() == ["seller_links.csv:7"]


def test_other_files_check_their_own_rules(tmp_path):
    result = load(
        tmp_path,
        organizations="""
            org_id,name,kind,address_id
            O1,Factory,factory,A1
            O2,Cartel,cartel,A1
            O3,Ghost,factory,A404
        """,
        org_links="""
            org_id,kind,value,role
            O1,bank_account,6222-0200 1111,payout
            O404,phone,13800000000,
        """,
        listings="""
            listing_id,seller_id,title,brand,category,price,currency,listed_at,status
            L1,S1,Bag,Gucci,bags,99.5,CNY,2024-01-01,live
            L2,S1,Bag,Gucci,bags,cheap,CNY,2024-01-01,live
            L3,S1,Bag,Gucci,bags,-5,CNY,2024-01-01,live
        """,
        complaints="""
            complaint_id,listing_id,rights_holder,filed_at,outcome
            C1,L1,Gucci,2024-02-01,upheld
            C2,L404,Gucci,2024-02-01,upheld
        """,
        test_buys="""
            test_buy_id,listing_id,bought_at,verdict,ship_from_address_id
            T1,L1,2024-02-01,counterfeit,A2
            T2,L1,2024-02-01,fake-ish,A2
        """,
        shipments="""
            waybill,from_address_id,to_address_id,courier,shipped_at,sender_kind,sender_id,recipient_kind,recipient_id,parcels
            W1,A1,A2,SF,2024-01-01,org,O1,seller,S1,10
            W2,A1,A2,SF,2024-01-01,seller,S404,seller,S1,1
            W3,A1,A2,SF,2024-01-01,org,O1,seller,S1,-2
        """,
        payments="""
            payment_id,from_account,to_account,amount,currency,paid_at
            P1,6222 0200 9999,6222-0200-1111,1000,CNY,2024-01-01
            P2,x,y,12.5O0,CNY,2024-01-01
            P3,x,y,-1,CNY,2024-01-01
        """,
    )
    reasons = {(q["file"], q["line"]): q["reason"] for q in result.quarantine.to_dict("records")}
    assert "unknown kind" in reasons[("organizations.csv", 3)]
    assert "unknown address_id" in reasons[("organizations.csv", 4)]
    assert "unknown org_id" in reasons[("org_links.csv", 3)]
    assert reasons[("listings.csv", 3)] == "not a number"
    assert reasons[("listings.csv", 4)] == "negative price"
    assert "unknown listing_id" in reasons[("complaints.csv", 3)]
    assert "unknown verdict" in reasons[("test_buys.csv", 3)]
    assert "unknown seller_id" in reasons[("shipments.csv", 3)]
    assert reasons[("shipments.csv", 4)] == "negative parcel count"
    assert reasons[("payments.csv", 3)] == "not a number"
    assert reasons[("payments.csv", 4)] == "amount must be positive"
    payments = result.tables["payments"]
    assert payments.loc[0, "to_account"] == result.tables["org_links"].loc[0, "value"] == "622202001111"


def test_parquet_input_loads_like_csv(tmp_path):
    csv_result = load(tmp_path / "csv")
    pq_dir = tmp_path / "pq"
    pq_dir.mkdir()
    for name in BASE:
        pd.read_csv(tmp_path / "csv" / f"{name}.csv", dtype=str, keep_default_na=False).to_parquet(
            pq_dir / f"{name}.parquet"
        )
    pq_result = load_folder(pq_dir)
    for name in BASE:
        a = csv_result.tables[name].drop(columns="provenance")
        b = pq_result.tables[name].drop(columns="provenance")
        pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert pq_result.tables["sellers"]["provenance"].iloc[0] == "sellers.parquet:1"


def test_missing_required_column_names_file_and_column(tmp_path):
    with pytest.raises(InputError, match=r"seller_links.csv: missing required column\(s\) kind"):
        load(tmp_path, seller_links="seller_id,value\nS1,x\n")


def test_missing_required_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="missing required file"):
        load_folder(write_folder(tmp_path, {"sellers": BASE["sellers"]}))
    with pytest.raises(InputError, match="no such folder"):
        load_folder(tmp_path / "nope")


def test_not_utf8_is_a_clear_error(tmp_path):
    write_folder(tmp_path, BASE)
    (tmp_path / "sellers.csv").write_bytes("seller_id,shop_name\nS1,\xff\xfe bad\n".encode("latin-1"))
    with pytest.raises(InputError, match="sellers.csv: cannot be read"):
        load_folder(tmp_path)


def test_rows_with_a_twin_are_the_same_whichever_way_they_are_found(monkeypatch):
    """Large files find exact duplicates by hash in DuckDB, then compare the candidates in full:
    the same rows as pandas' own duplicated, hostile column names and empty cells included."""
    import numpy as np
    import pandas as pd

    from graph_loaders import checks

    rng = np.random.default_rng(3)
    n = 5000
    frame = pd.DataFrame(
        {
            "seller_id": rng.choice([f"S{i}" for i in range(800)], n),
            "kind": rng.choice(["phone", "device", ""], n),
            "value": rng.choice(["=1+1", "'; DROP TABLE x", "a", "b", ""], n),
            'x") OR 1=1 --': rng.choice(["", "q"], n),
        }
    )
    expected = frame.duplicated(keep=False).to_numpy()
    assert 0 < expected.sum() < n
    monkeypatch.setattr(checks, "_HASHED_FROM_ROWS", 2)
    assert (checks._rows_with_a_twin(frame) == expected).all()


def test_dates_and_choices_read_once_per_distinct_value_equal_reading_every_row(tmp_path):
    """Dates and enum columns are parsed per distinct value; the typed column and the quarantine
    must be what parsing every row gives: repeats, blanks, padding, case, a nanosecond value that
    sets the column's unit, a day that does not exist, a year pandas cannot hold."""
    dates = [
        "2024-01-01",
        " 2024-01-01 ",
        "2024-01-01",
        "",
        "  ",
        "2024-02-30",
        "2024-03-01T10:00:00.123456789+08:00",
        "0001-01-01",
        "not a date",
        "2024-03-01T10:00:00Z",
    ]
    statuses = ["active", " Active", "BANNED ", "", "closed", "active", "gone", "active", "x", "banned"]
    rows = "\n".join(
        f"S{i},Shop {i},jd,{date},{status}"
        for i, (date, status) in enumerate(zip(dates, statuses, strict=True))
    )
    result = load(tmp_path, sellers=f"seller_id,shop_name,platform,registered_at,status\n{rows}\n")
    text = pd.Series(dates).str.strip()
    every_row = pd.to_datetime(text.where(text != ""), errors="coerce", format="ISO8601", utc=True)
    bad_date = (text != "") & every_row.isna()
    status = pd.Series(statuses).str.strip().str.lower()
    bad_status = (status != "") & ~status.isin(["active", "banned", "closed"])
    kept = ~(bad_date | bad_status)
    sellers = result.tables["sellers"]
    pd.testing.assert_series_equal(
        sellers["registered_at"], every_row[kept].reset_index(drop=True), check_names=False
    )
    assert sellers["status"].tolist() == status[kept].tolist()
    q = quarantined(result, "sellers.csv")
    assert [r["line"] for r in q] == [i + 2 for i in range(len(dates)) if not kept[i]]
    # a line is quarantined once, for its first bad field (line 10 has two)
    assert [r["field"] for r in q] == ["registered_at", "status", "registered_at", "registered_at"]


def test_padding_is_found_in_any_part_of_a_column(monkeypatch):
    """Padding is looked for a part at a time: a padded value in the last part is still stripped,
    and a column with none is returned as it is, not copied."""
    from graph_loaders import checks

    monkeypatch.setattr(checks, "_PART", 2)
    clean = pd.Series(["S1", "S2", "S3", "S4", "S5"], dtype="str")
    assert checks._stripped(clean) is clean
    padded = pd.Series(["S1", "S2", "S3", "S4", "S5\u3000"], dtype="str")
    assert checks._stripped(padded).tolist() == ["S1", "S2", "S3", "S4", "S5"]
    assert checks._stripped(padded).tolist() == padded.str.strip().tolist()


def _pages_cached(path) -> int:
    """How many of a file's pages the kernel holds in its cache: the C library's ``mincore`` on
    a mapping of the file (mapping it reads nothing)."""
    import ctypes
    import mmap

    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    number, size_t, pointer = ctypes.c_int, ctypes.c_size_t, ctypes.c_void_p
    libc.mmap.argtypes = [pointer, size_t, number, number, number, ctypes.c_long]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    size = path.stat().st_size
    pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
    descriptor = os.open(path, os.O_RDONLY)
    try:
        start = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, descriptor, 0)
        assert start not in (None, ctypes.c_void_p(-1).value), ctypes.get_errno()
        try:
            vector = (ctypes.c_ubyte * pages)()
            assert libc.mincore(start, size, vector) == 0, ctypes.get_errno()
            return sum(v & 1 for v in vector)
        finally:
            libc.munmap(start, size)
    finally:
        os.close(descriptor)


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="the kernel's page cache advice is POSIX's")
def test_a_file_read_and_checked_leaves_the_page_cache(tmp_path):
    # kept cached, ten million sellers' 11 GB of CSV filled the memory the analysis then needed
    from workbench.synth.generator import generate_marketplace

    generate_marketplace(tmp_path / "m", sellers=3000, rings=10, seed=4)
    os.sync()  # written back: only clean pages can leave the cache
    links = tmp_path / "m" / "seller_links.csv"
    links.read_bytes()
    before = _pages_cached(links)
    loaded = load_folder(tmp_path / "m")
    assert len(loaded.tables["seller_links"]) > 10_000
    assert before > 20 and _pages_cached(links) == 0, before


@pytest.mark.parametrize(
    "content",
    [b"", b"a,b\n", b"a,b\n1,2", b"\xef\xbb\xbfa,b\r\n1,2\r\n", b"a\n\n\n", b'a,b\n"x\ny",2\n'],
)
def test_a_reading_hashes_and_counts_what_it_reads_as_a_whole_read_does(tmp_path, content):
    import hashlib

    from workbench.hashing import HashedReading, digest_and_lines

    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with HashedReading(path) as reading:
        buffer = bytearray(3)
        read = bytearray()
        while n := reading.readinto(buffer):  # in pieces, some through readinto
            read += buffer[:n]
            read += reading.read(2)
        assert reading.whole
    assert bytes(read) == content
    lines = content.count(b"\n") + (1 if content and not content.endswith(b"\n") else 0)
    assert (reading.digest, reading.lines) == (hashlib.sha256(content).hexdigest(), lines)
    assert digest_and_lines(path) == (reading.digest, lines)


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="the kernel's page cache advice is POSIX's")
@pytest.mark.parametrize("drop_behind", [False, True])
def test_a_reading_that_drops_behind_leaves_no_read_page_in_the_cache(tmp_path, monkeypatch, drop_behind):
    # the loader's one reading of a file: 6 GB of links held in the cache were memory the load waited for
    from workbench import hashing

    monkeypatch.setattr(hashing, "_DROPPED_EVERY", 4 << 20)
    path = tmp_path / "big.csv"
    path.write_bytes(os.urandom(32 << 20))
    os.sync()  # written back: only clean pages can leave the cache
    forget_cached_file(path)  # read from the disk, as the loader's input is
    with hashing.HashedReading(path, drop_behind=drop_behind) as reading:
        while reading.read(1 << 20):
            pass
        cached = _pages_cached(path)
    pages = (32 << 20) // os.sysconf("SC_PAGE_SIZE")
    if drop_behind:
        assert cached <= pages // 4, cached  # the last part read at most
    else:
        assert cached > pages // 2, cached


def test_the_fingerprint_is_each_files_digest_as_hashed_apart(tmp_path):
    # the files are hashed as they are parsed: the fingerprint must be the files' bytes still
    import hashlib

    from graph_loaders import LOADERS
    from workbench.synth.generator import generate_marketplace

    generate_marketplace(tmp_path / "m", sellers=300, rings=3, seed=5)
    listings = tmp_path / "m" / "listings.csv"
    listings.write_bytes(listings.read_bytes().rstrip(b"\n"))  # a last line without its newline
    expected = hashlib.sha256()
    for name in LOADERS:
        path = tmp_path / "m" / f"{name}.csv"
        if path.exists():
            expected.update(f"{path.name}:{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    loaded = load_folder(tmp_path / "m")
    assert loaded.fingerprint == expected.hexdigest()
    assert loaded.counts["listings"]["read"] == len(listings.read_bytes().splitlines()) - 1


NUMBERS = ["12.5", "", "1e400", "-inf", "nan", "Infinity", ".5", "5.", "+7", "0.1", "1.7976931348623157e308"]
NOT_ARROWS = ["1_000", "\u0663", "0x10", "n/a", "1,5"]


@pytest.mark.parametrize("extra", [[], NOT_ARROWS[:1], NOT_ARROWS])
def test_numbers_parsed_by_arrow_load_what_pandas_parsing_loads(tmp_path, monkeypatch, extra):
    """Prices a seller typed: Arrow parses a column it can read whole, pandas any other; the
    loaded prices and the quarantine (not a number, not finite, negative) are the same either way."""
    from graph_loaders import checks

    rows = "\n".join(f"L{i},S1,t,b,c,{value},CNY,2024-01-01,live" for i, value in enumerate(NUMBERS + extra))
    files = {
        "listings": f"listing_id,seller_id,title,brand,category,price,currency,listed_at,status\n{rows}\n"
    }
    by_arrow = load(tmp_path / "a", **files)
    typed = pd.Series([n for n in NUMBERS if n], dtype="str")
    assert checks._numbers(typed, typed == "") is not None  # these Arrow reads whole
    monkeypatch.setattr(checks, "_numbers", lambda text, empty: None)
    by_pandas = load(tmp_path / "p", **files)
    pd.testing.assert_frame_equal(by_arrow.tables["listings"], by_pandas.tables["listings"])
    assert quarantined(by_arrow, "listings.csv") == quarantined(by_pandas, "listings.csv")
    assert len(quarantined(by_arrow, "listings.csv")) == 4 + len(extra)  # 1e400, -inf, nan, Infinity


@pytest.mark.parametrize("part", [2, 3, 1 << 20])
def test_a_repeated_key_in_a_file_in_key_order_is_found_at_any_part_boundary(tmp_path, monkeypatch, part):
    """A file in the order of its ids is known to repeat none without hashing them, compared a part
    at a time: a repeat where two parts meet is still a repeat."""
    from graph_loaders import checks

    monkeypatch.setattr(checks, "_PART", part)
    ids = ["L1", "L2", "L3", "L3", "L4", "L5"]
    rows = "\n".join(f"{i},S1,t,b,c,{n},CNY,2024-01-01,live" for n, i in enumerate(ids))
    result = load(
        tmp_path,
        listings=f"listing_id,seller_id,title,brand,category,price,currency,listed_at,status\n{rows}\n",
    )
    assert result.tables["listings"]["listing_id"].tolist() == ["L1", "L2", "L3", "L4", "L5"]
    assert [(r["line"], r["field"]) for r in quarantined(result, "listings.csv")] == [(5, "listing_id")]
    in_order = "\n".join(f"L{n},S1,t,b,c,1,CNY,2024-01-01,live" for n in range(1, 9))
    result = load(
        tmp_path / "b",
        listings=f"listing_id,seller_id,title,brand,category,price,currency,listed_at,status\n{in_order}\n",
    )
    assert len(result.tables["listings"]) == 8 and not quarantined(result, "listings.csv")
