"""Load 1,000,000 seller-link rows into Neo4j: rows/s batched and, on a sample, one row per transaction.

    python benchmarks/neo4j_load.py [--rows 1000000] [--sample 2000] [--uri bolt://...]

Without ``--uri`` (or NEO4J_URI) it starts the repo's local server on a free port with a fresh
data folder (``make neo4j-jars`` first). The database is emptied before each path. Sellers are
loaded first (links refer to them) and not counted. Prints one JSON line.
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
from workbench.store.local_neo4j import free_port, start  # noqa: E402
from workbench.store.neo4j_store import Neo4jStore  # noqa: E402
from workbench.synth.generator import generate_marketplace  # noqa: E402


def _cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user + system) a process has used so far, from /proc; None where unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _links_path(
    store: Neo4jStore, links, sellers, batch_size: int, server_pid=None
) -> tuple[float, float | None]:
    """Seconds to load ``links`` (sellers loaded first, not counted) and the server's CPU seconds."""
    store.wipe()
    store._upsert("sellers", sellers, ["seller_id"])
    store.batch_size = batch_size
    cpu_before = _cpu_seconds(server_pid)
    started = time.perf_counter()
    store._upsert("seller_links", links, [])
    elapsed = time.perf_counter() - started
    cpu_after = _cpu_seconds(server_pid)
    store.batch_size = 10_000
    return elapsed, (cpu_after - cpu_before if cpu_before is not None else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--uri", default=os.environ.get("NEO4J_URI"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        # about 8.2 link rows per seller in the realistic scenario
        sellers_needed = int(args.rows / 8.0) + 1000
        generate_marketplace(
            Path(tmp) / "data", sellers=sellers_needed, rings=max(sellers_needed // 300, 10), seed=3
        )
        loaded = load_folder(Path(tmp) / "data")
        links = loaded.tables["seller_links"].iloc[: args.rows]
        sellers = loaded.tables["sellers"]
        server = None
        if not args.uri:
            server = start(Path(tmp) / "neo4j", free_port(), heap="4g", page_cache_mb=2048)
        try:
            store = Neo4jStore(args.uri or server.uri)
            # warm the server's JIT on a small load first: the figure is the steady state
            _links_path(store, links.iloc[:50_000], sellers, args.batch)
            single = links.sample(n=min(args.sample, len(links)), random_state=1)
            pid = server.process.pid if server else None
            single_s, _ = _links_path(store, single, sellers, 1)
            batched_s, server_cpu = _links_path(store, links, sellers, args.batch, pid)
            relationships = sum(v for k, v in store.graph_counts().items() if k.startswith("HAS_"))
            store.close()
        finally:
            if server:
                server.stop()
    print(
        json.dumps(
            {
                "benchmark": "neo4j_load",
                "rows": len(links),
                "relationships": relationships,
                "batch_size": args.batch,
                "batched_seconds": round(batched_s, 2),
                "batched_rows_per_s": round(len(links) / batched_s),
                "single_sample_rows": len(single),
                "single_seconds": round(single_s, 2),
                "single_rows_per_s": round(len(single) / single_s),
                "speedup": round((len(links) / batched_s) / (len(single) / single_s), 1),
                "floor_rows_per_s": 50_000,
                # where the time goes: the server's CPU per row (a local server only), on this many cores
                "server_cpu_us_per_row": round(server_cpu / len(links) * 1e6, 1) if server_cpu else None,
                "cores": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
