"""What memory costs this machine to touch again once freed: at once, and after a pause; one JSON line.

    python benchmarks/memory_return.py [--gib 4] [--pause 5]

An array of ``--gib`` GiB is written, freed, written again at once, freed, and written again
after ``--pause`` seconds. Where a virtual machine hands freed memory back to its host (free page
reporting), the last write costs many times the second: the kernel's time of a large analysis then
depends on how long its arrays stay freed before they are used again, which grows with the data
(README, Measured: the 10 M line).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def _seconds_to_write(gib: float) -> float:
    started = time.perf_counter()
    array = np.ones(int(gib * (1 << 30)) // 8)
    seconds = time.perf_counter() - started
    del array
    return seconds


def _reporting_order() -> int | None:
    """The smallest free block (as a power of two of pages) this kernel reports to its host."""
    path = Path("/sys/module/page_reporting/parameters/page_reporting_order")
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=4.0)
    parser.add_argument("--pause", type=float, default=5.0)
    args = parser.parse_args()
    first = _seconds_to_write(args.gib)
    at_once = _seconds_to_write(args.gib)
    time.sleep(args.pause)
    after_pause = _seconds_to_write(args.gib)
    print(
        json.dumps(
            {
                "benchmark": "memory_return",
                "gib": args.gib,
                "pause_seconds": args.pause,
                "first_seconds_per_gib": round(first / args.gib, 3),
                "again_at_once_seconds_per_gib": round(at_once / args.gib, 3),
                "again_after_pause_seconds_per_gib": round(after_pause / args.gib, 3),
                "page_reporting_order": _reporting_order(),
            }
        )
    )


if __name__ == "__main__":
    main()
