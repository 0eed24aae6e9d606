"""The generator's scenarios: how hard the planted problem is, as named sets of knobs."""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["Scenario", "SCENARIOS", "scenario_with"]


@dataclass(frozen=True)
class Scenario:
    """How hard the planted problem is: link density inside rings, hubs, bridges, owners."""

    name: str = "realistic"
    # probability that a ring member uses the ring's shared device / payout account / ...
    p_device: float = 0.45
    p_account: float = 0.45
    p_phone: float = 0.3
    p_ip: float = 0.35
    p_warehouse: float = 0.5
    # share of ring members tied to their ring by one weak link only (an IP or a warehouse)
    weak_share: float = 0.12
    # share of legitimate sellers whose owner runs several shops (same person and account)
    multistore_share: float = 0.06
    # share of sellers behind a carrier NAT IP; e-commerce parks; pickup stations
    nat_share: float = 0.35
    park_share: float = 0.05
    pickup_share: float = 0.2
    fulfilment_share: float = 0.12
    # bridges of each kind, per ring
    bridges_per_ring: float = 0.25
    # share of rings that buy through a wholesaler rather than from the factory directly
    wholesaler_share: float = 0.35
    # every ring this many storefronts (3 to 30) instead of a drawn size; for benchmarks
    ring_size: int | None = None
    # share of rings one ordinary seller touches by one weak identifier (a device bought
    # second-hand from a member, the member's internet-cafe IP, a ring warehouse it ships from);
    # drawn from a stream of its own, so 0 leaves every other output as it was
    stray_share: float = 0.0
    # share of ring warehouses, factories and wholesalers recorded several times, written
    # differently (entity resolution); with side_supplier, each ring whose factory is so split
    # also buys 0.45 as much from a small exclusive supplier. Own stream: 0 changes nothing
    duplicate_share: float = 0.0
    side_supplier: bool = False


SCENARIOS: dict[str, Scenario] = {
    "realistic": Scenario(),
    "easy": Scenario(
        name="easy",
        p_device=0.8,
        p_account=0.8,
        p_phone=0.6,
        weak_share=0.0,
        nat_share=0.1,
        bridges_per_ring=0.0,
        wholesaler_share=0.0,
    ),
    "hard": Scenario(
        name="hard",
        p_device=0.4,
        p_account=0.4,
        p_phone=0.25,
        p_ip=0.3,
        p_warehouse=0.45,
        weak_share=0.2,
        nat_share=0.45,
        park_share=0.08,
        bridges_per_ring=0.15,
        wholesaler_share=0.5,
    ),
    "hubs": Scenario(
        name="hubs",
        nat_share=0.6,
        park_share=0.12,
        pickup_share=0.35,
        fulfilment_share=0.25,
        bridges_per_ring=0.3,
        weak_share=0.15,
    ),
    "multistore": Scenario(name="multistore", multistore_share=0.3),
}
# the hard scenario plus ordinary sellers that touch 40% of the rings by one weak identifier each
# (what investigators meet: a device sold on, a cafe IP, a shared warehouse)
SCENARIOS["strays"] = replace(SCENARIOS["hard"], name="strays", stray_share=0.4)
# the hard scenario with half the ring warehouses and suppliers recorded several times; and with
# every one so, each ring's factory flow split over its records beside a smaller exclusive supplier
SCENARIOS["duplicates"] = replace(SCENARIOS["hard"], name="duplicates", duplicate_share=0.5)
SCENARIOS["split-source"] = replace(
    SCENARIOS["hard"], name="split-source", duplicate_share=1.0, side_supplier=True
)


def scenario_with(name: str, **changes) -> Scenario:
    """A named scenario with some knobs changed (for benchmarks and tests)."""
    return replace(SCENARIOS[name], **changes)
