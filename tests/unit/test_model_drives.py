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
