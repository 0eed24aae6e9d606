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

__all__ = [
    "SCENARIO_NAMES",
    "METHODS",
    "evaluate",
    "quality_benchmark",
    "community_step_benchmark",
    "decisions_benchmark",
    "resolution_figures",
    "resolution_benchmark",
    "RESOLUTION_SCENARIOS",
    "screening_figures",
    "screening_benchmark",
]

SCENARIO_NAMES = ("easy", "hard", "hubs", "multistore", "strays", "duplicates", "split-source")
# scenarios with planted duplicate records (truth/entities.csv)
RESOLUTION_SCENARIOS = ("duplicates", "split-source")
METHODS = ("leiden", "louvain", "wcc", "wcc-all")
# a ring is flagged for investigators when its score reaches this (`[scoring] flag_score`)
FLAG_SCORE = AnalysisSettings.load().flag_score


def _established(truth: pd.DataFrame) -> set[str]:
    """Planted members tied to their ring by one weak tie only: no evidence can establish them,
    so they count as right both as core members and as associates (or left out)."""
    if "standing" not in truth:
        return set()
    return set(truth.loc[truth["standing"] == "weak", "seller_id"])


def evaluate(
    findings_rings: pd.DataFrame,
    scores: pd.DataFrame | None,
    upstream: pd.DataFrame | None,
    sellers: pd.Index,
    truth: pd.DataFrame,
    sources: pd.DataFrame,
    associates: pd.DataFrame | None = None,
    entities: pd.DataFrame | None = None,
) -> dict:
    """Quality of one run against truth.

    ``ari`` and the pairwise scores count the core members of the rings flagged by their score
    (what investigators are shown) against the planted members evidence can establish (planted
    members with one weak tie only are left out of the comparison); ``ari_full`` counts every
    planted member; ``ari_all_groups`` counts every group found, legitimate multi-store owners
    too. ``auc`` is the ring score's AUC for counterfeit groups (most members in one planted
    ring) against the other groups found; top-k is over counterfeit groups found.
    ``associate_precision`` is the share of associates truly unrelated to their ring;
    ``associates_weak`` the share that are planted weak members of it (rightly not established).
    With ``entities`` (truth/entities.csv), a source is found when the entity ranked names any
    record of the planted factory (its id or an alias).
    """
    out: dict = {"ari_all_groups": adjusted_rand(sellers, truth, findings_rings)}
    flagged = findings_rings
    if scores is not None and "ring_score" in findings_rings:
        flagged = findings_rings[findings_rings["ring_score"] >= FLAG_SCORE]
    weak = _established(truth)
    est = sellers[~sellers.isin(list(weak))]
    out["ari"] = adjusted_rand(
        est, truth[~truth["seller_id"].isin(weak)], flagged[flagged["seller_id"].isin(est)]
    )
    out["ari_full"] = adjusted_rand(sellers, truth, flagged)
    out.update(
        pair_scores(est, truth[~truth["seller_id"].isin(weak)], flagged[flagged["seller_id"].isin(est)])
    )
    matched = match_rings(truth, findings_rings).set_index("ring_id")
    if associates is not None:
        shown = associates[associates["ring_id"].isin(flagged["ring_id"])]
        planted = shown["seller_id"].map(truth.set_index("seller_id")["ring_id"])
        own = planted.notna() & (planted == shown["ring_id"].map(matched["truth_ring"]))
        out["associates"] = len(shown)
        out["associate_precision"] = round(float((~own).mean()), 4) if len(shown) else float("nan")
        out["associates_weak"] = (
            round(float((own & shown["seller_id"].isin(weak)).mean()), 4) if len(shown) else float("nan")
        )
    if scores is not None and len(scores):
        score = scores.set_index("ring_id")["ring_score"].reindex(matched.index)
        out["auc"] = roc_auc(score, matched["truth_ring"].notna())
    if upstream is not None:
        expected = matched["truth_ring"].dropna().map(sources.set_index("ring_id")["org_id"])
        ranked = _by_truth_entity(upstream, entities)
        out["upstream_top1"] = top_k_accuracy(ranked, expected, 1)
        out["upstream_top3"] = top_k_accuracy(ranked, expected, 3)
    return out


def _evaluated(findings, index, truth, sources, entities=None, associates=None) -> dict:
    """``evaluate`` on one run's findings."""
    return evaluate(
        findings.rings, findings.ring_scores, findings.upstream, index, truth, sources, associates, entities
    )


def _by_truth_entity(upstream: pd.DataFrame, entities: pd.DataFrame | None) -> pd.DataFrame:
    """Ranked sources named by their planted entity: a record of the true factory counts as it."""
    if entities is None or entities.empty or upstream.empty:
        return upstream
    planted = entities.set_index("record_id")["entity_id"]
    names = (
        upstream["entity_id"].astype(str)
        + ";"
        + upstream.get("aliases", pd.Series("", index=upstream.index)).fillna("")
    )
    rows = upstream.assign(entity_id=names.str.split(";")).explode("entity_id")
    rows = rows[rows["entity_id"] != ""]
    return rows.assign(entity_id=rows["entity_id"].map(planted).fillna(rows["entity_id"]))


