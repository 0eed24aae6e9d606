"""Leiden community detection inside Neo4j (Graph Data Science): the ``CommunityEngine`` a Neo4j
store offers ``--engine gds``."""

from __future__ import annotations

import uuid

import numpy as np

from workbench.errors import WorkbenchError

__all__ = ["GdsLeiden"]


class GdsLeiden:
    """Leiden (Graph Data Science) on the weighted evidence graph, run in ``store``'s database."""

    def __init__(self, store) -> None:
        self.store = store

    def __call__(self, a, b, weights, vertices: int, settings) -> np.ndarray:
        """Leiden (Graph Data Science) on the weighted evidence graph: community of each vertex.

        The graph travels as numbered edges into a Cypher projection (nothing is written to the
        database) and is dropped afterwards; one thread and a seed make runs repeat.
        """
        from neo4j.exceptions import ClientError

        name = f"workbench_evidence_{uuid.uuid4().hex[:8]}"
        try:
            self.store.run(
                "UNWIND range(0, size($a) - 1) AS i "
                "WITH gds.graph.project($name, $a[i], $b[i], {relationshipProperties: {weight: $w[i]}}, "
                "{undirectedRelationshipTypes: ['*']}) AS g RETURN g.nodeCount AS nodes",
                name=name,
                a=[int(x) for x in a],
                b=[int(x) for x in b],
                w=[float(x) for x in weights],
            )
            rows = self.store.run(
                "CALL gds.leiden.stream($name, {relationshipWeightProperty: 'weight', randomSeed: $seed, "
                "concurrency: 1, gamma: $gamma}) YIELD nodeId, communityId RETURN nodeId, communityId",
                name=name,
                seed=int(settings.seed),
                gamma=float(settings.gds_gamma),
            )
        except ClientError as exc:
            raise WorkbenchError(
                f"Neo4j at {self.store.uri}: Graph Data Science failed ({exc.message})"
            ) from None
        finally:
            self.store.run("CALL gds.graph.drop($name, false) YIELD graphName RETURN graphName", name=name)
        membership = np.arange(vertices, dtype=np.int64) + vertices  # unseen vertices stay alone
        for row in rows:
            membership[row["nodeId"]] = row["communityId"]
        return membership
