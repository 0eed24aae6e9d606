"""The packet's report as police read it: a one-page summary first, test buys with what was bought
and where it shipped from, rights holders, platform, case notes, dates as people write them, the
app's score precision, a warning when the recipient is not the suggested jurisdiction, and in a
redacted packet how to obtain the real values (``workbench resolve-tokens``)."""

from __future__ import annotations

import re
import shutil

import pytest
from pypdf import PdfReader

from tests.conftest import run_workbench
from workbench.leads.packet import build_lead_packet
from workbench.pipeline import analyze
from workbench.store import MemoryStore


@pytest.fixture(scope="module")
def case_store(marketplace, tmp_path_factory):
    """An analysed store whose top ring has a counterfeit test buy and a case note."""
    root = tmp_path_factory.mktemp("police")
    with MemoryStore(root / "store") as store:
        analyze(marketplace, root / "out", store)
        scores = store.result("ring_scores")
        ring_id = scores.sort_values(["ring_score", "size"], ascending=False).iloc[0]["ring_id"]
        store.record_case_event(ring_id, "in progress", "Test buy 2 confirmed by the brand's lab", "li.wei")
    return root, ring_id


@pytest.fixture(scope="module")
def report(case_store):
    root, ring_id = case_store
    built = build_lead_packet(
        MemoryStore(root / "store"), ring_id, root / "packets", recipient="PSB test unit"
    )
    return built, (built.folder / "report.html").read_text(encoding="utf-8")


def _pages(built) -> list[str]:
    return [page.extract_text() for page in PdfReader(built.folder / "report.pdf").pages]


def test_the_first_page_is_the_whole_case_in_brief(report):
    built, _ = report
    first, second = _pages(built)[:2]
    for fact in (
        "The case in one page",
        "Storefronts",
        "Rights holders",
        "Most likely source",
        "Suggested jurisdiction",
        "Test buys",
        "Case",
    ):
        assert fact in first
    assert "seller_id" not in first and "person ID" not in first  # no member table on page 1
    assert "person ID" in second  # the storefront table starts page 2


def test_test_buys_say_what_was_bought_when_and_from_where(case_store, report):
    root, ring_id = case_store
    built, page = report
    store = MemoryStore(root / "store")
    listings = store.table("listings").set_index("listing_id")
    members = set(store.rings().query("ring_id == @ring_id")["seller_id"])
    buys = store.table("test_buys")
    buys = buys[buys["listing_id"].map(listings["seller_id"]).isin(members)]
    assert len(buys)
    for buy in buys.itertuples():
        title = str(listings.loc[buy.listing_id, "title"])
        row = re.search(rf"<tr><td>{buy.test_buy_id}</td>(.*?)</tr>", page).group(1)
        assert str(buy.bought_at)[:10] in row and buy.verdict in row and title in row
        if isinstance(buy.ship_from_address_id, str) and buy.ship_from_address_id:
            assert buy.ship_from_address_id in row


def test_platform_rights_holders_and_case_notes_are_in_the_report(case_store, report):
    root, ring_id = case_store
    _, page = report
    store = MemoryStore(root / "store")
    platforms = set(
        store.table("sellers").query("seller_id in @store.rings().seller_id")["platform"].dropna()
    )
    assert any(p in page for p in platforms)
    holders = store.table("complaints")["rights_holder"].dropna()
    assert any(h in page for h in holders)
    assert "Test buy 2 confirmed by the brand&#39;s lab" in page and "li.wei" in page
    assert "in progress since" in page


def test_dates_without_midnight_times_and_the_score_as_the_app_shows_it(case_store, report):
    root, ring_id = case_store
    built, page = report
    text = page + "\n".join(_pages(built))
    assert "00:00:00" not in text and "+00:00" not in text
    score = MemoryStore(root / "store").result("ring_scores").set_index("ring_id").loc[ring_id, "ring_score"]
    assert f"{score:.3f} (0 to 1)" in page


