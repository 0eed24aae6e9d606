"""A first load of a whole marketplace into Neo4j both ways, in one run on the same data: the
offline bulk importer (`workbench load --bulk`) and the batched transactional path.

    python benchmarks/neo4j_load.py [--sellers 1000000] [--seed 3] [--heap 4g]

Each path gets a fresh local server (``make neo4j-jars`` first) and loads every input table the
loaders produced (rows = all input rows loaded); the graph counts of the two must agree. Prints one
JSON line: seconds and rows/s of each path, their ratio, and the bulk path's steps.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph_loaders import load_folder  # noqa: E402
from workbench.model import RELATIONSHIP_TYPES  # noqa: E402
from workbench.store.bulk_import import bulk_first_load  # noqa: E402
from workbench.store.local_neo4j import free_port, start  # noqa: E402
from workbench.store.neo4j_store import Neo4jStore  # noqa: E402
from workbench.synth.generator import generate_marketplace  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sellers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--heap", default="4g")
    parser.add_argument("--page-cache-mb", type=int, default=2048)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        generate_marketplace(
            root / "data", sellers=args.sellers, rings=max(args.sellers // 300, 10), seed=args.seed
        )
        generated = time.perf_counter() - started
        started = time.perf_counter()
        loaded = load_folder(root / "data")
        validated = time.perf_counter() - started
        rows = sum(len(t) for t in loaded.tables.values())
        figures = {}
        counts = {}
        for path in ("bulk", "batched"):
            server = start(
                root / f"neo4j_{path}", free_port(), heap=args.heap, page_cache_mb=args.page_cache_mb
            )
            try:
                store = Neo4jStore(server.uri)
                started = time.perf_counter()
                if path == "bulk":
                    steps = bulk_first_load(store, server, loaded, source="bench", heap=args.heap)
                else:
                    store.load(loaded, source="bench")
                    steps = {}
                seconds = time.perf_counter() - started
                counts[path] = store.graph_counts()
                store.close()
            finally:
                server.stop()
            figures[path] = {"seconds": round(seconds, 1), "rows_per_s": round(rows / seconds)}
            figures[path].update({k: round(v, 1) for k, v in steps.items()})
    print(
        json.dumps(
            {
                "benchmark": "neo4j_load",
                "sellers": args.sellers,
                "input_rows": rows,
                "nodes": sum(v for k, v in counts["bulk"].items() if k not in RELATIONSHIP_TYPES),
                "relationships": sum(v for k, v in counts["bulk"].items() if k in RELATIONSHIP_TYPES),
                "bulk": figures["bulk"],
                "batched": figures["batched"],
                "bulk_over_batched": round(figures["batched"]["seconds"] / figures["bulk"]["seconds"], 1),
                "same_counts": counts["bulk"] == counts["batched"],
                "generate_seconds": round(generated, 1),
                "validate_seconds": round(validated, 1),
                "heap": args.heap,
                "cores": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
