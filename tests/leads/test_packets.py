"""Lead packets: manifest and verification, exports that parse and validate, a PDF that opens,
redaction that leaves no raw identifier anywhere, escaping, and the case register."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from followthemoney import model
from pypdf import PdfReader

from tests.conftest import run_workbench
from workbench.leads.manifest import sha256_file, verify_packet
from workbench.leads.packet import build_lead_packet
from workbench.model import LINK_KINDS
from workbench.pipeline import analyze
from workbench.store import MemoryStore


@pytest.fixture(scope="module")
def analysed(marketplace, tmp_path_factory):
    root = tmp_path_factory.mktemp("leads")
    with MemoryStore(root / "store") as store:
        analyze(marketplace, root / "out", store)
    scores = MemoryStore(root / "store").result("ring_scores")
    ring_id = scores.sort_values(["ring_score", "size"], ascending=False).iloc[0]["ring_id"]
    return root, ring_id


@pytest.fixture(scope="module")
def packet(analysed):
    root, ring_id = analysed
    return build_lead_packet(
        MemoryStore(root / "store"), ring_id, root / "packets", recipient="PSB test unit"
    )


@pytest.fixture(scope="module")
def redacted(analysed):
    root, ring_id = analysed
    return build_lead_packet(
        MemoryStore(root / "store"), ring_id, root / "redacted", redact=True, key=b"test"
    )


def test_manifest_lists_every_file_with_its_hash(packet):
    manifest = json.loads((packet.folder / "manifest.json").read_text())
    files = {p.relative_to(packet.folder).as_posix() for p in packet.folder.rglob("*") if p.is_file()}
    assert set(manifest["files"]) == files - {"manifest.json", "manifest.sig"}
    for name, digest in manifest["files"].items():
        assert sha256_file(packet.folder / name) == digest
    assert manifest["ring_id"] == packet.ring_id and manifest["packet_id"] == packet.packet_id
    assert manifest["input_fingerprint"] and manifest["parameters"]["method"] == "leiden"
    assert manifest["software_version"] and manifest["created_at"]


def test_verify_passes_then_catches_one_changed_byte(packet, tmp_path):
    assert verify_packet(packet.folder).problems == []
    assert verify_packet(packet.zip_path).problems == []
    copy = tmp_path / "copy.zip"
    with zipfile.ZipFile(packet.zip_path) as source, zipfile.ZipFile(copy, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("exports/links.csv"):
                data = data[:-2] + bytes([data[-2] ^ 1]) + data[-1:]  # flip one bit
            target.writestr(item, data)
    problems = verify_packet(copy).problems
    assert len(problems) == 1 and problems[0].startswith("exports/links.csv: changed")
    done = run_workbench("verify", str(copy))
    assert done.returncode == 1 and "FAILED exports/links.csv" in done.stdout
    assert run_workbench("verify", str(packet.zip_path)).returncode == 0


def test_ftm_entities_validate_against_the_model(packet):
    lines = (packet.folder / "exports" / "entities.ftm.jsonl").read_text().splitlines()
    schemata = set()
    for line in lines:
        data = json.loads(line)
        schema = model.get(data["schema"])
        schema.validate(data)  # raises InvalidData on a bad entity
        proxy = model.get_proxy(data)
        assert proxy.id == data["id"]
        schemata.add(schema.name)
    assert {"UserAccount", "Person", "Organization", "Address", "BankAccount", "Payment"} <= schemata
    accounts = [json.loads(line) for line in lines if '"UserAccount"' in line]
    assert all(a["properties"]["notes"][0].startswith("sellers.csv:") for a in accounts)  # provenance


def test_graphml_geojson_and_csv_exports_parse(packet):
    graph = nx.read_graphml(packet.folder / "exports" / "ring.graphml")
    members = pd.read_csv(packet.folder / "exports" / "members.csv")
    sellers = [n for n, d in graph.nodes(data=True) if d.get("label") == "Seller"]
    assert len(sellers) == len(members) >= 2
    assert all("provenance" in d for _, _, d in graph.edges(data=True))
    geo = json.loads((packet.folder / "exports" / "locations.geojson").read_text())
    assert geo["type"] == "FeatureCollection" and geo["features"]
    links = pd.read_csv(packet.folder / "exports" / "links.csv")
    assert links["provenance"].notna().all()


def test_pdf_opens_and_holds_the_report(packet):
    reader = PdfReader(packet.folder / "report.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2
    assert packet.ring_id in text and "Upstream sources" in text and "Methods" in text


def test_hostile_shop_names_show_as_text_in_the_report(analysed, tmp_path):
    from workbench.leads.case import assemble_case
    from workbench.leads.report import report_facts, write_html

    root, ring_id = analysed
    case = assemble_case(MemoryStore(root / "store"), ring_id)
    hostile = '<script>alert("xss")</script>'
    case.members.loc[0, "shop_name"] = hostile
    html = write_html(report_facts(case, "LP-test", "now", "unit", False), tmp_path / "r.html").read_text()
    assert hostile not in html
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in html


def test_redacted_packet_contains_no_raw_identifier(analysed, marketplace, redacted):
    root, ring_id = analysed
    store = MemoryStore(root / "store")
    members = store.rings().query("ring_id == @ring_id")["seller_id"]
    raw = pd.read_csv(marketplace / "seller_links.csv", dtype=str, keep_default_na=False)
    personal = raw[
        raw["seller_id"].isin(members) & raw["kind"].isin(["person_id", "phone", "email", "bank_account"])
    ]
    normalised = store.table("seller_links")
    normalised = normalised[
        normalised["seller_id"].isin(members)
        & normalised["kind"].isin(["person_id", "phone", "email", "bank_account"])
    ]
    secrets = set(personal["value"]) | set(normalised["value"])
    secrets = {s for s in secrets if len(s) >= 6}
    assert secrets
    texts = {}
    for path in redacted.folder.rglob("*"):
        if path.suffix in (".csv", ".html", ".json", ".jsonl", ".graphml", ".gexf", ".cypher", ".geojson"):
            texts[path.name] = path.read_text(encoding="utf-8")
        elif path.suffix == ".anx":  # i2 charts are UTF-16 XML
            texts[path.name] = path.read_bytes().decode("utf-16")
        elif path.suffix == ".pdf":
            texts[path.name] = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    with zipfile.ZipFile(redacted.zip_path) as archive:
        texts["zip"] = "\n".join(
            archive.read(n).decode("utf-16" if n.endswith(".anx") else "utf-8", "ignore")
            for n in archive.namelist()
            if not n.endswith((".png", ".pdf"))
        )
    leaks = {(name, s) for name, text in texts.items() for s in secrets if s in text}
    assert not leaks
    assert "person_id:" in texts["members.csv"] and "bank_account:" in texts["members.csv"]


def test_packets_are_recorded_in_the_case_register(analysed, packet, redacted):
    root, ring_id = analysed
    register = MemoryStore(root / "store").case_register().set_index("packet_id")
    assert register.loc[packet.packet_id, "zip_sha256"] == sha256_file(packet.zip_path)
    assert register.loc[packet.packet_id, "recipient"] == "PSB test unit"
    assert bool(register.loc[redacted.packet_id, "redacted"]) is True


def test_packet_command_and_unknown_ring(analysed, tmp_path):
    root, ring_id = analysed
    done = run_workbench(
        "packet", ring_id, "--store", str(root / "store"), "--out", str(tmp_path), "--redact"
    )
    assert done.returncode == 0, done.stderr
    assert len(list(Path(tmp_path).glob("LP-*.zip"))) == 1
    done = run_workbench("packet", "R-nope", "--store", str(root / "store"), "--out", str(tmp_path))
    assert done.returncode == 2 and "no ring 'R-nope'" in done.stderr


def test_associates_are_in_the_packet_apart_from_the_members(analysed, tmp_path):
    root, _ = analysed
    store = MemoryStore(root / "store")
    associates = store.result("associates")
    ring_id = associates["ring_id"].value_counts().index[0]
    mine = associates[associates["ring_id"] == ring_id]
    for redact in (False, True):
        built = build_lead_packet(store, ring_id, tmp_path / str(redact), redact=redact, key=b"k")
        members = pd.read_csv(built.folder / "exports" / "members.csv", dtype=str)
        listed = pd.read_csv(built.folder / "exports" / "associates.csv", dtype=str)
        assert set(listed["seller_id"]) == set(mine["seller_id"])
        assert not set(listed["seller_id"]) & set(members["seller_id"])
        assert (listed["standing"] == "associated, not established").all()
        text = " ".join(page.extract_text() for page in PdfReader(built.folder / "report.pdf").pages)
        assert "Associated, not established" in text and mine["seller_id"].iloc[0] in text
        html = (built.folder / "report.html").read_text()
        assert "Associated, not established" in html
        personal = [
            part.split(" ", 1)[1]
            for ties in mine["ties"]
            for part in ties.split(" | ")
            if part.split(" ", 1)[0] in ("device", "ip", "phone", "person_id", "bank_account", "email")
        ]
        everything = "".join(p.read_text(errors="ignore") for p in built.folder.rglob("*.csv")) + text + html
        if redact:
            assert personal and not any(value in everything for value in personal)
        else:
            assert all(
                value in (built.folder / "exports" / "associates.csv").read_text() for value in personal
            )


def test_a_source_recorded_under_several_names_says_so_in_the_packet(tmp_path):
    from workbench.synth.generator import generate_marketplace

    generate_marketplace(tmp_path / "data", sellers=1200, rings=8, seed=29, scenario="split-source")
    with MemoryStore(tmp_path / "store") as store:
        analyze(tmp_path / "data", tmp_path / "out", store)
    store = MemoryStore(tmp_path / "store")
    upstream = store.upstream()
    top = upstream[(upstream["rank"] == 1) & (upstream["aliases"] != "")].iloc[0]
    built = build_lead_packet(store, top["ring_id"], tmp_path / "packet")
    aliases = top["aliases"].split(";")
    html = (built.folder / "report.html").read_text()
    assert f"also recorded as {', '.join(aliases)}" in html
    text = " ".join(page.extract_text() for page in PdfReader(built.folder / "report.pdf").pages)
    assert "also recorded as" in text and aliases[0] in text
    exported = pd.read_csv(built.folder / "exports" / "upstream.csv", dtype=str).fillna("")
    assert exported.loc[exported["rank"] == "1", "aliases"].iloc[0] == top["aliases"]


def test_anx_gexf_and_cypher_hold_the_case_graph(packet):
    import xml.etree.ElementTree as ET

    folder = packet.folder / "exports"
    graphml = nx.read_graphml(folder / "ring.graphml")
    gexf = nx.read_gexf(folder / "ring.gexf")
    assert (gexf.number_of_nodes(), gexf.number_of_edges()) == (
        graphml.number_of_nodes(),
        graphml.number_of_edges(),
    )
    chart = ET.fromstring((folder / "chart.anx").read_bytes().decode("utf-16"))
    items = chart.findall(".//ChartItem")
    entities = [i for i in items if i.find(".//End") is not None]
    links = [i for i in items if i.find(".//Link") is not None]
    assert len(entities) == graphml.number_of_nodes() and len(links) == graphml.number_of_edges()
    # a link's provenance is kept as an attribute
    assert any("csv:" in (a.get("Value") or "") for a in chart.iter("Attribute"))
    # the timeline: every dated link (registration, waybill, payment) carries its day
    dated = sorted(d["date"] for *_, d in graphml.edges(data=True) if d.get("date"))
    on_chart = sorted(i.get("DateTime")[:10] for i in links if i.get("DateSet") == "true")
    assert dated and on_chart == dated
    payments = pd.read_csv(folder / "payments.csv", dtype=str)
    assert set(payments["paid_at"].str[:10]) <= set(dated)
    script = (folder / "ring.cypher").read_text().splitlines()
    assert sum(line.startswith("MERGE ") for line in script) == graphml.number_of_nodes()
    assert sum(line.startswith("MATCH ") for line in script) == graphml.number_of_edges()
    manifest = json.loads((packet.folder / "manifest.json").read_text())
    listed = json.dumps(manifest)
    assert all(name in listed for name in ("chart.anx", "ring.gexf", "ring.cypher"))


def test_ftm_export_imported_again_gives_the_same_ring(packet, tmp_path):
    """FtM round trip: members, the identifiers that tie them, and payments come back as they left."""
    from workbench.imports.ftm import import_ftm

    exports = packet.folder / "exports"
    data = tmp_path / "data"
    report = import_ftm(exports / "entities.ftm.jsonl", data)
    assert report.unplaced == {} and len(report.quarantined) == 0
    members = pd.read_csv(exports / "members.csv", dtype=str, keep_default_na=False)
    sellers = pd.read_csv(data / "sellers.csv", dtype=str, keep_default_na=False)
    assert sorted(sellers["seller_id"]) == sorted(members["seller_id"])
    assert dict(zip(sellers["seller_id"], sellers["shop_name"], strict=True)) == dict(
        zip(members["seller_id"], members["shop_name"], strict=True)
    )
    tying = pd.read_csv(exports / "identifiers.csv", dtype=str, keep_default_na=False)
    # a shared supplier is a tie the analysis derives from shipments, not an identifier of a storefront
    tying = tying[tying["kind"].isin(LINK_KINDS)]
    links = pd.read_csv(data / "seller_links.csv", dtype=str, keep_default_na=False)
    imported = set(links[["seller_id", "kind", "value"]].itertuples(index=False, name=None))
    assert set(tying[["seller_id", "kind", "value"]].itertuples(index=False, name=None)) <= imported
    for column in ("person_id", "phone", "email", "bank_account"):
        own = {(m.seller_id, column, getattr(m, column)) for m in members.itertuples() if getattr(m, column)}
        assert own <= imported, column
    paid = pd.read_csv(exports / "payments.csv", dtype=str, keep_default_na=False)
    back = pd.read_csv(data / "payments.csv", dtype=str, keep_default_na=False)
    columns = ["payment_id", "from_account", "to_account"]
    assert sorted(back[columns].itertuples(index=False)) == sorted(paid[columns].itertuples(index=False))
    assert sorted(back["amount"].astype(float)) == sorted(paid["amount"].astype(float))
    # and the workbench finds the ring again in what came back
    out = tmp_path / "out"
    analyze(data, out)
    rings = pd.read_csv(out / "rings.csv", dtype=str)
    assert rings["ring_id"].nunique() == 1 and set(rings["seller_id"]) == set(members["seller_id"])


def test_ftm_import_reports_what_has_no_place_and_sets_aside_bad_lines(tmp_path):
    from workbench.imports.ftm import import_ftm

    vessel = model.make_entity("Vessel")
    vessel.make_id("v1")
    vessel.add("name", "Ever Given")
    account = model.make_entity("UserAccount")
    account.make_id("u1")
    account.add("username", "shop-1")
    account.add("name", '=cmd|" /C calc"!A0 联系')
    account.add("email", "a@b.cn")
    payment = model.make_entity("Payment")
    payment.make_id("p1")
    payment.add("amount", "10")
    lines = [json.dumps(e.to_dict()) for e in (vessel, account, payment)]
    lines += ['{"id": "x", "schema": "NotASchema"}', "not json", '{"schema": "Person"}']
    path = tmp_path / "in.ftm.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = import_ftm(path, tmp_path / "data")
    assert report.unplaced == {"Vessel": 1}
    reasons = report.quarantined.set_index("line")["reason"]
    assert set(reasons.index) == {3, 4, 5, 6}
    assert "without both sides" in reasons[3] and "not a FollowTheMoney schema" in reasons[4]
    sellers = pd.read_csv(tmp_path / "data" / "sellers.csv", dtype=str, keep_default_na=False)
    assert list(sellers["shop_name"]) == ['=cmd|" /C calc"!A0 联系']
    done = run_workbench("import", str(path), "--ftm", "--out", str(tmp_path / "again"))
    assert done.returncode == 0 and "1 Vessel" in done.stderr
