"""Screening new registrations against an analysed store; one JSON line.

    python benchmarks/screening.py --sellers 1000000 --rings 3000 --new 10000
    python benchmarks/screening.py --sellers 20000 --rings 120 --new 10000

Generates the marketplace with ``--new`` registrations (a fifth of them storefronts a ring
reopens, the rest ordinary new sellers, some on the rings' hubs), analyses it into an embedded
store, builds the screener once from the store, then times one registration (median and maximum
of 200) and the whole batch; quality is the risk AUC of reopened against ordinary and how often a
flagged reopened storefront's ring is its planted one.
"""

from __future__ import annotations

import argparse
import json

from workbench.bench import screening_benchmark


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=20000)
    parser.add_argument("--rings", type=int, default=120)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--new", type=int, default=10000)
    parser.add_argument("--scenario", default="hard")
    args = parser.parse_args(argv)
    line = {
        "benchmark": "screening",
        **screening_benchmark(args.sellers, args.rings, args.seed, args.new, args.scenario),
    }
    print(json.dumps(line))
    return line


if __name__ == "__main__":
    main()
