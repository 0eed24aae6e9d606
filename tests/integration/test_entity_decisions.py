"""Entity decisions from the CLI: a cannot-link and a must-link kept in the store, applied by the
next analysis, and mistakes named (unknown record, two kinds, one record twice)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import run_workbench
from workbench.synth.generator import generate_marketplace


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    root = tmp_path_factory.mktemp("entities")
    generate_marketplace(root / "data", sellers=1200, rings=8, seed=27, scenario="duplicates")
    done = run_workbench(
        "analyze", str(root / "data"), "--out", str(root / "out"), "--store", str(root / "store")
    )
    assert done.returncode == 0, done.stderr
    return root


def _resolved(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "resolved.csv", dtype=str).fillna("")


@pytest.mark.parametrize(
    "subject, target, says",
    [
        ("A-NOT-THERE", "A00000001", "'A-NOT-THERE' is neither an address nor an organisation record"),
        ("A00000001", "O000001", "name two of one kind"),
        ("A00000001", "A00000001", "name two different records"),
        ("'}) DETACH DELETE n //", "A00000001", "is neither an address nor an organisation record"),
    ],
)
def test_mistakes_are_named_not_tracebacks(analysed, subject, target, says):
    done = run_workbench(
        "decide",
        "different-entities",
        subject,
        target,
        "--reason",
        "test",
        "--store",
        str(analysed / "store"),
    )
    assert done.returncode != 0
    assert says in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_a_cannot_link_and_a_must_link_apply_on_the_next_analysis(analysed):
    resolved = _resolved(analysed / "out")
    merged = resolved[
        (resolved["record_kind"] == "address") & (resolved["record_id"] != resolved["entity_id"])
    ]
    wrong, entity = merged["record_id"].iloc[0], merged["entity_id"].iloc[0]
    alone = resolved[(resolved["record_kind"] == "address") & (resolved["reasons"] == "")]["record_id"].iloc[
        5
    ]
    store = str(analysed / "store")
    for kind, a, b in (("different-entities", wrong, entity), ("same-entity", alone, entity)):
        done = run_workbench("decide", kind, a, b, "--reason", "checked at the site", "--store", store)
        assert done.returncode == 0, done.stderr
    listed = json.loads(run_workbench("decisions", "--json", "--store", store).stdout)
    assert [d["kind"] for d in listed] == ["different-entities", "same-entity"]
    again = analysed / "again"
    done = run_workbench("analyze", str(analysed / "data"), "--out", str(again), "--store", store)
    assert done.returncode == 0, done.stderr
    after = _resolved(again).set_index("record_id")
    assert after.loc[wrong, "entity_id"] != after.loc[entity, "entity_id"]
    assert after.loc[alone, "entity_id"] == after.loc[entity, "entity_id"]
    summary = json.loads((again / "summary.json").read_text())
    assert summary["decisions"]["in_force"] == 2
    assert summary["entities"]["address"]["records"] == len(after[after["record_kind"] == "address"])


def test_resolved_csv_has_one_row_per_record_and_explains_every_merge(analysed):
    resolved = _resolved(analysed / "out")
    addresses = pd.read_csv(analysed / "data" / "addresses.csv", dtype=str)
    organizations = pd.read_csv(analysed / "data" / "organizations.csv", dtype=str)
    loaded = json.loads((analysed / "out" / "summary.json").read_text())["files"]
    assert list(resolved.columns) == ["record_kind", "record_id", "entity_id", "match_probability", "reasons"]
    assert (resolved["record_kind"] == "address").sum() == loaded["addresses"]["loaded"] <= len(addresses)
    assert (resolved["record_kind"] == "org").sum() == loaded["organizations"]["loaded"] <= len(organizations)
    assert not resolved.duplicated(["record_kind", "record_id"]).any()
    size = resolved.groupby("entity_id")["record_id"].transform("size")
    merged, alone = resolved[size > 1], resolved[size == 1]
    assert len(merged) and (merged["reasons"].str.startswith("matches ")).all()
    assert (merged["match_probability"].astype(float) >= 0.9).all()
    assert (alone["reasons"] == "").all() and (alone["match_probability"] == "").all()
    # an entity is named after one of its own records
    assert set(resolved["entity_id"]) <= set(resolved["record_id"])
