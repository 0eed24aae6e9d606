"""The command line: the batch contract's outputs, and readable exit-2 errors for user mistakes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_workbench, write_folder

run = run_workbench


def test_analyze_writes_the_batch_contract(marketplace, tmp_path):
    out, store = tmp_path / "out", tmp_path / "store"
    done = run("analyze", str(marketplace), "--out", str(out), "--store", str(store))
    assert done.returncode == 0, done.stderr
    rings = pd.read_csv(out / "rings.csv")
    assert list(rings.columns) == ["seller_id", "ring_id", "ring_score"]
    assert rings.groupby("ring_id").size().min() >= 2
    assert rings["ring_score"].between(0, 1).all()
    upstream = pd.read_csv(out / "upstream.csv")
    assert list(upstream.columns) == [
        "ring_id",
        "rank",
        "entity_kind",
        "entity_id",
        "score",
        "aliases",
        "evidence",
    ]
    assert set(upstream["ring_id"]) <= set(rings["ring_id"])
    assert (upstream.groupby("ring_id")["rank"].min() == 1).all()
    quarantine = pd.read_csv(out / "quarantine.csv")
    assert list(quarantine.columns) == ["file", "line", "field", "value", "reason"]
    summary = json.loads((out / "summary.json").read_text())
    for name, c in summary["files"].items():
        assert c["read"] == c["loaded"] + c["quarantined"] + c["duplicates"], name
    assert sum(c["quarantined"] for c in summary["files"].values()) == len(quarantine)
    assert {"load", "detect", "trace", "total"} <= set(summary["timings"])
    from workbench.store import EmbeddedStore

    stored = EmbeddedStore(store, create=False).rings()
    assert stored.equals(pd.read_csv(out / "rings.csv", dtype={"ring_score": float}).astype(stored.dtypes))


def test_same_input_gives_the_same_rings(marketplace, tmp_path):
    for name in ("a", "b"):
        assert run("analyze", str(marketplace), "--out", str(tmp_path / name)).returncode == 0
    a = (tmp_path / "a" / "rings.csv").read_text()
    assert a == (tmp_path / "b" / "rings.csv").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "/no/such/folder", "--out", "/tmp/x"], "no such folder"),
        (["analyze"], "Missing option '--out'"),
        (["analyze", "--out", "/tmp/x"], "name the input folder"),
        (["synth", "--out", "/tmp/x", "--scenario", "nightmare"], "unknown 'nightmare'"),
        (["synth", "--out", "/tmp/x", "--sellers", "100", "--rings", "500"], "ask for more sellers"),
        (["app", "--store", "/no/such/store"], "no store here"),
        (["frobnicate"], "No such command"),
    ],
)
def test_user_mistakes_exit_2_with_one_readable_line(args, message):
    done = run(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_file_without_required_column_exits_2_naming_it(tmp_path):
    folder = write_folder(tmp_path, {"sellers": "shop_name\nx\n", "seller_links": "seller_id,kind,value\n"})
    done = run("analyze", str(folder), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "sellers.csv: missing required column(s) seller_id" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_explains_options_and_console_script_exists():
    done = run("analyze", "--help")
    assert done.returncode == 0 and "--store" in done.stdout and "--out" in done.stdout
    script_path = Path(sys.executable).parent / "workbench"
    script = subprocess.run([str(script_path), "--help"], capture_output=True, text=True)
    assert script.returncode == 0 and "synth" in script.stdout


def test_synth_then_load_reports_counts(tmp_path):
    assert run("synth", "--out", str(tmp_path / "d"), "--sellers", "300", "--rings", "3").returncode == 0
    done = run("load", str(tmp_path / "d"), "--store", str(tmp_path / "s"))
    assert done.returncode == 0, done.stderr
    assert "seller_links" in done.stdout
    facts = json.loads(run("info", "--store", str(tmp_path / "s"), "--json").stdout)
    assert facts["complete"] and facts["tables"]["seller_links"] > 0
    assert [(s["name"], s["version"]) for s in facts["sources"]] == [("d", 1)]


def test_demo_without_app_stops_after_analysis(tmp_path):
    env = {**__import__("os").environ, "DEMO_NO_APP": "1"}
    done = run("demo", "--dir", str(tmp_path / "demo"), "--sellers", "500", "--rings", "5", env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "demo" / "out" / "rings.csv").exists()
    assert "DEMO_NO_APP" in done.stderr