def test_a_recipient_other_than_the_suggested_jurisdiction_is_warned(case_store, report, tmp_path):
    root, ring_id = case_store
    _, page = report
    assert "this packet is addressed to PSB test unit, but the evidence points to" in page
    city = re.search(r"the evidence points to (.+?) \(", page).group(1)
    right = build_lead_packet(
        MemoryStore(root / "store"), ring_id, tmp_path, recipient=f"Public Security Bureau of {city}"
    )
    assert "but the evidence points to" not in (right.folder / "report.html").read_text(encoding="utf-8")


def test_a_redacted_packet_says_how_to_obtain_the_values_and_the_sender_resolves_them(case_store, tmp_path):
    root, ring_id = case_store
    store_dir = tmp_path / "store"
    shutil.copytree(root / "store", store_dir)
    built = build_lead_packet(MemoryStore(store_dir), ring_id, tmp_path / "out", redact=True, key=b"k")
    page = (built.folder / "report.html").read_text(encoding="utf-8")
    assert f"workbench resolve-tokens {built.packet_id} TOKEN" in page
    token = re.search(r"phone:[0-9a-f]{16}", page).group(0)
    phones = MemoryStore(store_dir).table("seller_links").query("kind == 'phone'")["value"]
    asked = run_workbench(
        "resolve-tokens",
        built.packet_id,
        token,
        "--request",
        "PSB letter 2026-118",
        "--store",
        str(store_dir),
    )
    assert asked.returncode == 0, asked.stderr
    resolved = asked.stdout.strip().split("\t")
    assert resolved[0] == token and resolved[1] in set(phones)
    assert resolved[1] not in page  # the value never went with the packet
    audit = MemoryStore(store_dir).audit_log()
    entry = audit[audit["action"] == "tokens_resolved"].iloc[-1]
    assert "PSB letter 2026-118" in entry["detail"] and token in entry["detail"]

    for args, said in (
        ((built.packet_id, "phone:0000000000000000", "--request", "x"), "has no token"),
        ((built.packet_id, token), "formal request"),
        (("LP-unknown", token, "--request", "x"), "no packet"),
    ):
        done = run_workbench("resolve-tokens", *args, "--store", str(store_dir))
        assert done.returncode != 0 and said in done.stderr and "Traceback" not in done.stderr


def test_the_report_reads_in_chinese_when_asked_and_its_exports_stay_the_same(case_store, report):
    """`workbench packet --language zh`: the report (HTML and PDF) in Chinese, the same facts and
    figures; the exports a police tool reads keep their column names and values."""
    from workbench import i18n

    root, ring_id = case_store
    english, _html = report
    done = run_workbench(
        "packet",
        ring_id,
        "--store",
        str(root / "store"),
        "--out",
        str(root / "zh"),
        "--recipient",
        "PSB test unit",
        "--language",
        "zh",
    )
    assert done.returncode == 0, done.stderr
    folder = next(p for p in (root / "zh").iterdir() if p.is_dir())
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in page
    with i18n.in_language("zh"):
        for heading in ("1. The case in one page", "2. Upstream sources", "Storefronts", "6. Methods"):
            assert f">{i18n._(heading)}<" in page
        summary = i18n._("Suggested jurisdiction")
    assert "The case in one page" not in page and "Suggested jurisdiction" not in page
    first = PdfReader(folder / "report.pdf").pages[0].extract_text()
    assert summary in first and "建议：" in first  # the jurisdiction in Chinese words
    # the same ring, members and score in both
    assert re.search(r"0\.\d{3}", first).group(0) in _pages(english)[0]
    for name in ("members.csv", "identifiers.csv"):
        assert (folder / "exports" / name).read_bytes() == (english.folder / "exports" / name).read_bytes()
    bad = run_workbench(
        "packet", ring_id, "--store", str(root / "store"), "--out", str(root / "fr"), "--language", "fr"
    )
    assert bad.returncode == 2 and "choose one of en, zh" in bad.stderr + bad.stdout
