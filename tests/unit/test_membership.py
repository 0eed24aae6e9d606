"""Core members, associates and rings held together by one weak identifier, on hand-made rings."""

from __future__ import annotations

import pandas as pd

from workbench.analytics.membership import split_core
from workbench.analytics.settings import AnalysisSettings

SETTINGS = AnalysisSettings.load()


def _links(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(s, k, v, f"seller_links.csv:{n + 2}") for n, (s, k, v) in enumerate(rows)],
        columns=["seller_id", "kind", "value", "provenance"],
    )


def _ring(sellers: list[str], ring_id: str = "R-1") -> pd.DataFrame:
    return pd.DataFrame({"seller_id": sellers, "ring_id": ring_id})


def _operation(prefix: str, account: str) -> list[tuple[str, str, str]]:
    """Three storefronts paid out to one account (identity grade): an operation's core."""
    return [(f"{prefix}{n}", "bank_account", account) for n in range(3)]


def test_corroboration_decides_who_is_core():
    links = _links(
        [
            *_operation("A", "B1"),
            ("A0", "device", "D1"),
            ("A0", "phone", "P1"),
            ("A0", "ip", "10.0.0.1"),
            ("X", "device", "D1"),  # device and phone: two kinds, core
            ("X", "phone", "P1"),
            ("Y", "ip", "10.0.0.1"),  # one internet-cafe IP: associate
            ("Z", "person_id", "ID9"),  # the same real person as A1: identity grade, core
            ("A1", "person_id", "ID9"),
        ]
    )
    core, associates = split_core(_ring(["A0", "A1", "A2", "X", "Y", "Z"]), links, SETTINGS)
    assert sorted(core["seller_id"]) == ["A0", "A1", "A2", "X", "Z"]
    assert associates.to_dict("records") == [
        {
            "seller_id": "Y",
            "ring_id": "R-1",
            "ties": "ip 10.0.0.1",
            "evidence": "ip 10.0.0.1 (seller_links.csv:10)",
        }
    ]


def test_two_weak_sellers_cannot_vouch_for_each_other():
    links = _links(
        [
            *_operation("A", "B1"),
            ("A0", "ip", "10.0.0.1"),
            ("Y1", "ip", "10.0.0.1"),
            ("A1", "ip", "10.0.0.2"),
            ("Y2", "ip", "10.0.0.2"),
            ("Y1", "device", "D7"),  # Y1 and Y2 share a device: each then has two kinds of tie,
            ("Y2", "device", "D7"),  # but only with the help of the other
        ]
    )
    core, associates = split_core(_ring(["A0", "A1", "A2", "Y1", "Y2"]), links, SETTINGS)
    assert sorted(core["seller_id"]) == ["A0", "A1", "A2"]
    assert associates.set_index("seller_id")["ties"].to_dict() == {"Y1": "ip 10.0.0.1", "Y2": "ip 10.0.0.2"}

    # a pair tied to each other by two kinds stands on its own: one IP to the ring makes it a
    # ring of its own beside it, not part of this one
    links = _links(
        [*_operation("A", "B1"), ("A0", "ip", "10.0.0.1"), ("Y1", "ip", "10.0.0.1")]
        + [(y, kind, value) for y in ("Y1", "Y2") for kind, value in (("device", "D7"), ("address", "AD1"))]
    )
    core, associates = split_core(_ring(["A0", "A1", "A2", "Y1", "Y2"]), links, SETTINGS)
    assert sorted(core.groupby("ring_id")["seller_id"].agg(sorted).tolist()) == [
        ["A0", "A1", "A2"],
        ["Y1", "Y2"],
    ]


def test_a_ring_one_weak_identifier_holds_together_is_two_rings():
    bridge = [("A0", "device", "D-SOLD-ON"), ("B0", "device", "D-SOLD-ON")]
    links = _links([*_operation("A", "B1"), *_operation("B", "B2"), *bridge])
    core, associates = split_core(
        _ring([*(f"A{n}" for n in range(3)), *(f"B{n}" for n in range(3))]), links, SETTINGS
    )
    rings = core.groupby("ring_id")["seller_id"].agg(sorted).tolist()
    assert sorted(rings) == [["A0", "A1", "A2"], ["B0", "B1", "B2"]] and associates.empty
    assert "R-1" in set(core["ring_id"])  # one part keeps the ring's id

    # two weak identifiers of different kinds between the groups are corroboration: one ring
    links = _links(
        [*_operation("A", "B1"), *_operation("B", "B2"), *bridge, ("A1", "phone", "P"), ("B1", "phone", "P")]
    )
    core, _ = split_core(_ring([*(f"A{n}" for n in range(3)), *(f"B{n}" for n in range(3))]), links, SETTINGS)
    assert core["ring_id"].nunique() == 1

    # an identity-grade identifier is never a mere bridge
    links = _links(
        [*_operation("A", "B1"), *_operation("B", "B2"), ("A0", "person_id", "I"), ("B0", "person_id", "I")]
    )
    core, _ = split_core(_ring([*(f"A{n}" for n in range(3)), *(f"B{n}" for n in range(3))]), links, SETTINGS)
    assert core["ring_id"].nunique() == 1


def test_rings_merged_by_hand_stay_whole_and_confirmed_sellers_stay_core():
    bridge = [("A0", "device", "D-SOLD-ON"), ("B0", "device", "D-SOLD-ON"), ("Y", "ip", "10.0.0.9")]
    links = _links([*_operation("A", "B1"), *_operation("B", "B2"), *bridge, ("A2", "ip", "10.0.0.9")])
    members = _ring([*(f"A{n}" for n in range(3)), *(f"B{n}" for n in range(3)), "Y"])
    core, associates = split_core(members, links, SETTINGS, fixed={"Y"}, keep_whole={"R-1"})
    assert core["ring_id"].nunique() == 1 and "Y" in set(core["seller_id"]) and associates.empty


def test_no_ring_and_no_shared_identifier():
    links = _links([("S1", "email", "a@x"), ("S2", "email", "b@x")])
    core, associates = split_core(_ring([])[:0], links, SETTINGS)
    assert core.empty and associates.empty
    core, associates = split_core(_ring(["S1", "S2"]), links, SETTINGS)
    assert core.empty and associates.empty  # nothing ties them: no ring, no associate
