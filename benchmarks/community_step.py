"""The community step alone: Leiden (igraph, CPM) against networkx Louvain on the same
evidence graph; one JSON line with seconds, ARI of each and the speed-up.

    python benchmarks/community_step.py --sellers 100000 --rings 500
"""

from __future__ import annotations

import argparse
import json

from workbench.bench import community_step_benchmark


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=100000)
    parser.add_argument("--rings", type=int, default=500)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--scenario", default="hard")
    args = parser.parse_args(argv)
    result = community_step_benchmark(args.sellers, args.rings, args.seed, args.scenario)
    line = {
        "benchmark": "community_step",
        **result,
        "passed": result["speedup"] >= 10 and result["leiden_ari"] >= result["louvain_ari"],
    }
    print(json.dumps(line))
    return line


if __name__ == "__main__":
    main()
