"""The model is the one declaration: every named query uses only its relationship types, and the
Neo4j store's relationships come from it."""

from __future__ import annotations

import re

from workbench.model import ENTITY_RELATIONSHIPS, LINK_OWNERS, NODE_KINDS, RELATIONSHIP_TYPES
from workbench.store.named_queries import NamedQueries


def test_every_named_query_uses_only_the_models_labels_and_relationship_types():
    for name, query in NamedQueries.all().items():
        body = "\n".join(line for line in query.cypher.splitlines() if not line.startswith("//"))
        assert "{{" not in body, name
        types = {t for group in re.findall(r"\[\w*:([A-Z_|]+)", body) for t in group.split("|")}
        assert types <= RELATIONSHIP_TYPES, (name, types - RELATIONSHIP_TYPES)
        labels = set(re.findall(r"\(\w*:([A-Za-z]+)", body))
        assert labels <= set(NODE_KINDS), (name, labels - set(NODE_KINDS))


def test_the_neo4j_store_takes_its_owners_from_the_model():
    from workbench.store import neo4j_store

    assert neo4j_store._OWNERS is LINK_OWNERS
    assert {r.type for r in ENTITY_RELATIONSHIPS} <= RELATIONSHIP_TYPES


def test_a_node_kind_and_a_relationship_added_to_the_model_reach_the_embedded_store(tmp_path, monkeypatch):
    """A change to the model declaration alone: the embedded store's graph has the new label's
    nodes and the new relationship's rows, and its named queries walk what the model declares."""
    from graph_loaders import load_folder
    from tests.conftest import write_folder
    from workbench import model
    from workbench.store import EmbeddedStore

    monkeypatch.setitem(model.NODE_KINDS, "Platform", model.NodeKind("Platform", "platform"))
    added = model.RelationshipKind(
        "ON_PLATFORM", "sellers", ("Seller", "seller_id", "seller_id"), ("Platform", "platform", "platform")
    )
    monkeypatch.setattr(model, "ENTITY_RELATIONSHIPS", (*model.ENTITY_RELATIONSHIPS, added))
    data = write_folder(
        tmp_path / "data",
        {
            "sellers": "seller_id,platform\nS1,taobao\nS2,taobao\nS3,jd\nS4,\n",
            "seller_links": "seller_id,kind,value\nS1,phone,13800000001\nS2,phone,13800000001\n",
        },
    )
    store = EmbeddedStore(tmp_path / "store")
    store.load(load_folder(data))
    counts = store.graph_counts()
    assert counts["Platform"] == 2 and counts["ON_PLATFORM"] == 3  # S4 names no platform
    assert counts["Seller"] == 4 and counts["Phone"] == 1 and counts["HAS_PHONE"] == 2
    on_platform = store.graph().relationships_of("ON_PLATFORM")
    assert sorted(zip(on_platform["_start"], on_platform["_end"], strict=True)) == [
        ("S1", "taobao"),
        ("S2", "taobao"),
        ("S3", "jd"),
    ]
    # the relationship is gone from the store's graph with the declaration, data unchanged
    monkeypatch.setattr(model, "ENTITY_RELATIONSHIPS", model.ENTITY_RELATIONSHIPS[:-1])
    assert "ON_PLATFORM" not in store.graph_counts()


def test_the_embedded_neighbourhood_walks_the_link_types_the_model_declares(tmp_path, monkeypatch):
    """``seller_neighbourhood`` on the embedded store follows ``LINK_TYPES`` as the Cypher does: a
    link type taken out of the model is no longer walked."""
    from graph_loaders import load_folder
    from tests.conftest import write_folder
    from workbench import model
    from workbench.store import EmbeddedStore

    data = write_folder(
        tmp_path / "data",
        {
            "sellers": "seller_id\nS1\nS2\nS3\n",
            "seller_links": "seller_id,kind,value\nS1,phone,13800000001\nS2,phone,13800000001\n"
            "S2,device,D-7\nS3,device,D-7\n",
        },
    )
    store = EmbeddedStore(tmp_path / "store")
    store.load(load_folder(data))
    reached = store.query("seller_neighbourhood", seller_id="S1", depth=4)
    assert set(reached.loc[reached["label"] == "Seller", "key"]) == {"S2", "S3"}
    monkeypatch.setitem(model.LINK_TYPES, "device", "USES_DEVICE_NOT_WALKED")
    monkeypatch.setattr("workbench.store.named_queries.LINK_TYPES", {"phone": "HAS_PHONE"})
    reached = store.query("seller_neighbourhood", seller_id="S1", depth=4)
    assert set(reached.loc[reached["label"] == "Seller", "key"]) == {"S2"}
