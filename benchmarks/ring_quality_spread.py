"""Ring quality over many generated scenarios (seeds, sizes and mixes the weights were not tuned
on); one JSON line with every case and the spread (min, median, max) of each figure.

    python benchmarks/ring_quality_spread.py [--quick]

Quality figures from one generator setting flatter a method; the spread over settings it was not
tuned on is the honest figure. Leiden only (the default method).
"""

from __future__ import annotations

import argparse
import json
import statistics

from workbench.bench import quality_benchmark

# scenario, sellers, rings, seed
CASES = [
    ("hard", 20000, 120, 5),
    ("hard", 20000, 120, 1),
    ("hard", 8000, 50, 2),
    ("hard", 8000, 50, 3),
    ("hubs", 20000, 120, 7),
    ("realistic", 15000, 90, 21),
    ("multistore", 15000, 90, 22),
    ("easy", 10000, 60, 23),
    ("hard", 30000, 180, 24),
    ("hubs", 6000, 40, 25),
    ("hard", 12000, 80, 26),
    ("strays", 20000, 120, 31),
    ("strays", 10000, 60, 32),
]
FIGURES = ("ari", "ari_full", "precision", "recall", "auc", "upstream_top1", "associate_precision")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Three small cases (for tests).")
    args = parser.parse_args(argv)
    cases = [(s, 3000, 20, seed) for s, _, _, seed in CASES[:3]] if args.quick else CASES
    rows = []
    for scenario, sellers, rings, seed in cases:
        (row,) = quality_benchmark(sellers, rings, seed, scenarios=(scenario,), methods=("leiden",))
        rows.append(
            {"scenario": scenario, "sellers": sellers, "rings": rings, "seed": seed}
            | {k: row.get(k) for k in (*FIGURES, "associates", "seconds")}
        )
    spread = {}
    for figure in FIGURES:
        values = [r[figure] for r in rows if r.get(figure) is not None and r[figure] == r[figure]]
        if values:
            spread[figure] = {"min": min(values), "median": statistics.median(values), "max": max(values)}
    line = {"benchmark": "ring_quality_spread", "cases": rows, "spread": spread}
    print(json.dumps(line))
    return line


if __name__ == "__main__":
    main()
