"""Ring detection quality against planted truth on the generated scenarios; one JSON line.

    python benchmarks/ring_quality.py --sellers 20000 --rings 120

Per scenario and method: ARI and pairwise P/R/F1 of the rings flagged by their score, ring-score
AUC, upstream top-1/top-3, seconds. `workbench bench` prints the same as a table.
"""

from __future__ import annotations

import argparse
import json

from workbench.bench import METHODS, SCENARIO_NAMES, quality_benchmark


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=20000)
    parser.add_argument("--rings", type=int, default=120)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--scenarios", default=",".join(SCENARIO_NAMES))
    parser.add_argument("--methods", default=",".join(METHODS))
    args = parser.parse_args(argv)
    rows = quality_benchmark(
        args.sellers, args.rings, args.seed, tuple(args.scenarios.split(",")), tuple(args.methods.split(","))
    )
    hard = {r["method"]: r for r in rows if r["scenario"] == "hard"}
    line = {
        "benchmark": "ring_quality",
        "sellers": args.sellers,
        "rings": args.rings,
        "results": rows,
        # the floors (issues 4 and 16), on the hard scenario: core-member ARI, ring-score AUC
        "passed": bool(
            hard.get("leiden")
            and hard["leiden"]["ari"] >= 0.95
            and hard["leiden"]["auc"] >= 0.98
            and hard["leiden"]["upstream_top1"] >= 0.90
        ),
    }
    print(json.dumps(line))
    return line


if __name__ == "__main__":
    main()
