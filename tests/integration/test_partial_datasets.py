"""Partial datasets are normal: on every combination of missing, empty and header-only files the
workbench runs what the data allows and says what it skipped; on the four partial datasets
investigators bring most (payments only; organisations + payments; shipments only; sellers +
seller_links only) analyze, every app page and a packet work."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_workbench
from workbench.app.testing import PAGE_FUNCTIONS, page_test
from workbench.model import INPUT_FILES, REQUIRED_FILES
from workbench.pipeline import analyze
from workbench.synth.generator import generate_marketplace

OPTIONAL = [name for name in INPUT_FILES if name not in REQUIRED_FILES]
PARTIAL = {
    "payments_only": ["payments"],
    "organisations_and_payments": ["organizations", "org_links", "payments"],
    "shipments_only": ["shipments"],
    "sellers_and_links_only": ["sellers", "seller_links"],
}


@pytest.fixture(scope="module")
def market(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("partial") / "market"
    generate_marketplace(out, sellers=120, rings=4, seed=29)
    return out


def _folder(market: Path, root: Path, keep, empty_required: str = "header") -> Path:
    root.mkdir(parents=True)
    for name in keep:
        shutil.copy(market / f"{name}.csv", root / f"{name}.csv")
    for name in REQUIRED_FILES:
        if name not in keep:
            header = (market / f"{name}.csv").open(encoding="utf-8").readline()
            (root / f"{name}.csv").write_text(header if empty_required == "header" else "")
    return root


def _combination(market: Path, root: Path, number: int, present: tuple[bool, ...]) -> dict:
    """Analyse combination ``number`` (the optional files ``present``) in a folder of its own under
    ``root``; what the test checks of it. Runs in a worker process."""
    shapes = ("absent", "empty", "header")
    keep = [name for name, here in zip(OPTIONAL, present, strict=True) if here]
    sellers = number % 2 == 0
    folder = _folder(market, root / f"c{number}", keep + (list(REQUIRED_FILES) if sellers else []))
    shape = shapes[number % 3]
    for name in OPTIONAL:
        if name not in keep and shape != "absent":
            header = (market / f"{name}.csv").open(encoding="utf-8").readline()
            (folder / f"{name}.csv").write_text(header if shape == "header" else "")
    result = analyze(folder, root / f"o{number}")
    said = json.loads((root / f"o{number}" / "summary.json").read_text())["analyses"]
    shutil.rmtree(folder)
    shutil.rmtree(root / f"o{number}")
    return {
        "keep": keep,
        "sellers": sellers,
        "said": said,
        "rings": len(result.rings),
        "counts": result.loaded.counts,
    }


def test_every_combination_of_optional_files_runs_and_says_what_it_skipped(market, tmp_path):
    """All 2^8 subsets of the optional files (sellers present); each missing file is absent,
    empty or header-only in turn, and the sellers and links are header-only for every other one.
    The 256 analyses run on every core (worker processes), each checked here."""
    combinations = list(enumerate(itertools.product((False, True), repeat=len(OPTIONAL))))
    spawn = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
    with ProcessPoolExecutor(max_workers=max(2, os.cpu_count() or 1), mp_context=spawn) as workers:
        runs = list(
            workers.map(
                _combination,
                *zip(*((market, tmp_path, number, present) for number, present in combinations), strict=True),
            )
        )
    assert len(runs) == 2 ** len(OPTIONAL)
    for run in runs:
        keep, sellers, said = run["keep"], run["sellers"], run["said"]
        # a file counts once it has rows loaded (shipments without addresses are all quarantined)
        rows = {name for name, counts in run["counts"].items() if counts["loaded"]}
        assert said["rings"]["ran"] == sellers, keep
        assert said["money_flows"]["ran"] == ("payments" in rows)
        assert said["upstream"]["ran"] == (sellers and bool({"payments", "shipments"} & rows))
        if not said["money_flows"]["ran"]:
            assert said["money_flows"]["lacking"] == ["payments"]
        assert said["map_and_hotspots"]["ran"] == ("addresses" in rows)
        if not sellers:
            assert run["rings"] == 0 and said["rings"]["lacking"] == ["sellers", "seller_links"]
        for name, counts in run["counts"].items():
            assert counts["read"] == counts["loaded"] + counts["quarantined"] + counts["duplicates"], name


@pytest.mark.parametrize("dataset", list(PARTIAL))
def test_partial_dataset_analyze_app_pages_and_packet(market, tmp_path, dataset, monkeypatch):
    folder = _folder(market, tmp_path / "data", PARTIAL[dataset])
    store = tmp_path / "store"
    done = run_workbench("analyze", str(folder), "--store", str(store), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    ran = {name for name, said in summary["analyses"].items() if said["ran"]}
    flows = pd.read_csv(tmp_path / "out" / "flows.csv")
    receivers = pd.read_csv(tmp_path / "out" / "flow_receivers.csv")
    if "payments" in PARTIAL[dataset]:
        assert "money_flows" in ran and len(flows)
        assert flows["payments"].sum() == summary["files"]["payments"]["loaded"]
        assert len(receivers) and (receivers["payers"] > 0).any()
    if dataset == "organisations_and_payments":
        # the accounts organisations hold make them, not bare accounts, the ranked receivers
        assert (receivers["entity_kind"] == "org").any()
        assert receivers.loc[receivers["entity_kind"] == "org", "name"].str.len().gt(0).all()
    if dataset == "shipments_only":
        assert ran >= {"flow_receivers"} and "money_flows" not in ran
        assert receivers["parcels_sent"].sum() > 0
    # every page draws on what the store holds, without an exception
    monkeypatch.setenv("WORKBENCH_STORE", str(store))
    for page in PAGE_FUNCTIONS:
        at = page_test(page, role="lead").run()
        assert not at.exception, (page, at.exception)
    overview = page_test("overview", role="lead").run()
    if dataset != "sellers_and_links_only":
        assert "What this data allows" in [s.value for s in overview.subheader]
        # the Leads page offers the flows packet when there is no ring, and builds it
        leads = page_test("leads", role="lead").run()
        button = next(b for b in leads.button if b.label == "Build flows packet")
        leads = button.click().run()
        assert not leads.exception and any("built" in s.value for s in leads.success)
    packets = tmp_path / "packets"
    if dataset == "sellers_and_links_only":
        rings = pd.read_csv(tmp_path / "out" / "rings.csv", dtype=str)
        done = run_workbench("packet", rings["ring_id"].iloc[0], "--store", str(store), "--out", str(packets))
    else:
        refused = run_workbench("packet", "R-anything", "--store", str(store), "--out", str(packets))
        assert refused.returncode == 2 and "holds no rings" in refused.stderr and "--flows" in refused.stderr
        done = run_workbench("packet", "--flows", "--redact", "--store", str(store), "--out", str(packets))
    assert done.returncode == 0, done.stderr
    archive = next(packets.glob("*.zip"))
    verified = run_workbench("verify", str(archive))
    assert verified.returncode == 0, verified.stderr
    if dataset != "sellers_and_links_only":
        exports = next(p for p in packets.iterdir() if p.is_dir()) / "exports"
        text = "".join(p.read_text(encoding="utf-8") for p in exports.iterdir())
        payments = (
            pd.read_csv(folder / "payments.csv", dtype=str) if (folder / "payments.csv").exists() else None
        )
        if payments is not None:
            # redacted: no account number leaves in any export
            assert not any(
                account in text
                for account in set(payments["from_account"].dropna()) | set(payments["to_account"].dropna())
            )