def resolution_figures(resolved: pd.DataFrame, entities: pd.DataFrame) -> dict:
    """Pairwise precision and recall of resolved address and organisation records against the
    planted entities, and how many near-miss neighbours were merged with anything."""
    out: dict = {}
    for kind, name in (("address", "address"), ("org", "org")):
        mine = resolved[resolved["record_kind"] == kind]
        truth = entities[entities["record_kind"] == kind]
        records = pd.Index(mine["record_id"])
        scores = pair_scores(
            records,
            truth.rename(columns={"record_id": "seller_id", "entity_id": "ring_id"})[
                ["seller_id", "ring_id"]
            ],
            mine.rename(columns={"record_id": "seller_id", "entity_id": "ring_id"})[["seller_id", "ring_id"]],
        )
        out[f"{name}_precision"], out[f"{name}_recall"] = scores["precision"], scores["recall"]
    size = resolved.groupby("entity_id")["record_id"].transform("size")
    merged = set(resolved.loc[size > 1, "record_id"])
    role = entities["role"] if "role" in entities else pd.Series("record", index=entities.index)
    neighbours = entities.loc[role == "neighbour", "record_id"]
    out["neighbours_merged"] = int(neighbours.isin(merged).sum())
    return out


def _scenario(folder: Path, scenario: str, sellers: int, rings: int, seed: int):
    generate_marketplace(folder, sellers, rings, seed, scenario)
    loaded = load_folder(folder)
    truth = pd.read_csv(folder / "truth" / "rings.csv", dtype=str)
    sources = pd.read_csv(folder / "truth" / "sources.csv", dtype=str)
    return loaded.tables, pd.Index(loaded.tables["sellers"]["seller_id"]), truth, sources


def _planted_entities(folder: Path) -> pd.DataFrame | None:
    path = folder / "truth" / "entities.csv"
    return pd.read_csv(path, dtype=str) if path.exists() else None


def resolution_benchmark(
    sellers: int = 20000,
    rings: int = 120,
    seeds: tuple[int, ...] = (5,),
    scenarios: tuple[str, ...] = RESOLUTION_SCENARIOS,
    settings: AnalysisSettings | None = None,
) -> list[dict]:
    """Per scenario and seed: resolution precision and recall, and ring ARI and upstream top-1
    with entity resolution on and off."""
    settings = settings or AnalysisSettings.load()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in scenarios:
            for seed in seeds:
                folder = Path(tmp) / f"{scenario}-{seed}"
                tables, index, truth, sources = _scenario(folder, scenario, sellers, rings, seed)
                entities = _planted_entities(folder)
                row: dict = {"scenario": scenario, "seed": seed}
                for on in (True, False):
                    started = time.perf_counter()
                    chosen = AnalysisSettings(**{**settings.as_dict(), "resolve_entities": on})
                    findings = detect_and_trace(tables, chosen)
                    figures = _evaluated(findings, index, truth, sources, entities)
                    tag = "on" if on else "off"
                    row.update(
                        {f"ari_{tag}": figures["ari"], f"upstream_top1_{tag}": figures["upstream_top1"]}
                    )
                    row[f"seconds_{tag}"] = round(time.perf_counter() - started, 2)
                    if on and entities is not None:
                        row.update(resolution_figures(findings.resolved, entities))
                rows.append(row)
    return rows


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
            entities = _planted_entities(Path(tmp) / scenario)
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
                    figures = _evaluated(findings, index, truth, sources, entities, findings.associates)
                    if entities is not None:
                        figures.update(resolution_figures(findings.resolved, entities))
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


