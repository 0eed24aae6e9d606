"""The embedded default store: canonical tables in memory, persisted to a folder as Parquet,
with a networkx view of the graph built on demand."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import networkx as nx
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.model import LINK_KIND_TO_NODE, NODE_KINDS

from .base import AUDIT_COLUMNS, RECORD_TABLES, GraphStore, chain_entries, upsert_rows

__all__ = ["MemoryStore"]

_META = "store.json"
_RECORDS = "records.sqlite"


def _sql_value(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    return None if value is None else str(value)


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
        self._adopt_legacy_records()

    def _adopt_legacy_records(self) -> None:
        """Stores written before the record database kept case events and the register as Parquet:
        move them in once, so no case history is left behind."""
        for name in ("case_events", "case_register"):
            legacy = self._file(name)
            if legacy.exists():
                frame = pd.read_parquet(legacy)
                self._append_records({name: frame.to_dict("records")}, [])
                legacy.rename(legacy.with_suffix(".parquet.adopted"))

    # ---- backend methods -------------------------------------------------------------
    def _file(self, name: str) -> Path:
        return self.path / f"{name}.parquet"

    def _read(self, name: str) -> pd.DataFrame | None:
        if name not in self._tables:
            file = self._file(name)
            if not file.exists():
                return None
            try:
                self._tables[name] = pd.read_parquet(file)
            except (OSError, ValueError) as exc:  # pyarrow's errors are both
                raise WorkbenchError(
                    f"{file}: the store's {name} table is damaged ({type(exc).__name__}); rebuild "
                    f"the store with `workbench load DATA --store {self.path}` into a new folder"
                ) from None
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
        try:
            return json.loads(file.read_text()) if file.exists() else {}
        except (OSError, ValueError) as exc:
            raise WorkbenchError(f"{file}: the store's description is damaged ({exc})") from None

    def _write_meta(self, meta: dict) -> None:
        (self.path / _META).write_text(json.dumps(meta, indent=2, default=str))

    # ---- investigators' records: SQLite in WAL mode, shared by every process on the store -----
    def _records(self) -> sqlite3.Connection:
        """The store's record database (case events, case register, audit trail), opened per call
        so that no process keeps a stale copy: the app and the CLI append side by side."""
        connection = sqlite3.connect(self.path / _RECORDS, timeout=60, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        for name, columns in RECORD_TABLES.items():
            typed = ", ".join(f"{c} INTEGER PRIMARY KEY" if c == "seq" else f"{c} TEXT" for c in columns)
            connection.execute(f"CREATE TABLE IF NOT EXISTS {name} ({typed})")
        # the audit trail is append-only inside the database too; the hash chain shows any edit
        # made around these triggers
        for verb in ("UPDATE", "DELETE"):
            connection.execute(
                f"CREATE TRIGGER IF NOT EXISTS audit_no_{verb.lower()} BEFORE {verb} ON audit "
                "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
            )
        return connection

    def _append_records(self, rows: dict[str, list[dict]], audit: list[dict]) -> None:
        connection = self._records()
        try:
            # BEGIN IMMEDIATE takes the write lock first, so the last entry read is still the last
            connection.execute("BEGIN IMMEDIATE")
            for name, records in rows.items():
                columns = RECORD_TABLES[name]
                connection.executemany(
                    f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                    [[_sql_value(r.get(c)) for c in columns] for r in records],
                )
            if audit:
                last = connection.execute(
                    "SELECT seq, entry_hash FROM audit ORDER BY seq DESC LIMIT 1"
                ).fetchone() or (0, "")
                connection.executemany(
                    f"INSERT INTO audit ({', '.join(AUDIT_COLUMNS)}) VALUES ({', '.join('?' * 9)})",
                    [[e[c] for c in AUDIT_COLUMNS] for e in chain_entries(last[0], last[1], audit)],
                )
            connection.execute("COMMIT")
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()

    def _read_records(self, name: str) -> pd.DataFrame | None:
        if not (self.path / _RECORDS).exists():
            return None
        connection = self._records()
        try:
            frame = pd.read_sql_query(f"SELECT * FROM {name}", connection)
        finally:
            connection.close()
        if name == "case_register":
            frame["redacted"] = frame["redacted"].map({"1": True, "0": False, "True": True, "False": False})
        return frame

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
