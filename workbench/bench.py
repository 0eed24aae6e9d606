"""Benchmarks of ring detection, scoring and tracing against planted truth, method by method."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd

from graph_loaders import load_folder

from .analytics.communities import connected_rings, partition, prepare_graph
from .analytics.evaluation import adjusted_rand, match_rings, pair_scores, roc_auc, top_k_accuracy
from .analytics.evidence import evidence_graph, evidence_links
from .analytics.settings import AnalysisSettings
from .model import LINK_KINDS
from .pipeline import detect_and_trace
from .synth.generator import generate_marketplace

__all__ = ["SCENARIO_NAMES", "METHODS", "evaluate", "quality_benchmark", "community_step_benchmark"]

SCENARIO_NAMES = ("easy", "hard", "hubs", "multistore")
METHODS = ("leiden", "louvain", "wcc", "wcc-all")
# a ring is flagged for investigators when its score reaches this
FLAG_SCORE = 0.5


def evaluate(
    findings_rings: pd.DataFrame,
    scores: pd.DataFrame | None,
    upstream: pd.DataFrame | None,
    sellers: pd.Index,
    truth: pd.DataFrame,
    sources: pd.DataFrame,
) -> dict:
    """Quality of one run against truth.

    ``ari`` and the pairwise scores count the rings flagged by their score (what investigators
    are shown); ``ari_all_groups`` counts every group found, legitimate multi-store owners too.
    ``auc`` is the ring score's AUC for counterfeit groups (most members in one planted ring)
    against the other groups found; top-k is over counterfeit groups found.
    """
    out: dict = {"ari_all_groups": adjusted_rand(sellers, truth, findings_rings)}
    flagged = findings_rings
    if scores is not None and "ring_score" in findings_rings:
        flagged = findings_rings[findings_rings["ring_score"] >= FLAG_SCORE]
    out["ari"] = adjusted_rand(sellers, truth, flagged)
    out.update(pair_scores(sellers, truth, flagged))
    matched = match_rings(truth, findings_rings).set_index("ring_id")
    if scores is not None and len(scores):
        score = scores.set_index("ring_id")["ring_score"].reindex(matched.index)
        out["auc"] = roc_auc(score, matched["truth_ring"].notna())
    if upstream is not None:
        expected = matched["truth_ring"].dropna().map(sources.set_index("ring_id")["org_id"])
        out["upstream_top1"] = top_k_accuracy(upstream, expected, 1)
        out["upstream_top3"] = top_k_accuracy(upstream, expected, 3)
    return out


def _scenario(folder: Path, scenario: str, sellers: int, rings: int, seed: int):
    generate_marketplace(folder, sellers, rings, seed, scenario)
    loaded = load_folder(folder)
    truth = pd.read_csv(folder / "truth" / "rings.csv", dtype=str)
    sources = pd.read_csv(folder / "truth" / "sources.csv", dtype=str)
    return loaded.tables, pd.Index(loaded.tables["sellers"]["seller_id"]), truth, sources


def quality_benchmark(
    sellers: int = 20000,
    rings: int = 120,
    seed: int = 5,
    scenarios: tuple[str, ...] = SCENARIO_NAMES,
    methods: tuple[str, ...] = METHODS,
    settings: AnalysisSettings | None = None,
) -> list[dict]:
    """One row per scenario and method: quality figures and seconds."""
    settings = settings or AnalysisSettings.load()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in scenarios:
            tables, index, truth, sources = _scenario(Path(tmp) / scenario, scenario, sellers, rings, seed)
            for method in methods:
                started = time.perf_counter()
                if method == "wcc-all":
                    # connected components over every identifier, hubs included: the naive join
                    found = connected_rings(tables["seller_links"], LINK_KINDS)
                    figures = evaluate(found, None, None, index, truth, sources)
                else:
                    findings = detect_and_trace(
                        tables, AnalysisSettings(**{**settings.as_dict(), "method": method})
                    )
                    figures = evaluate(
                        findings.rings, findings.ring_scores, findings.upstream, index, truth, sources
                    )
                seconds = round(time.perf_counter() - started, 2)
                rows.append({"scenario": scenario, "method": method, **figures, "seconds": seconds})
    return rows


def community_step_benchmark(
    sellers: int = 100000, rings: int = 500, seed: int = 5, scenario: str = "hard"
) -> dict:
    """The community step alone, Leiden against networkx Louvain on the same evidence graph."""
    settings = AnalysisSettings.load()
    with tempfile.TemporaryDirectory() as tmp:
        tables, index, truth, sources = _scenario(Path(tmp) / "data", scenario, sellers, rings, seed)
    evidence = evidence_graph(evidence_links(tables), settings)
    prepared = prepare_graph(evidence, settings)
    out = {"sellers": sellers, "graph_nodes": prepared.graph.vcount(), "graph_edges": prepared.graph.ecount()}
    for method in ("leiden", "louvain"):
        method_settings = AnalysisSettings(**{**settings.as_dict(), "method": method})
        # the partition step alone, both methods on the same prepared graph
        started = time.perf_counter()
        partition(prepared, method_settings)
        out[f"{method}_seconds"] = round(time.perf_counter() - started, 3)
        findings = detect_and_trace(tables, method_settings)
        out[f"{method}_ari"] = evaluate(findings.rings, findings.ring_scores, None, index, truth, sources)[
            "ari"
        ]
    out["speedup"] = round(out["louvain_seconds"] / max(out["leiden_seconds"], 1e-9), 1)
    return out
