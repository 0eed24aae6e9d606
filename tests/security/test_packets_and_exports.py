"""Trust in what leaves the workbench: signed packets that name any change, verify refusing what
could attack it, packets that always build, allow-list redaction, spreadsheet-safe CSV,
well-formed GraphML and a PDF that reads Chinese."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from pypdf import PdfReader

from tests.conftest import run_workbench, write_folder
from workbench.leads.packet import build_lead_packet
from workbench.leads.signing import init_signing_key
from workbench.pipeline import analyze
from workbench.safe_output import _FORMULA_START, _PLAIN_NUMBER
from workbench.store import MemoryStore

HOSTILE_NAME = '=HYPERLINK("http://evil.example","点击")'
LONG_NAME = "王" * 10_000
SECRETS = {"recipient_name": "张秘密收件人", "recipient_phone": "13912345678", "contact_phone": "13787654321"}


def _hostile_market(root: Path) -> Path:
    """Four storefronts of one operation (one person ID, one payout account) with Chinese names,
    a formula for a shop name, a 10,000-character name, a control character, a seller row
    repeated 600 times, and personal extra columns the model does not know."""
    sellers = ["seller_id,shop_name,platform,registered_at,status,owner_mobile"]
    names = ["王氏旗舰店", HOSTILE_NAME, LONG_NAME, "bell\x07shop"]
    for i, name in enumerate(names, start=1):
        quoted = '"' + name.replace('"', '""') + '"'
        sellers.append(f"S{i},{quoted},taobao,2026-0{i}-01T00:00:00Z,active,1360000000{i}")
    sellers += [sellers[1]] * 599  # the first seller's row 600 times in all
    links = ["seller_id,kind,value,role"]
    for i in range(1, 5):
        links += [f"S{i},person_id,440301199001011234,", f"S{i},bank_account,6222020000000001,"]
        links += [f"S{i},address,A{i},registered"]
    addresses = ["address_id,text,lat,lon,city,province,country,kind"]
    for i in range(1, 5):
        addresses.append(f"A{i},深圳市南山区科技园{i}号,22.5{i}1234,113.9{i}5678,深圳,广东,CN,residential")
    addresses.append("W1,东莞市工业路123号,23.02,113.75,东莞,广东,CN,warehouse")
    folder = write_folder(
        root,
        {
            "sellers": "\n".join(sellers) + "\n",
            "seller_links": "\n".join(links) + "\n",
            "addresses": "\n".join(addresses) + "\n",
            "organizations": "org_id,name,kind,address_id\nO1,东莞市恒华皮具厂,factory,W1\n",
            "listings": (
                "listing_id,seller_id,title,brand,price,listed_at,contact_phone\n"
                f"L1,S1,包,LV,500,2026-05-01T00:00:00Z,{SECRETS['contact_phone']}\n"
            ),
            "shipments": (
                "waybill,from_address_id,to_address_id,shipped_at,sender_kind,sender_id,"
                "recipient_kind,recipient_id,parcels,recipient_name,recipient_phone\n"
                f"WB1,W1,A1,2026-05-02T00:00:00Z,org,O1,seller,S1,40,{SECRETS['recipient_name']},"
                f"{SECRETS['recipient_phone']}\n"
            ),
            "payments": (
                "payment_id,from_account,to_account,amount,paid_at\n"
                "P1,6222020000000001,6222029999999999,90000,2026-05-03T00:00:00Z\n"
            ),
            "org_links": "org_id,kind,value\nO1,bank_account,6222029999999999\n",
        },
    )
    return folder


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    data = _hostile_market(root / "data")
    with MemoryStore(root / "store") as store:
        analyze(data, root / "out", store)
    store = MemoryStore(root / "store")
    rings = store.rings()
    assert set(rings["seller_id"]) == {"S1", "S2", "S3", "S4"}, rings
    return root, store, rings["ring_id"].iloc[0]


@pytest.fixture(scope="module")
def packets(hostile):
    root, store, ring_id = hostile
    full = build_lead_packet(store, ring_id, root / "packets", recipient="深圳市公安局")
    redacted = build_lead_packet(store, ring_id, root / "packets", redact=True, recipient="PSB unit")
    return full, redacted


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_packet_builds_for_hostile_members_and_the_pdf_reads_chinese(packets):
    full, _ = packets
    text = _pdf_text(full.folder / "report.pdf")
    assert "王氏旗舰店" in text and "深圳" in text and "东莞市恒华皮具厂" in text
    assert "?????" not in text
    # shortened in the PDF, and saying so (the PDF wraps the words, so spaces are ignored)
    assert "(10,000characters;wholeintheCSVexports)" in "".join(text.split())
    members = pd.read_csv(full.folder / "exports" / "members.csv", dtype=str).set_index("seller_id")
    assert LONG_NAME in set(members["shop_name"])  # the exports keep every value whole
    assert len(members.loc["S1", "provenance"].split(",")) == 600  # every line of the 600 cited
    assert not list(full.folder.parent.glob(".LP-*"))  # nothing half-built left behind


def test_a_failed_build_leaves_no_packet_folder(hostile, tmp_path, monkeypatch):
    import workbench.leads.packet as packet_module

    root, store, ring_id = hostile

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(packet_module, "write_pdf", broken)
    with pytest.raises(RuntimeError):
        build_lead_packet(store, ring_id, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_every_csv_cell_is_safe_in_a_spreadsheet(packets, hostile):
    root, _, _ = hostile
    full, _ = packets
    csvs = [*full.folder.glob("exports/*.csv"), *(root / "out").glob("*.csv")]
    seen_hostile = False
    for path in csvs:
        if not path.read_text().strip():
            continue  # a table with no columns at all (nothing of that kind in the ring)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for value in [*frame.columns, *frame.to_numpy().ravel()]:
            if value.startswith(_FORMULA_START):
                assert _PLAIN_NUMBER.match(value), (path.name, value)
            seen_hostile |= value == "'" + HOSTILE_NAME
    assert seen_hostile  # the shop name is there, as text


def test_graphml_stays_well_formed_with_control_characters(packets):
    full, _ = packets
    graph = nx.read_graphml(full.folder / "exports" / "ring.graphml")
    names = {d.get("name") for _, d in graph.nodes(data=True)}
    assert "bellshop" in names


def test_redacted_packet_carries_no_personal_value_anywhere(packets):
    _, redacted = packets
    secrets = {*SECRETS.values(), "440301199001011234", "6222020000000001", "13600000001"}
    texts = {}
    for path in redacted.folder.rglob("*"):
        if path.suffix == ".pdf":
            texts[path.name] = _pdf_text(path)
        elif path.suffix == ".png":
            texts[path.name] = path.read_bytes().decode("latin-1")  # text chunks (metadata) included
        elif path.suffix == ".anx":  # i2 charts are UTF-16 XML
            texts[path.name] = path.read_bytes().decode("utf-16")
        elif path.is_file():
            texts[path.name] = path.read_text(encoding="utf-8")
    with zipfile.ZipFile(redacted.zip_path) as archive:
        for name in archive.namelist():
            encoding = "utf-16" if name.endswith(".anx") else "utf-8"
            texts[f"zip:{name}"] = archive.read(name).decode(encoding, "ignore")
    leaks = {(name, s) for name, text in texts.items() for s in secrets if s in text}
    assert not leaks
    assert str(Path.cwd()) not in texts["report.html"] and "/tmp/" not in texts["report.html"]
    shipments = pd.read_csv(redacted.folder / "exports" / "shipments.csv")
    assert "recipient_name" not in shipments and "parcels" in shipments  # allow-list, not deny-list
    geo = json.loads(texts["locations.geojson"])
    storefronts = [f for f in geo["features"] if f["properties"]["role"] == "storefront"]
    assert storefronts and all(
        round(c, 2) == c for f in storefronts for c in f["geometry"]["coordinates"]
    )  # ~1 km
    sources = [f for f in geo["features"] if f["properties"]["role"] == "source rank 1"]
    assert sources and sources[0]["geometry"]["coordinates"] == [113.75, 23.02]  # a factory: exact


def test_verify_names_any_change_and_checks_the_signer(packets, tmp_path):
    import shutil

    full, _ = packets
    key = Path(os.environ["WORKBENCH_SIGNING_KEY"] + ".pub")
    done = run_workbench("verify", str(full.zip_path), "--public-key", str(key))
    assert done.returncode == 0 and "signed by the given key SHA256:" in done.stdout
    done = run_workbench("verify", str(full.folder))
    assert done.returncode == 0 and "UNVERIFIED signer" in done.stdout

    def tampered(change) -> subprocess.CompletedProcess:
        copy = tmp_path / f"copy{len(list(tmp_path.iterdir()))}"
        shutil.copytree(full.folder, copy)
        change(copy)
        return run_workbench("verify", str(copy), "--public-key", str(key))

    def edit_manifest(field, value):
        def change(folder):
            manifest = json.loads((folder / "manifest.json").read_text())
            manifest[field] = value
            (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))

        return change

    for field, value in (("ring_id", "R-other"), ("recipient", "someone else"), ("redacted", True)):
        done = tampered(edit_manifest(field, value))
        assert done.returncode == 1 and "changed since it was signed" in done.stdout, field

    def drop_report(folder):
        (folder / "report.pdf").unlink()
        manifest = json.loads((folder / "manifest.json").read_text())
        del manifest["files"]["report.pdf"]
        (folder / "manifest.json").write_text(json.dumps(manifest))

    assert "changed since it was signed" in tampered(drop_report).stdout

    def outside(folder):
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["files"]["../../etc/hostname"] = "0" * 64
        (folder / "manifest.json").write_text(json.dumps(manifest))

    assert "refused, a manifest path outside the packet" in tampered(outside).stdout

    def linked(folder):
        (folder / "exports" / "members.csv").unlink()
        (folder / "exports" / "members.csv").symlink_to("/etc/hostname")

    assert "refused, a symbolic link" in tampered(linked).stdout

    # a packet re-signed by somebody else's key verifies only as "unverified", never as ours
    other = tmp_path / "other.pem"
    init_signing_key(other)
    from workbench.leads.manifest import write_manifest
    from workbench.leads.signing import load_signing_key

    def resigned(folder):
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["recipient"] = "forged"
        facts = {k: v for k, v in manifest.items() if k not in ("files", "signer")}
        write_manifest(folder, facts, load_signing_key(other))

    done = tampered(resigned)
    assert done.returncode == 1 and "not by the given key" in done.stdout


def test_verify_refuses_bombs_links_and_garbage_with_one_line(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("LP-x/manifest.json", "{}")
        archive.writestr("LP-x/exports/big.csv", b"0" * (600 * 1024 * 1024))
    assert bomb.stat().st_size < 2 * 1024 * 1024
    done = run_workbench("verify", str(bomb))
    assert done.returncode == 2 and "would expand to" in done.stderr and "Traceback" not in done.stderr

    escape = tmp_path / "escape.zip"
    with zipfile.ZipFile(escape, "w") as archive:
        archive.writestr("../evil.txt", "x")
    done = run_workbench("verify", str(escape))
    assert done.returncode == 2 and "points outside" in done.stderr

    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{not json")
    done = run_workbench("verify", str(tmp_path / "bad"))
    assert done.returncode == 2 and "not valid JSON" in done.stderr and "Traceback" not in done.stderr
    (tmp_path / "dir" / "manifest.json").mkdir(parents=True)
    done = run_workbench("verify", str(tmp_path / "dir"))
    assert done.returncode == 2 and "not a file" in done.stderr


def test_keys_init_makes_a_private_key_only_its_owner_reads(tmp_path):
    env = {**os.environ, "WORKBENCH_SIGNING_KEY": str(tmp_path / "k" / "unit.pem")}
    done = run_workbench("keys", "init", env=env)
    assert done.returncode == 0 and "fingerprint SHA256:" in done.stdout
    private = tmp_path / "k" / "unit.pem"
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    assert (tmp_path / "k" / "unit.pem.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    again = run_workbench("keys", "init", env=env)
    assert again.returncode == 2 and "exists already" in again.stderr
    private.chmod(0o644)
    done = run_workbench("keys", "show", env=env)
    assert done.returncode == 2 and "readable by others" in done.stderr
