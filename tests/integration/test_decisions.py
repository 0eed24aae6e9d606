"""Investigators' decisions: recorded on the CLI, applied by every later analysis, reported as
conflicts when new data contradicts them, undone by withdrawal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_workbench
from workbench.pipeline import analyze
from workbench.store import EmbeddedStore


def _ok(*args: str) -> str:
    done = run_workbench(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def _run(data: Path, store: Path, out: Path) -> dict[str, pd.DataFrame]:
    with EmbeddedStore(store) as graph_store:
        analyze(data, out, graph_store, source="market")
    return {
        name: pd.read_csv(out / f"{name}.csv", dtype=str)
        for name in ("rings", "associates", "upstream", "conflicts")
    } | {"summary": json.loads((out / "summary.json").read_text())}


def _decision_id(output: str) -> str:
    return output.split(":", 1)[0].strip().splitlines()[-1]


@pytest.fixture
def analysed(marketplace, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(marketplace, data)
    store = tmp_path / "store"
    return data, store, _run(data, store, tmp_path / "first")


def _two_rings(rings: pd.DataFrame) -> tuple[str, str]:
    sizes = rings.groupby("ring_id").size().sort_values(ascending=False, kind="stable")
    return sizes.index[0], sizes.index[1]


def test_every_decision_kind_survives_re_runs(analysed, tmp_path):
    data, store, first = analysed
    rings, associates, upstream = first["rings"], first["associates"], first["upstream"]
    big, other = _two_rings(rings)
    members = sorted(rings.loc[rings["ring_id"] == big, "seller_id"])
    associate = associates[~associates["ring_id"].isin([big, other])].iloc[0]
    third = sorted(set(rings["ring_id"]) - {big, other, associate.ring_id})[0]
    third_members = sorted(rings.loc[rings["ring_id"] == third, "seller_id"])
    sources = upstream[upstream["ring_id"] == third].sort_values("rank")
    assert len(sources) >= 2
    rejected, confirmed = sources["entity_id"].iloc[0], sources["entity_id"].iloc[1]
    s = ["--store", str(store)]
    _ok("decide", "not-member", members[0], big, "--reason", "a reseller, checked on site", *s)
    _ok("decide", "member", associate.seller_id, associate.ring_id, "--reason", "same courier", *s)
    _ok("decide", "different-operations", third_members[0], third_members[1], "--reason", "two owners", *s)
    _ok("decide", "same-operation", big, other, "--reason", "one warehouse manager", *s)
    _ok("decide", "not-source", rejected, third, "--reason", "only a carrier", *s)
    _ok("decide", "source", confirmed, third, "--reason", "raided, moulds found", *s)
    listed = json.loads(run_workbench("decisions", "--json", *s).stdout)
    assert [d["kind"] for d in listed] == [
        "not-member",
        "member",
        "different-operations",
        "same-operation",
        "not-source",
        "source",
    ]
    assert all(d["in_force"] and d["decided_by"] and d["reason"] for d in listed)

    for attempt in ("second", "third"):
        run = _run(data, store, tmp_path / attempt)
        ring_of = run["rings"].set_index("seller_id")["ring_id"]
        assert ring_of.get(members[0]) not in set(ring_of.reindex(members[1:]))
        assert ring_of.get(associate.seller_id) == associate.ring_id
        assert associate.seller_id not in set(run["associates"]["seller_id"])
        assert ring_of.get(third_members[0]) != ring_of.get(third_members[1])
        both = members[1:] + sorted(rings.loc[rings["ring_id"] == other, "seller_id"])
        merged = set(ring_of.reindex(both).dropna())
        assert len(merged) == 1, merged
        mine = run["upstream"][run["upstream"]["ring_id"] == ring_of.get(third_members[1], third)]
        assert rejected not in set(mine["entity_id"])
        top = mine.sort_values("rank", key=lambda r: r.astype(int)).iloc[0]
        assert top["entity_id"] == confirmed and "raided, moulds found" in top["evidence"]
        assert run["summary"]["decisions"]["in_force"] == 6
        assert run["summary"]["decisions"]["applied"] == 6, run["conflicts"]
        assert not set(run["rings"]["seller_id"]) & set(run["associates"]["seller_id"])

    audit = EmbeddedStore(store).audit_log()
    assert (audit["action"] == "decision_recorded").sum() == 6


def test_withdrawing_every_decision_restores_the_computed_rings(analysed, tmp_path):
    data, store, first = analysed
    big, other = _two_rings(first["rings"])
    s = ["--store", str(store)]
    ids = [
        _decision_id(_ok("decide", "same-operation", big, other, "--reason", "one operation", *s)),
        _decision_id(
            _ok(
                "decide",
                "not-member",
                first["rings"]["seller_id"].iloc[0],
                first["rings"]["ring_id"].iloc[0],
                "--reason",
                "checked",
                *s,
            )
        ),
    ]
    changed = _run(data, store, tmp_path / "decided")
    assert changed["rings"]["ring_id"].nunique() < first["rings"]["ring_id"].nunique()
    for decision_id in ids:
        _ok("decide", "withdraw", decision_id, "--reason", "reviewed again", *s)
    restored = _run(data, store, tmp_path / "restored")
    pd.testing.assert_frame_equal(restored["rings"], first["rings"])
    pd.testing.assert_frame_equal(restored["associates"], first["associates"])
    assert restored["summary"]["decisions"]["in_force"] == 0


def test_new_data_contradicting_a_decision_is_a_conflict_and_the_decision_holds(analysed, tmp_path):
    data, store, first = analysed
    rings = first["rings"]
    big, _ = _two_rings(rings)
    a, b = sorted(rings.loc[rings["ring_id"] == big, "seller_id"])[:2]
    s = ["--store", str(store)]
    decision = _decision_id(_ok("decide", "different-operations", a, b, "--reason", "two families", *s))
    # a corrected export: b now turns out to be registered to a's real person
    links = pd.read_csv(data / "seller_links.csv", dtype=str)
    person = links.loc[(links["seller_id"] == a) & (links["kind"] == "person_id"), "value"].iloc[0]
    extra = {
        "seller_id": b,
        "kind": "person_id",
        "value": person,
        "role": "registered",
        "observed_at": "2026-11-30",
        "source_record_id": "SL-NEW-1",
    }
    pd.concat([links, pd.DataFrame([extra])]).to_csv(data / "seller_links.csv", index=False)
    run = _run(data, store, tmp_path / "after")
    conflicts = run["conflicts"]
    assert list(conflicts["decision_id"]) == [decision]
    assert person in conflicts["conflict"].iloc[0] and "identity grade" in conflicts["conflict"].iloc[0]
    assert run["summary"]["decisions"]["conflicts"] == 1
    ring_of = run["rings"].set_index("seller_id")["ring_id"]
    assert ring_of.get(a) != ring_of.get(b)  # kept in force, not silently dropped
    shown = _ok("decisions", *s)
    assert "CONFLICT" in shown and decision in shown


@pytest.mark.parametrize(
    "args, message",
    [
        (["not-member", "S9999999", "R-x", "--reason", "r"], "seller 'S9999999' is not in the store"),
        (
            ["not-member", "S0000001", "R-nope", "--reason", "r"],
            "ring 'R-nope' is not in the store's last analysis",
        ),
        (["not-member", "S0000001"], "needs two arguments"),
        (["member", "S-TYPO", "R-x", "--reason", "r"], "seller 'S-TYPO' is not in the store"),
        (
            ["different-operations", "S0000001", "S-TYPO", "--reason", "r"],
            "seller 'S-TYPO' is not in the store",
        ),
        (["magic", "a", "b", "--reason", "r"], "decision kind must be one of"),
        (["withdraw", "D-nope", "--reason", "r"], "no decision 'D-nope' in force"),
    ],
)
def test_bad_decisions_are_refused_with_one_line(analysed, args, message):
    _, store, _ = analysed
    done = run_workbench("decide", *args, "--store", str(store))
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_decision_needs_a_reason(analysed):
    _, store, first = analysed
    row = first["rings"].iloc[0]
    done = run_workbench("decide", "not-member", row.seller_id, row.ring_id, "--store", str(store))
    assert done.returncode == 2 and "reason" in done.stderr


def test_a_seller_outside_the_ring_cannot_be_excluded_from_it(analysed):
    _, store, first = analysed
    rings = first["rings"]
    big, other = _two_rings(rings)
    seller = rings.loc[rings["ring_id"] == big, "seller_id"].iloc[0]
    done = run_workbench("decide", "not-member", seller, other, "--reason", "r", "--store", str(store))
    assert done.returncode == 2 and "neither a member nor an associate" in done.stderr
