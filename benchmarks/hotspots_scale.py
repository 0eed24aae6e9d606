"""Time of the hotspot computation on an analysed store; one JSON line.

    workbench analyze m1m --out out --store store1m
    python benchmarks/hotspots_scale.py --store store1m

The issue's limit is 30 seconds for a store of 1,000,000 sellers (reading the store excluded).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from workbench.analytics.hotspots import hotspots
from workbench.store import MemoryStore


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--level", default="province")
    args = parser.parse_args(argv)
    store = MemoryStore(args.store, create=False)
    started = time.perf_counter()
    tables = store.input_tables()
    inputs = (store.rings(), store.result("ring_scores"), store.upstream(), store.result("suppressed"))
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = hotspots(tables, *inputs, level=args.level)
    seconds = time.perf_counter() - started
    line = {
        "benchmark": "hotspots_scale",
        "sellers": len(tables["sellers"]),
        "level": args.level,
        "read_store_seconds": round(read_seconds, 2),
        "seconds": round(seconds, 2),
        "regions": len(result.table),
        "limit_seconds": 30,
        "passed": seconds < 30,
    }
    print(json.dumps(line))
    return line


if __name__ == "__main__":
    main()
