"""Entity resolution on planted duplicates (hard settings, seeds the weights were not set on):
the acceptance figures of precision, recall, neighbours, ring ARI and upstream top-1."""

from __future__ import annotations

import pytest

from workbench.bench import resolution_benchmark


@pytest.fixture(scope="module")
def runs():
    return {r["scenario"]: r for r in resolution_benchmark(6000, 40, seeds=(31,))}


@pytest.mark.parametrize("scenario", ["duplicates", "split-source"])
def test_resolved_records_are_precise_and_complete_and_neighbours_stay_apart(runs, scenario):
    run = runs[scenario]
    for kind in ("address", "org"):
        assert run[f"{kind}_precision"] >= 0.95, run
        assert run[f"{kind}_recall"] >= 0.90, run
    assert run["neighbours_merged"] == 0


def test_resolution_does_not_cost_ring_quality_and_finds_the_split_factory(runs):
    for run in runs.values():
        assert run["ari_on"] >= run["ari_off"] - 0.002, run
        assert run["upstream_top1_on"] >= run["upstream_top1_off"], run
    split = runs["split-source"]
    # each record of the factory alone is outranked by the small side supplier
    assert split["upstream_top1_off"] < 0.8 and split["upstream_top1_on"] >= 0.95, split
