"""The embedded default store: canonical tables in memory, persisted to a folder as Parquet,
with a networkx view of the graph built on demand."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.model import LINK_KIND_TO_NODE, NODE_KINDS

from .base import GraphStore, upsert_rows

__all__ = ["MemoryStore"]

_META = "store.json"


class MemoryStore(GraphStore):
    """A folder of Parquet tables (``<name>.parquet``) plus ``store.json``; opening reads lazily."""

    def __init__(self, path: Path | str, create: bool = True):
        self.path = Path(path)
        if not self.path.exists():
            if not create:
                raise WorkbenchError(
                    f"{self.path}: no store here; build one with "
                    "`workbench analyze DATA_DIR --out OUT --store DIR` or `workbench load`"
                )
            self.path.mkdir(parents=True)
        elif not self.path.is_dir():
            raise WorkbenchError(f"{self.path}: not a folder, cannot hold a store")
        self._tables: dict[str, pd.DataFrame] = {}
        self._graph: nx.MultiDiGraph | None = None

    # ---- backend methods -------------------------------------------------------------
    def _file(self, name: str) -> Path:
        return self.path / f"{name}.parquet"

    def _read(self, name: str) -> pd.DataFrame | None:
        if name not in self._tables:
            file = self._file(name)
            if not file.exists():
                return None
            self._tables[name] = pd.read_parquet(file)
        return self._tables[name]

    def _save(self, name: str, frame: pd.DataFrame) -> None:
        frame = frame.reset_index(drop=True)
        tmp = self._file(name).with_suffix(".parquet.tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(self._file(name))  # atomic: a crash never leaves half a table
        self._tables[name] = frame
        self._graph = None

    def _upsert(self, name: str, frame: pd.DataFrame, key: list[str]) -> None:
        self._save(name, upsert_rows(self._read(name), frame, key))

    def _replace(self, name: str, frame: pd.DataFrame) -> None:
        self._save(name, frame)

    def _read_meta(self) -> dict:
        file = self.path / _META
        return json.loads(file.read_text()) if file.exists() else {}

    def _write_meta(self, meta: dict) -> None:
        (self.path / _META).write_text(json.dumps(meta, indent=2, default=str))

    # ---- networkx view ---------------------------------------------------------------
    def graph(self) -> nx.MultiDiGraph:
        """The graph model of DESIGN.md as networkx: nodes ``(label, key)``, edges with provenance.

        Built once per opened store and dropped when a table changes.
        """
        if self._graph is None:
            self._graph = _build_graph(self)
        return self._graph


def _build_graph(store: GraphStore) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for label in ("Seller", "Address", "Organization"):
        kind = NODE_KINDS[label]
        for row in store.table(kind.source_file).itertuples(index=False):
            graph.add_node((label, getattr(row, kind.key)), **row._asdict())
    for file_name, owner, owner_label in (
        ("seller_links", "seller_id", "Seller"),
        ("org_links", "org_id", "Organization"),
    ):
        links = store.table(file_name)
        for o, kind, value, role, prov in zip(
            links[owner],
            links["kind"],
            links["value"],
            links["role"],
            links["provenance"],
            strict=True,
        ):
            edge = "HAS_" + kind.upper()
            graph.add_edge(
                (owner_label, o), (LINK_KIND_TO_NODE[kind], value), edge, role=role, provenance=prov
            )
    shipments = store.table("shipments")
    for row in shipments.itertuples(index=False):
        graph.add_edge(
            ("Address", row.from_address_id),
            ("Shipment", row.waybill),
            "SHIPPED",
            provenance=row.provenance,
        )
        graph.add_edge(
            ("Shipment", row.waybill),
            ("Address", row.to_address_id),
            "DELIVERED_TO",
            provenance=row.provenance,
        )
    payments = store.table("payments")
    for row in payments.itertuples(index=False):
        graph.add_edge(
            ("BankAccount", row.from_account),
            ("BankAccount", row.to_account),
            "PAID",
            payment_id=row.payment_id,
            amount=row.amount,
            provenance=row.provenance,
        )
    rings = store.rings()
    for row in rings.itertuples(index=False):
        graph.add_edge(("Seller", row.seller_id), ("Ring", row.ring_id), "MEMBER_OF", score=row.ring_score)
    return graph
