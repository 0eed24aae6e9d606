"""Reads on a marketplace-sized Neo4j: every named query's latency for typical rings and sellers, the
app's overview and rings pages on the Neo4j store, and ring detection in the database (GDS Leiden)
beside the client-side Leiden on the same data.

    python benchmarks/neo4j_queries.py [--sellers 1000000] [--cases 20] [--repeat 5] [--no-gds]

A fresh local server (``make neo4j-jars`` first) is bulk-loaded (`workbench load --bulk`), the
analysis is run in this process and its rings written back, then each named query runs for
``--cases`` rings or sellers of median size, ``--repeat`` times each after one warm-up. Prints one
JSON line: p50, p95 and max milliseconds per query (target: under 200 ms), page seconds (target:
under 3 s), detection seconds both ways.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph_loaders import load_folder  # noqa: E402
from workbench.analytics.settings import AnalysisSettings  # noqa: E402
from workbench.app.testing import page_test  # noqa: E402
from workbench.pipeline import detect_and_trace, detect_rings, write_findings  # noqa: E402
from workbench.store.bulk_import import bulk_first_load  # noqa: E402
from workbench.store.local_neo4j import free_port, start  # noqa: E402
from workbench.store.named_queries import NamedQueries  # noqa: E402
from workbench.store.neo4j_store import Neo4jStore  # noqa: E402
from workbench.synth.generator import generate_marketplace  # noqa: E402


def _cases(store: Neo4jStore, tables: dict, n: int, seed: int = 1) -> list[dict]:
    """Parameters for every named query, for ``n`` rings of about the median size."""
    rings = store.rings()
    sizes = rings["ring_id"].value_counts()
    median = sizes.median()
    typical = sizes[(sizes >= median * 0.5) & (sizes <= median * 2)].index.to_numpy()
    rng = np.random.default_rng(seed)
    chosen = rng.choice(typical, size=min(n, len(typical)), replace=False)
    links = tables["seller_links"]
    shared = links.groupby(["kind", "value"])["seller_id"].nunique()
    shared = shared[(shared >= 2) & (shared <= 20)].index.to_list()
    cases = []
    for k, ring_id in enumerate(chosen):
        members = sorted(rings.loc[rings["ring_id"] == ring_id, "seller_id"])
        kind, value = shared[(k * 7919) % len(shared)]
        cases.append(
            {
                "seller_neighbourhood": {"seller_id": members[0], "depth": 3},
                "sellers_sharing_identifier": {"kind": kind, "value": value},
                "ring_identifiers": {"ring_id": ring_id},
                "shortest_connection": {
                    "from_seller": members[0],
                    "to_seller": members[-1],
                    "max_sellers": 40,
                },
                "ring_flows": {"ring_id": ring_id},
                "membership_evidence": {"ring_id": ring_id, "seller_id": members[0]},
                "community_projection": {"max_sellers": 40},
                "ring_members": {"ring_id": ring_id},
            }
        )
    return cases


# a projection of the whole graph (what GDS detection starts from), not a read of one ring or seller
WHOLE_GRAPH = ("community_projection",)


def _whole_graph(store: Neo4jStore, cases: list[dict]) -> dict:
    """Whole-graph queries, timed once each; a refusal (the server's transaction memory limit) is
    reported as what happened."""
    figures = {}
    for name in WHOLE_GRAPH:
        started = time.perf_counter()
        try:
            rows = len(store.query(name, **cases[0][name]))
            figures[name] = {"seconds": round(time.perf_counter() - started, 1), "rows": rows}
        except Exception as exc:  # noqa: BLE001 - the benchmark reports it, whatever it is
            figures[name] = {"seconds": round(time.perf_counter() - started, 1), "failed": type(exc).__name__}
    return figures


def _latencies(store: Neo4jStore, cases: list[dict], repeat: int) -> dict:
    figures = {}
    for name in (n for n in NamedQueries.all() if n not in WHOLE_GRAPH):
        times = []
        for params in cases:
            store.query(name, **params[name])  # warm-up: plan cached, pages in memory
            for _ in range(repeat):
                started = time.perf_counter()
                store.query(name, **params[name])
                times.append((time.perf_counter() - started) * 1000)
        figures[name] = {
            "p50_ms": round(float(np.percentile(times, 50)), 1),
            "p95_ms": round(float(np.percentile(times, 95)), 1),
            "max_ms": round(max(times), 1),
            "runs": len(times),
        }
    return figures


def _pages(uri: str) -> dict:
    os.environ["WORKBENCH_NEO4J_URI"] = uri
    figures = {}
    for name in ("overview", "rings"):
        for attempt in ("first", "again"):
            started = time.perf_counter()
            at = page_test(name, timeout=900).run()
            figures[f"{name}_{attempt}_s"] = round(time.perf_counter() - started, 2)
            assert not at.exception, at.exception
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sellers", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--heap", default="4g")
    parser.add_argument("--page-cache-mb", type=int, default=3072)
    parser.add_argument("--no-gds", action="store_true")
    parser.add_argument("--no-pages", action="store_true", help="skip the app's pages")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        root = Path(tmp)
        generate_marketplace(root / "data", sellers=args.sellers, rings=max(args.sellers // 300, 10), seed=9)
        loaded = load_folder(root / "data")
        server = start(root / "neo4j", free_port(), heap=args.heap, page_cache_mb=args.page_cache_mb)
        try:
            store = Neo4jStore(server.uri)
            started = time.perf_counter()
            bulk_first_load(store, server, loaded, source="bench", heap=args.heap)
            bulk_s = time.perf_counter() - started
            settings = AnalysisSettings.load()
            timings: dict[str, float] = {}
            started = time.perf_counter()
            findings = detect_and_trace(loaded.tables, settings, timings)
            analysis_s = time.perf_counter() - started
            started = time.perf_counter()
            write_findings(store, findings)
            write_back_s = time.perf_counter() - started
            cases = _cases(store, loaded.tables, args.cases)
            latencies = _latencies(store, cases, args.repeat)
            # each phase to stderr as it ends: a run stopped later still leaves its figures
            print(json.dumps({"queries": latencies}), file=sys.stderr, flush=True)
            whole_graph = _whole_graph(store, cases)
            print(json.dumps({"whole_graph_queries": whole_graph}), file=sys.stderr, flush=True)
            pages = None if args.no_pages else _pages(server.uri)
            gds = None
            if not args.no_gds:
                started = time.perf_counter()
                gds_timings: dict[str, float] = {}
                detect_rings(loaded.tables, settings, gds_timings, engine=store.community_engine())
                gds = {
                    "seconds": round(time.perf_counter() - started, 1),
                    "detect_s": round(gds_timings["detect"], 1),
                }
            store.close()
        finally:
            server.stop()
    print(
        json.dumps(
            {
                "benchmark": "neo4j_queries",
                "sellers": args.sellers,
                "rings": int(findings.rings["ring_id"].nunique()),
                "bulk_load_s": round(bulk_s, 1),
                "queries": latencies,
                "slowest_p95_ms": max(q["p95_ms"] for q in latencies.values()),
                "whole_graph_queries": whole_graph,
                "pages": pages,
                # the community step ("detect") of the same evidence graph, in this process and in GDS
                "client_detect_s": round(timings["detect"], 1),
                "gds_detection": gds,
                "analysis_s": round(analysis_s, 1),
                "write_back_s": round(write_back_s, 1),
                "targets": {"query_p95_ms": 200, "page_s": 3},
            }
        )
    )


if __name__ == "__main__":
    main()
