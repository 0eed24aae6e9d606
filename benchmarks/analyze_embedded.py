"""Benchmark of the embedded pipeline: generate a marketplace, run `analyze` on it, print one JSON line.

    python benchmarks/analyze_embedded.py --sellers 100000 --rings 400

The line holds generation time, every analyze step's time, loader rows/s and peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from workbench.pipeline import analyze
from workbench.store import MemoryStore
from workbench.synth.generator import generate_marketplace


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=100_000)
    parser.add_argument("--rings", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scenario", default="realistic")
    parser.add_argument("--data", type=Path, help="use this folder instead of generating one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = args.data
        generate_seconds = None
        if data is None:
            data = tmp / "data"
            started = time.perf_counter()
            generate_marketplace(data, args.sellers, args.rings, args.seed, args.scenario)
            generate_seconds = round(time.perf_counter() - started, 2)
        with MemoryStore(tmp / "store") as store:
            result = analyze(data, tmp / "out", store)
    summary = result.summary()
    # the issues' limits: 100,000 sellers in 2 minutes, 1,000,000 in 10 minutes
    limit = 120 if len(result.loaded.tables["sellers"]) <= 100_000 else 600
    line = {
        "benchmark": "analyze_embedded",
        "sellers": len(result.loaded.tables["sellers"]),
        "rows_read": summary["rows_read"],
        "generate_seconds": generate_seconds,
        "analyze_seconds": summary["timings"]["total"],
        "timings": summary["timings"],
        "loader_rows_per_second": summary["loader_rows_per_second"],
        "rings": summary["rings"],
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "limit_seconds": limit,
        "passed": summary["timings"]["total"] < limit,
    }
    print(json.dumps(line), file=sys.stdout)
    return line


if __name__ == "__main__":
    main()