def decisions_benchmark(
    sellers: int = 20000, rings: int = 120, seed: int = 5, scenario: str = "strays", count: int = 5
) -> dict:
    """The effect of a handful of investigators' decisions: ``count`` ``not-member`` decisions on
    core members planted in no ring or in another ring than theirs (what an investigator who
    checked them would decide), then the same analysis again. Reports ARI before and after and
    what else moved: sellers whose ring changed besides the decided ones, and rings whose score
    changed besides the decided rings."""
    from .analytics.decisions import DECISION_COLUMNS, make_decision

    settings = AnalysisSettings.load()
    with tempfile.TemporaryDirectory() as tmp:
        tables, index, truth, sources = _scenario(Path(tmp) / "data", scenario, sellers, rings, seed)
    before = detect_and_trace(tables, settings)
    flagged = before.rings[before.rings["ring_score"] >= FLAG_SCORE]
    matched = match_rings(truth, flagged).set_index("ring_id")["truth_ring"]
    planted = flagged["seller_id"].map(truth.set_index("seller_id")["ring_id"])
    wrong = flagged[planted.isna() | (planted != flagged["ring_id"].map(matched))]
    # the clearest cases first: ordinary sellers, then members of another planted ring
    wrong = wrong.assign(ordinary=planted[wrong.index].isna()).sort_values(
        ["ordinary", "ring_id", "seller_id"], ascending=[False, True, True]
    )
    chosen = wrong.drop_duplicates("ring_id").head(count)
    links = evidence_links(tables)
    decisions = pd.DataFrame(
        [
            {
                **make_decision(
                    "not-member",
                    row.seller_id,
                    row.ring_id,
                    "checked by hand",
                    "bench",
                    before.rings,
                    before.associates,
                    links,
                    pd.DataFrame(columns=DECISION_COLUMNS),
                    settings,
                ),
                "decision_id": f"D-bench-{i}",
                "decided_at": f"2026-01-01T00:00:0{i}",
            }
            for i, row in enumerate(chosen.itertuples(index=False))
        ],
        columns=DECISION_COLUMNS,
    )
    after = detect_and_trace(tables, settings, previous_rings=before.rings, decisions=decisions)

    def figures(findings) -> dict:
        return evaluate(findings.rings, findings.ring_scores, findings.upstream, index, truth, sources)

    decided = set(chosen["seller_id"])
    moves = before.rings.merge(after.rings, on="seller_id", how="outer", suffixes=("", "_after"))
    moved = moves[(moves["ring_id"] != moves["ring_id_after"]) & ~moves["seller_id"].isin(decided)]
    scores = before.ring_scores.set_index("ring_id")["ring_score"]
    later = after.ring_scores.set_index("ring_id")["ring_score"].reindex(scores.index)
    rescored = set(scores.index[later.ne(scores)]) - set(chosen["ring_id"])
    was, now = figures(before), figures(after)
    return {
        "scenario": scenario,
        "sellers": sellers,
        "seed": seed,
        "decisions": len(decisions),
        "ari_before": was["ari"],
        "ari_after": now["ari"],
        "ari_full_before": was["ari_full"],
        "ari_full_after": now["ari_full"],
        "other_sellers_moved": len(moved),
        "other_rings_rescored": len(rescored),
        "decisions_applied": after.decisions_applied,
        "conflicts": len(after.conflicts),
    }


def screening_figures(
    screened: pd.DataFrame, planted: pd.DataFrame, rings: pd.DataFrame, truth: pd.DataFrame
) -> dict:
    """Risk AUC for reopened storefronts against ordinary new sellers, and how often the ring named
    for a flagged reopened storefront (risk >= 0.5) is its planted ring."""
    both = screened.merge(planted, on="seller_id", suffixes=("", "_truth"))
    reopened = both["kind"] == "reopened"
    found_as = match_rings(truth, rings).set_index("ring_id")["truth_ring"]
    flagged = both[reopened & (both["risk"].astype(float) >= 0.5)]
    right = flagged["ring_id"].map(found_as) == flagged["ring_id_truth"]
    return {
        "registrations": len(both),
        "reopened": int(reopened.sum()),
        "risk_auc": roc_auc(both["risk"].astype(float), reopened),
        "reopened_flagged": len(flagged),
        "ordinary_flagged": int((~reopened & (both["risk"].astype(float) >= 0.5)).sum()),
        "ring_named_right": round(float(right.mean()), 4) if len(flagged) else float("nan"),
    }


def screening_benchmark(
    sellers: int = 20000, rings: int = 120, seed: int = 5, new: int = 10000, scenario: str = "hard"
) -> dict:
    """Screen ``new`` registrations against an analysed store: quality against the planted truth,
    one registration's latency (the store open, the screener built once) and the batch's seconds."""
    from .analytics.screening import Screener
    from .store import MemoryStore

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        generate_marketplace(folder, sellers, rings, seed, scenario, new=new)
        from .pipeline import analyze

        with MemoryStore(Path(tmp) / "store") as store:
            analyze(folder, Path(tmp) / "out", store)
        store = MemoryStore(Path(tmp) / "store")
        started = time.perf_counter()
        screener = Screener.of_store(store)
        build = time.perf_counter() - started
        registrations = load_folder(folder / "registrations").tables
        new_sellers, new_links = registrations["sellers"], registrations["seller_links"]
        started = time.perf_counter()
        screened = screener.screen(new_sellers, new_links)
        batch = time.perf_counter() - started
        one_times = []
        for seller in new_sellers["seller_id"].head(200):
            mine = new_links[new_links["seller_id"] == seller]
            started = time.perf_counter()
            screener.screen(new_sellers[new_sellers["seller_id"] == seller], mine)
            one_times.append(time.perf_counter() - started)
        planted = pd.read_csv(folder / "registrations" / "truth" / "screening.csv", dtype=str).fillna("")
        truth = pd.read_csv(folder / "truth" / "rings.csv", dtype=str)
        figures = screening_figures(screened, planted, store.rings(), truth)
    one_times.sort()
    return {
        "sellers": sellers,
        "scenario": scenario,
        "seed": seed,
        **figures,
        "screener_build_seconds": round(build, 3),
        "one_registration_ms_median": round(1000 * one_times[len(one_times) // 2], 2),
        "one_registration_ms_max": round(1000 * one_times[-1], 2),
        "batch_seconds": round(batch, 3),
        "batch_registrations": len(new_sellers),
    }
