"""Warnings on a ring's ranked sources: a near tie, and sources serving separate storefronts."""

from __future__ import annotations

import pandas as pd

from workbench.analytics.source_reading import source_warnings, storefronts_served

LINKS = pd.DataFrame(
    {
        "seller_id": ["S1", "S2", "S3", "S4", "S1"],
        "kind": ["address", "address", "address", "address", "bank_account"],
        "value": ["A1", "A2", "A3", "A4", "6222"],
    }
)
# A2's record is resolved into entity A1 (the same place written twice)
RESOLVED = pd.DataFrame({"record_kind": ["address"], "record_id": ["A2"], "entity_id": ["A1"]})


def _paths(rows):
    return pd.DataFrame(rows, columns=["entity_id", "from_entity", "to_entity"])


def test_a_source_reaches_the_storefronts_its_goods_or_money_touch():
    paths = _paths([("O1", "org:O1", "addr:A1"), ("O2", "org:O2", "addr:A3"), ("O3", "acct:6222", "org:O3")])
    served = storefronts_served(paths, {"S1", "S2", "S3", "S4"}, LINKS, RESOLVED)
    assert served == {"O1": {"S1", "S2"}, "O2": {"S3"}, "O3": {"S1"}}


def test_separate_groups_with_their_own_sources_are_named():
    sources = pd.DataFrame({"rank": [1, 2], "entity_id": ["O1", "O2"], "score": [0.6, 0.3]})
    split = source_warnings(sources, {"O1": {"S1", "S2"}, "O2": {"S3", "S4"}})
    assert len(split) == 1 and "separate groups" in split[0] and "O1: 2 storefront(s)" in split[0]
    # sources that share a storefront are one operation buying from two places: no warning
    assert source_warnings(sources, {"O1": {"S1", "S2"}, "O2": {"S2", "S3"}}) == []


def test_a_near_tie_is_a_warning_a_clear_lead_is_not():
    tie = pd.DataFrame({"rank": [1, 2], "entity_id": ["O1", "O2"], "score": [0.500, 0.490]})
    said = source_warnings(tie, {})
    assert len(said) == 1 and said[0].startswith("Near tie: O2")
    lead = tie.assign(score=[0.5, 0.3])
    assert source_warnings(lead, {}) == []
