"""Benchmark scripts run at small scale and print exactly one JSON line with their figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from workbench.analytics.resolution import BLOCK_WINDOW

ROOT = Path(__file__).resolve().parents[2]


def run_script(name: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_analyze_benchmark_reports_timings_and_rows_per_second():
    line = run_script("analyze_embedded.py", "--sellers", "2000", "--rings", "10")
    assert line["sellers"] == 2000
    assert line["loader_rows_per_second"] > 0
    assert {"load", "detect", "trace", "total"} <= set(line["timings"])


def test_scale_benchmark_reports_rows_seconds_per_million_and_the_peak_of_each_step():
    line = run_script("scale.py", "--sellers", "3000", "--rings", "12")
    assert line["sellers"] == 3000 and line["input_rows"] > 3000 and line["rings"] > 0
    total = line["step_seconds"]["total"]
    assert line["seconds_per_million_rows"] == round(total / (line["input_rows"] / 1e6), 2) > 0
    peaks = line["peak_rss_mib_by_end_of"]
    assert {"load", "seller_links", "resolve", "evidence", "detect", "trace", "write"} <= set(peaks)
    # the peak so far never falls, and the last is the process's peak
    assert list(peaks.values()) == sorted(peaks.values()) and list(peaks.values())[-1] == line["peak_rss_mib"]
    # the kernel's seconds are the steps' (and files') own, adding up to the process's
    kernel = line["kernel_seconds_of"]
    assert set(kernel) == set(peaks) and min(kernel.values()) >= 0
    assert abs(sum(kernel.values()) - line["kernel_seconds"]) <= 0.1 * len(kernel) + 0.5
    # and the pages first touched (each fault a page the kernel zeroes): the load's tables alone
    # are thousands of pages, and the steps' add up to the process's
    faults = line["page_faults_of"]
    assert set(faults) == set(peaks) and min(faults.values()) >= 0 and faults["seller_links"] > 1000
    assert sum(faults.values()) <= line["page_faults"]


def test_synth_benchmark_reports_seconds():
    line = run_script("synth_scale.py", "--sellers", "1000", "--rings", "5")
    assert line["rows"] > 1000 and line["seconds"] > 0


def test_decisions_benchmark_shows_ari_rising_and_nothing_else_moving():
    line = run_script("decisions.py", "--sellers", "4000", "--rings", "30", "--count", "2")
    assert line["benchmark"] == "decisions" and line["decisions"] == 2 and line["decisions_applied"] == 2
    assert line["ari_after"] > line["ari_before"]
    assert line["other_sellers_moved"] == 0 and line["other_rings_rescored"] == 0 and line["passed"]


def test_quality_spread_benchmark_reports_every_case_and_the_spread():
    line = run_script("ring_quality_spread.py", "--quick")
    assert len(line["cases"]) == 3 and {c["seed"] for c in line["cases"]} == {5, 1, 2}
    ari = line["spread"]["ari"]
    assert ari["min"] <= ari["median"] <= ari["max"] <= 1.0
    assert ari["min"] == min(c["ari"] for c in line["cases"])


def test_entity_resolution_benchmarks_report_quality_spread_and_speed():
    line = run_script("entity_resolution.py", "--sellers", "2000", "--rings", "12", "--seeds", "3,4")
    assert line["benchmark"] == "entity_resolution" and len(line["runs"]) == 4
    recall = line["spread"]["address_recall"]
    assert recall["min"] <= recall["median"] <= recall["max"] <= 1.0
    speed = run_script("entity_resolution.py", "--speed", "20000", "--seed", "2")
    assert speed["records"] == 20000 and speed["seed"] == 2 and speed["records_per_second"] > 0
    # every record meets at most the window's neighbours per blocking key (two keys)
    assert 0 < speed["pairs_compared"] <= 2 * BLOCK_WINDOW * 20000
    assert speed["address_precision"] >= 0.95 and speed["address_recall"] >= 0.9


def test_screening_benchmark_reports_quality_latency_and_throughput():
    line = run_script("screening.py", "--sellers", "2000", "--rings", "12", "--new", "400")
    assert line["benchmark"] == "screening" and line["registrations"] == 400
    assert 0.5 < line["risk_auc"] <= 1.0 and line["reopened"] == 80
    assert line["one_registration_ms_median"] > 0 and line["batch_seconds"] > 0


def test_app_timing_benchmark_reports_first_and_later_opens_of_every_page():
    line = run_script("app_timing.py", "--sellers", "1500")
    from workbench.app.testing import PAGE_FUNCTIONS

    for page in PAGE_FUNCTIONS:  # every page the app has, the audit trail included
        assert line[f"{page}_first_s"] > 0 and line[f"{page}_again_s"] > 0, page
    assert line["network_expansion_s"] > 0 and line["targets"]["network_first_s"] == 2


def test_scale_benchmark_says_why_the_analysis_failed(tmp_path):
    # a kept folder without the links file: the analysis fails, and the reason shows
    data = tmp_path / "data"
    data.mkdir()
    (data / "sellers.csv").write_text("seller_id\nS1\n")
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "scale.py"), "--keep", str(data)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0 and done.stdout == ""
    assert "missing required file(s) seller_links.csv" in done.stderr
    assert f"the analysis of {data} failed" in done.stderr
    # the analysis's folder beside the data goes, failed or not
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


def test_scale_benchmark_leaves_only_the_kept_data_beside_it(tmp_path):
    # the analysis's store and files are written beside the kept data (its disk) and removed
    line = run_script("scale.py", "--sellers", "2000", "--rings", "8", "--keep", str(tmp_path / "data"))
    assert line["sellers"] == 2000
    assert [p.name for p in tmp_path.iterdir()] == ["data"]
    assert (tmp_path / "data" / "seller_links.csv").exists()
