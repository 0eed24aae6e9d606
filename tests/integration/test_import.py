"""`workbench import`: the example mappings on real-data excerpts (PaySim 2, FinCEN Files, IBM AMLSim;
sources in tests/data/realdata/SOURCES.md), mapping mistakes named by line, every transform, hostile
sources, Excel, and drafts from --infer that import as they are."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_workbench, write_folder
from workbench.imports.convert import import_folder
from workbench.imports.mapping import MappingError, read_mapping

ROOT = Path(__file__).resolve().parents[2]
REALDATA = ROOT / "tests" / "data" / "realdata"
MAPPINGS = ROOT / "mappings"


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mapping", "source", "expect"),
    [
        ("paysim2_clients.yml", "paysim2", {"sellers": 300, "seller_links": 900}),
        ("fincen_transactions.yml", "fincen", {"payments": 300, "sellers": 0, "seller_links": 0}),
        ("amlsim.yml", "amlsim", {"payments": 2000, "seller_links": 3387}),
    ],
)
def test_example_mappings_convert_their_real_data_and_analyze_runs(tmp_path, mapping, source, expect):
    data = tmp_path / "data"
    done = run_workbench(
        "import", str(REALDATA / source), "--mapping", str(MAPPINGS / mapping), "--out", str(data)
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((data / "import" / "report.json").read_text())
    for file, n in expect.items():
        assert report["made"][file] == n
        frame = pd.read_csv(data / f"{file}.csv", dtype=str, keep_default_na=False)
        assert len(frame) == n
    for file in report["sources"]:
        assert report["sources"][file]["made_rows"] == report["sources"][file]["read"]
    out = tmp_path / "out"
    analysed = run_workbench("analyze", str(data), "--out", str(out))
    assert analysed.returncode == 0, analysed.stderr
    summary = json.loads((out / "summary.json").read_text())
    if source == "fincen":
        # every beneficiary bank is one organisation: the money they receive is the money paid,
        # each payment counted once however many rows name the bank
        receivers = pd.read_csv(out / "flow_receivers.csv")
        paid = pd.read_csv(data / "payments.csv")
        assert (receivers["entity_kind"] == "org").all()
        assert receivers["received"].sum() == pytest.approx(paid["amount"].sum(), rel=1e-9)
        assert receivers["payments"].sum() == len(paid)
    for file, n in expect.items():
        counts = summary["files"][file]
        assert counts["read"] == n == counts["loaded"] + counts["quarantined"] + counts["duplicates"]


def test_imported_rows_cite_the_exports_own_lines(tmp_path):
    data = tmp_path / "data"
    import_folder(REALDATA / "fincen", MAPPINGS / "fincen_transactions.yml", data)
    payments = pd.read_csv(data / "payments.csv", dtype=str, keep_default_na=False)
    source = pd.read_csv(REALDATA / "fincen" / "download_transactions_map.csv", dtype=str)
    first = payments.iloc[0]
    line = int(first["source_record_id"].split(":")[1])
    row = source.iloc[line - 2]  # line 1 is the header
    assert first["payment_id"] == f"fincen-{row['id']}"
    assert first["from_account"] == row["originator_bank_id"]
    assert first["paid_at"] == pd.to_datetime(row["begin_date"], format="%b %d, %Y").strftime("%Y-%m-%d")
    # a bank named by many flows is one organisation; one named twice with other words is set aside
    organisations = pd.read_csv(data / "organizations.csv", dtype=str)
    assert organisations["org_id"].is_unique
    banks = set(source["originator_bank_id"]) | set(source["beneficiary_bank_id"])
    assert set(organisations["org_id"]) == banks


def test_paysim_label_is_kept_apart_from_the_analysis(tmp_path):
    data = tmp_path / "data"
    import_folder(REALDATA / "paysim2", MAPPINGS / "paysim2_clients.yml", data)
    sellers = pd.read_csv(data / "sellers.csv", dtype=str, keep_default_na=False)
    clients = pd.read_csv(REALDATA / "paysim2" / "clients.csv", dtype=str)
    assert list(sellers["isfraud"]) == list(clients["isfraud"])
    assert "status" not in sellers  # the label does not become a ban the scoring would read


TRANSFORMS = {
    "export": """\
        client no,full name,joined,state,mobile,area,street
        C-001,Wang Xiaoming,03/02/2024,Blocked,138 0013 8000,Futian,Shennan Road 1
        C-002,Li Na,2024-13-45,open,,Nanshan,Keyuan Road 9
        C-003,Zhang San,04/02/2024,unheard,139-0013-9000,,Baoan Avenue 3
    """
}


def test_every_transform_and_one_row_making_several_files(tmp_path):
    src = write_folder(tmp_path / "src", TRANSFORMS)
    mapping = _mapping(
        tmp_path,
        """
        name: transforms
        read:
          - file: export.csv
            make:
              sellers:
                seller_id: {column: client no, strip_prefix: "C-", prefix: "shop-"}
                shop_name: {column: full name, split: {on: " ", part: last}}
                registered_at: {column: joined, date: "%d/%m/%Y"}
                status: {column: state, map: {blocked: banned, open: active}}
                extra:
                  family_name: {column: full name, split: {on: " ", part: first}}
              seller_links:
                - seller_id: {column: client no, strip_prefix: "C-", prefix: "shop-"}
                  kind: {constant: phone}
                  value: mobile
                - seller_id: {column: client no, strip_prefix: "C-", prefix: "shop-"}
                  kind: {constant: address}
                  value: {column: client no, prefix: "addr-"}
              addresses:
                address_id: {column: client no, prefix: "addr-"}
                text: {columns: [street, area], join: ", "}
                kind: {constant: unknown, default: unknown}
        """,
    )
    out = tmp_path / "data"
    report = import_folder(src, mapping, out)
    sellers = pd.read_csv(out / "sellers.csv", dtype=str, keep_default_na=False)
    assert list(sellers["seller_id"]) == ["shop-001"]  # rows 3 and 4 broke a rule
    first = sellers.iloc[0]
    assert (first["shop_name"], first["family_name"]) == ("Xiaoming", "Wang")
    assert (first["registered_at"], first["status"]) == ("2024-02-03", "banned")
    quarantine = report.quarantined
    reasons = quarantine.groupby(quarantine["line"].astype(int))["reason"].agg(" | ".join)
    assert "not a date in the format %d/%m/%Y (no sellers row made)" in reasons[3]
    assert "word unheard is not in the mapping's map: (no sellers row made)" in reasons[4]
    links = pd.read_csv(out / "seller_links.csv", dtype=str, keep_default_na=False)
    # the row with no phone still gives its address link; the empty phone is set aside, named
    assert set(links.loc[links["kind"] == "phone", "seller_id"]) == {"shop-001", "shop-003"}
    empty = quarantine[quarantine["reason"].str.startswith("empty")]
    assert list(empty["line"].astype(int)) == [3] and list(empty["field"]) == ["seller_links.value"]
    addresses = pd.read_csv(out / "addresses.csv", dtype=str, keep_default_na=False)
    assert addresses.set_index("address_id").loc["addr-C-003", "text"] == "Baoan Avenue 3"  # no dangling ", "
    assert addresses.set_index("address_id").loc["addr-C-001", "text"] == "Shennan Road 1, Futian"
    assert set(addresses["source_record_id"]) == {"export.csv:2", "export.csv:3", "export.csv:4"}


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        (
            "read:\n  - file: export.csv\n    make:\n      seller:\n        seller_id: a\n",
            4,
            "not an input file",
        ),
        (
            "read:\n  - file: export.csv\n    make:\n      sellers:\n"
            "        seller_id: a\n        shopname: b\n",
            6,
            "no field 'shopname'",
        ),
        (
            "read:\n  - file: export.csv\n    make:\n      sellers:\n        seller_id: {colum: a}\n",
            5,
            "unknown rule 'colum'",
        ),
        (
            "read:\n  - file: export.csv\n    make:\n      seller_links:\n        seller_id: a\n",
            5,
            "needs kind, value",
        ),
        (
            "read:\n  - file: export.csv\n    make:\n      seller_links:\n        seller_id: a\n"
            "        kind: {constant: mail}\n        value: b\n",
            6,
            "'mail' is not one of",
        ),
        (
            "read:\n  - file: export.csv\n    make:\n      sellers:\n"
            "        seller_id: a\n        seller_id: b\n",
            6,
            "twice",
        ),
        (
            "read:\n  - file: ../../etc/passwd.csv\n    make:\n      sellers: {seller_id: a}\n",
            2,
            "inside the source",
        ),
        ("read:\n  - file: export.csv\n    make: [\n", 4, "not valid YAML"),
        (
            "read:\n  - file: export.csv\n    make:\n      sellers:\n        seller_id: a\n"
            "        extra:\n          status: b\n",
            7,
            "plain name",
        ),
    ],
)
def test_mapping_mistakes_name_their_line(tmp_path, text, line, says):
    path = tmp_path / "bad.yml"
    path.write_text(text)
    with pytest.raises(MappingError) as caught:
        read_mapping(path)
    message = str(caught.value)
    assert f"bad.yml line {line}:" in message and says in message, message


def test_a_column_the_source_lacks_is_named_with_the_columns_it_has(tmp_path):
    src = write_folder(tmp_path / "src", TRANSFORMS)
    mapping = _mapping(
        tmp_path, "read:\n  - file: export.csv\n    make:\n      sellers:\n        seller_id: client\n"
    )
    done = run_workbench("import", str(src), "--mapping", str(mapping), "--out", str(tmp_path / "data"))
    assert done.returncode == 2
    assert "mapping.yml line 5" in done.stderr and "'client' is not in export.csv" in done.stderr
    assert "client no" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists()  # nothing half-written


def test_hostile_source_stays_text_and_loads(tmp_path):
    hostile = '=HYPERLINK("http://x","点击") \'"; DROP TABLE sellers; --'
    frame = pd.DataFrame(
        {
            "shop id": ["h1", "h2"],
            'note": {x: 1}, =1+1': ["a", "b"],
            "name": [hostile, "正常店铺"],
            "phone": ["+86 138 0013 8000", "+86 138 0013 8000"],
            "ID card": ["110101199001011234", "110101199001011234"],
        }
    )
    (tmp_path / "src").mkdir()
    frame.to_csv(tmp_path / "src" / "shops.csv", index=False)
    drafted = run_workbench("import", str(tmp_path / "src"), "--infer", "--out", str(tmp_path / "m.yml"))
    assert drafted.returncode == 0, drafted.stderr
    mapping = read_mapping(tmp_path / "m.yml")  # the hostile column name is quoted, not YAML
    sellers_rule = mapping.reads[0].outputs[0]
    assert sellers_rule.fields["shop_name"].columns == ("name",)
    assert [r.columns for r in sellers_rule.extra.values()] == [('note": {x: 1}, =1+1',)]
    data = tmp_path / "data"
    report = import_folder(tmp_path / "src", tmp_path / "m.yml", data)
    assert report.made["sellers"] == 2
    sellers = pd.read_csv(data / "sellers.csv", dtype=str, keep_default_na=False)
    assert sellers.loc[0, "shop_name"] == hostile  # data for the loader, kept as the seller wrote it
    analysed = run_workbench("analyze", str(data), "--out", str(tmp_path / "out"))
    assert analysed.returncode == 0, analysed.stderr
    rings = pd.read_csv(tmp_path / "out" / "rings.csv", dtype=str)
    assert set(rings["seller_id"]) == {"h1", "h2"}  # the shared phone and ID tie them
    # a column name with a line break would shift every row: refused, naming the file and line
    (tmp_path / "src" / "shops.csv").write_text('shop id,"no\nte"\nh1,a\n')
    done = run_workbench("import", str(tmp_path / "src"), "--infer")
    assert done.returncode == 2 and "shops.csv: line 1: a column name holds a line break" in done.stderr


def test_excel_sheet_source(tmp_path):
    (tmp_path / "src").mkdir()
    with pd.ExcelWriter(tmp_path / "src" / "risk.xlsx") as book:
        pd.DataFrame({"x": [1]}).to_excel(book, sheet_name="notes", index=False)
        pd.DataFrame({"Shop ID": ["A1", "A2", "A3"], "Device": ["d-9", "d-9", ""]}).to_excel(
            book, sheet_name="shops", index=False
        )
    mapping = _mapping(
        tmp_path,
        """
        read:
          - file: risk.xlsx
            sheet: shops
            make:
              sellers: {seller_id: Shop ID}
              seller_links: {seller_id: Shop ID, kind: {constant: device}, value: Device}
        """,
    )
    report = import_folder(tmp_path / "src", mapping, tmp_path / "data")
    links = pd.read_csv(tmp_path / "data" / "seller_links.csv", dtype=str)
    assert list(links["value"]) == ["d-9", "d-9"] and list(links["source_record_id"]) == [
        "risk.xlsx:2",
        "risk.xlsx:3",
    ]
    assert list(report.quarantined["line"]) == [4]  # the empty device, named
    wrong = _mapping(
        tmp_path, "read:\n  - file: risk.xlsx\n    sheet: shop\n    make:\n      sellers: {seller_id: a}\n"
    )
    done = run_workbench(
        "import", str(tmp_path / "src"), "--mapping", str(wrong), "--out", str(tmp_path / "d2")
    )
    assert done.returncode == 2 and "risk.xlsx" in done.stderr and "shop" in done.stderr


@pytest.mark.parametrize(("source", "made"), [("paysim2", "seller_links"), ("amlsim", "payments")])
def test_inferred_drafts_import_as_they_are(tmp_path, source, made):
    draft = tmp_path / "draft.yml"
    done = run_workbench("import", str(REALDATA / source), "--infer", "--out", str(draft))
    assert done.returncode == 0, done.stderr
    report = import_folder(REALDATA / source, draft, tmp_path / "data")
    assert report.made[made] > 0
    if source == "paysim2":
        links = pd.read_csv(tmp_path / "data" / "seller_links.csv", dtype=str)
        assert set(links["kind"]) == {"email", "phone", "person_id"}  # from names: email, phonenumber, ssn


def test_usage_mistakes_exit_2_with_one_line(tmp_path):
    for args, says in [
        (["import", str(REALDATA / "paysim2")], "--out"),
        (["import", str(REALDATA / "paysim2"), "--out", str(tmp_path / "d")], "--mapping FILE.yml, or --ftm"),
        (["import", str(tmp_path / "nothing"), "--ftm", "--out", str(tmp_path / "d")], "no such file"),
        (
            ["import", str(REALDATA / "paysim2"), "--mapping", str(tmp_path / "none.yml"), "--out", "d"],
            "no such file",
        ),
    ]:
        done = run_workbench(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert says in done.stderr and "Traceback" not in done.stderr
