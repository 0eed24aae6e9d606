"""Time to build a lead packet for a 30-member ring, plain and redacted; one JSON line.

    python benchmarks/lead_packet.py --sellers 20000

Generates a marketplace whose rings all have 30 storefronts, analyses it into a store, and
builds a packet for the highest-scored ring. The issue's limit is 10 seconds.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from workbench.leads.packet import build_lead_packet
from workbench.pipeline import analyze
from workbench.store import MemoryStore
from workbench.synth.generator import generate_marketplace
from workbench.synth.scenarios import scenario_with


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=20000)
    parser.add_argument("--rings", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate_marketplace(
            tmp / "data", args.sellers, args.rings, args.seed, scenario_with("easy", ring_size=30)
        )
        store = MemoryStore(tmp / "store")
        analyze(tmp / "data", tmp / "out", store)
        rings = store.rings()
        sizes = rings.groupby("ring_id").size()
        scores = store.result("ring_scores").set_index("ring_id")["ring_score"]
        ring_id = scores[sizes[sizes >= 30].index].sort_values(ascending=False).index[0]
        plain = build_lead_packet(store, ring_id, tmp / "packets")
        hidden = build_lead_packet(store, ring_id, tmp / "packets", redact=True)
    line = {
        "benchmark": "lead_packet",
        "sellers": args.sellers,
        "ring_members": int(sizes[ring_id]),
        "seconds": round(plain.seconds, 2),
        "redacted_seconds": round(hidden.seconds, 2),
        "limit_seconds": 10,
        "passed": max(plain.seconds, hidden.seconds) < 10,
    }
    print(json.dumps(line))
    return line


if __name__ == "__main__":
    main()
