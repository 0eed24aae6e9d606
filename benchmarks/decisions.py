"""The effect of a handful of investigators' decisions on the strays scenario; one JSON line.

    python benchmarks/decisions.py --sellers 20000 --rings 120 --count 5

On the strays scenario (hard, plus ordinary sellers touching rings by weak identifiers; some by
two of different kinds, which pass for corroboration): five `not-member` decisions on core members
planted in no ring or in another ring, then the same
analysis again: core ARI before and after, and what else moved (sellers whose ring changed
besides the decided ones, rings rescored besides the decided rings: both should be 0).
"""

from __future__ import annotations

import argparse
import json

from workbench.bench import decisions_benchmark


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=20000)
    parser.add_argument("--rings", type=int, default=120)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--scenario", default="strays")
    parser.add_argument("--count", type=int, default=5)
    args = parser.parse_args(argv)
    line = {
        "benchmark": "decisions",
        **decisions_benchmark(args.sellers, args.rings, args.seed, args.scenario, args.count),
    }
    line["passed"] = bool(
        line["ari_after"] > line["ari_before"]
        and line["other_sellers_moved"] == 0
        and line["other_rings_rescored"] == 0
    )
    print(json.dumps(line))
    return line


if __name__ == "__main__":
    main()
