"""New registrations for screening: storefronts a ring reopens (a borrowed ID, but a member's phone,
device, payout account or warehouse; now and then the person ID of a banned member) among ordinary
new sellers, some of them on the same carrier IPs and e-commerce parks as the rings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["write_registrations"]

REOPENED_SHARE = 0.2
# what a reopened storefront keeps of its operation: each with this probability, at least one
KEPT = {"phone": 0.45, "device": 0.45, "bank_account": 0.35, "address": 0.35}


def _hubs(links: pd.DataFrame, kind: str, cap: int = 40) -> np.ndarray:
    counts = links.loc[links["kind"] == kind, "value"].value_counts()
    return counts[counts > cap].index.to_numpy()


def write_registrations(frames: dict[str, pd.DataFrame], market, n: int, folder: Path) -> int:
    """Write ``n`` registrations (sellers, seller_links, truth/screening.csv) into ``folder``."""
    from graph_loaders.reader import write_input_csv

    from .defects import format_noise
    from .generator import _text

    rng = market.stream(17)
    links = frames["seller_links"]
    truth_rings = frames["truth/rings"]
    sellers = frames["sellers"].set_index("seller_id")
    reopened = int(round(n * REOPENED_SHARE))
    ids = _text("NEW", np.arange(1, n + 1), 7)
    ring_ids = truth_rings["ring_id"].unique()
    rows, truth = [], []
    nat, parks = _hubs(links, "ip"), _hubs(links, "address")
    ring_links = links[links["seller_id"].isin(set(truth_rings["seller_id"]))]
    numbers = market.ids

    def own(kind: str) -> str:
        if kind == "person_id":
            return f"4{int(rng.integers(10**16, 10**17 - 1))}"
        if kind == "phone":
            return market.phones(1).iloc[0]
        if kind == "device":
            return f"DEV{numbers.take('device', 1)[0]:09d}N"
        return f"new{numbers.take('email', 1)[0]}@mail.example"

    for i, seller in enumerate(ids):
        if i < reopened:
            ring = ring_ids[int(rng.integers(0, len(ring_ids)))]
            members = truth_rings.loc[truth_rings["ring_id"] == ring, "seller_id"].to_numpy()
            member_links = links[links["seller_id"].isin(members)]
            kept = [k for k, p in KEPT.items() if rng.random() < p] or [
                list(KEPT)[int(rng.integers(0, len(KEPT)))]
            ]
            for kind in kept:
                values = member_links.loc[member_links["kind"] == kind, "value"].unique()
                if kind == "address":
                    values = member_links.loc[
                        (member_links["kind"] == "address") & (member_links["role"] == "ship_from"), "value"
                    ].unique()
                if len(values):
                    # as the export wrote it: the loaders normalise it again
                    rows.append(
                        (seller, kind, values[int(rng.integers(0, len(values)))], "registered", False)
                    )
            banned = [m for m in members if m in sellers.index and sellers.loc[m, "status"] == "banned"]
            if banned and rng.random() < 0.15:
                person = links.loc[
                    (links["seller_id"] == banned[0]) & (links["kind"] == "person_id"), "value"
                ]
                rows.append(
                    (seller, "person_id", person.iloc[0] if len(person) else own("person_id"), "registered")
                )
            else:
                rows.append((seller, "person_id", own("person_id"), "registered"))  # a borrowed ID
            truth.append((seller, "reopened", ring))
        else:
            for kind in ("person_id", "phone", "device"):
                rows.append((seller, kind, own(kind), "registered", True))
            # one in ten touches a ring by chance: a second-hand device, an internet-cafe IP
            if rng.random() < 0.1:
                kind = "device" if rng.random() < 0.5 else "ip"
                touched = ring_links.loc[ring_links["kind"] == kind, "value"]
                touched = touched[~touched.isin(nat)]
                if len(touched):
                    rows.append(
                        (seller, kind, touched.iloc[int(rng.integers(0, len(touched)))], "login", False)
                    )
            truth.append((seller, "ordinary", ""))
        rows.append((seller, "email", own("email"), "registered", True))
        # rings and ordinary sellers alike log in behind carrier NAT and register in parks
        if len(nat) and rng.random() < 0.4:
            rows.append((seller, "ip", nat[int(rng.integers(0, len(nat)))], "login", False))
        if len(parks) and rng.random() < 0.2:
            rows.append((seller, "address", parks[int(rng.integers(0, len(parks)))], "registered", False))
    order = rng.permutation(n)
    new_sellers = pd.DataFrame(
        {
            "seller_id": ids.to_numpy()[order],
            "shop_name": [f"新店{int(x)}" for x in order],
            "platform": "taobao",
            "registered_at": "2026-11-30",
            "status": "active",
        }
    )
    new_links = pd.DataFrame(rows, columns=["seller_id", "kind", "value", "role", "own"])
    own_rows = new_links.pop("own").to_numpy(dtype=bool)
    noisy = format_noise(new_links["kind"], new_links["value"], rng).to_numpy()
    new_links["value"] = np.where(own_rows, noisy, new_links["value"].to_numpy())
    new_links["observed_at"] = "2026-11-30"
    new_links["source_record_id"] = _text("NL", np.arange(1, len(new_links) + 1), 9)
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    write_input_csv(new_sellers, folder / "sellers.csv")
    write_input_csv(new_links, folder / "seller_links.csv")
    write_input_csv(
        pd.DataFrame(truth, columns=["seller_id", "kind", "ring_id"]), folder / "truth" / "screening.csv"
    )
    return n
