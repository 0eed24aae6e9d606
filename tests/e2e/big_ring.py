"""A marketplace with one 300-storefront ring among ordinary sellers, for the browser's big-network test:
the ring's storefronts share payout accounts in threes (each storefront in six such threes), devices
in pairs and a few warehouses, so the analysis finds it as one ring."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from workbench.synth.generator import generate_marketplace


def big_ring_marketplace(out: Path, members: int = 300, seed: int = 3) -> list[str]:
    """Write the marketplace into ``out``; the ring's seller ids."""
    generate_marketplace(out, sellers=1000, rings=5, seed=seed, bad_rows=False)
    rng = np.random.default_rng(seed)
    ids = [f"S9{i:06d}" for i in range(members)]
    rows: list[list[str]] = []

    def link(seller: str, kind: str, value: str, role: str) -> None:
        rows.append([seller, kind, value, role, "2025-03-01", f"BIG{len(rows):07d}"])

    for turn in range(6):  # six rounds of threes: each storefront in six shared accounts
        order = rng.permutation(members)
        for k in range(0, members - 2, 3):
            for i in order[k : k + 3]:
                link(ids[i], "bank_account", f"62220{turn:02d}{k:06d}", "payout")
    order = rng.permutation(members)
    for k in range(0, members - 1, 2):
        for i in order[k : k + 2]:
            link(ids[i], "device", f"IMEI86{k:09d}", "login")
    for i, seller in enumerate(ids):
        link(seller, "phone", f"+8613{9000000 + i:09d}", "contact")  # its own: left out of the ring view
        link(seller, "address", f"ABIG{i % 10:03d}", "ship_from")
    with (out / "sellers.csv").open("a", newline="", encoding="utf-8") as file:
        csv.writer(file, quoting=csv.QUOTE_ALL).writerows(
            [s, f"Big Ring Shop {i}", "taobao", "2025-02-01", "active"] for i, s in enumerate(ids)
        )
    with (out / "seller_links.csv").open("a", newline="", encoding="utf-8") as file:
        csv.writer(file, quoting=csv.QUOTE_ALL).writerows(rows)
    with (out / "addresses.csv").open("a", newline="", encoding="utf-8") as file:
        csv.writer(file, quoting=csv.QUOTE_ALL).writerows(
            [
                f"ABIG{w:03d}",
                f"Warehouse {w}, Baiyun District, Guangzhou",
                f"{23.2 + w / 100:.5f}",
                "113.27",
                "Guangzhou",
                "Guangdong",
                "CN",
                "warehouse",
            ]
            for w in range(10)
        )
    return ids
