"""The Neo4j store: the graph model (docs/architecture.md) in Neo4j, written in batches, read back as tables.

Input tables become nodes and relationships (one key property per label, each with a uniqueness
constraint; link rows become ``HAS_<KIND>`` relationships carrying their provenance), so the
graph can be explored with Cypher. Reading a table back reverses the mapping, which is what the
analytics run on when a Neo4j store is used. Rings are written back as
``(:Seller)-[:MEMBER_OF]->(:Ring)`` and sources as ``(:Ring)-[:SOURCED_FROM]->(:Organization)``;
analysis results that are tables by nature (quarantine, evidence, case register) are kept whole
as Parquet bytes on a ``StoredTable`` node.

All Cypher takes values as parameters; labels and property names come from ``workbench.model``.
"""

from __future__ import annotations

import io
import json

import pandas as pd

from workbench.errors import WorkbenchError
from workbench.model import (
    LINK_KIND_TO_NODE,
    LINK_OWNERS,
    LINK_TYPES,
    NODE_KINDS,
)

from .base import RECORD_TABLES, GraphStore, chain_entries, upsert_rows
from .graph_view import ENTITY_LABEL, entity_relationships
from .named_queries import NamedQueries
from .neo4j_gds import GdsLeiden
from .neo4j_tables import epoch_parts, frame_of, projection, quote
from .neo4j_tables import values as plain_values

__all__ = ["Neo4jStore", "LINK_TYPES", "open_neo4j"]

_OWNERS = LINK_OWNERS
# input file -> the node each row becomes
_ENTITY_LABEL = ENTITY_LABEL
_BLOB_TABLES_LABEL = "StoredTable"
# investigators' records: one node per row, appended in transactions, never replaced
_RECORD_LABELS = {
    "case_events": ("CaseEvent", "event_id"),
    "case_register": ("PacketRecord", "packet_id"),
    "decisions": ("Decision", "decision_id"),
    "redaction_tokens": ("RedactionToken", "token_id"),
    "audit": ("AuditEntry", "seq"),
}
_DEFAULT_BATCH = 10_000


def open_neo4j(uri: str, **kwargs) -> Neo4jStore:
    """A Neo4jStore with user, password and database from the environment unless given."""
    from workbench.config import Neo4jSettings

    settings = Neo4jSettings.from_env(uri=uri, **kwargs)
    return Neo4jStore(settings.uri, settings.user, settings.password, settings.database)


class Neo4jStore(GraphStore):
    """A Neo4j database behind the GraphStore contract (official driver, managed transactions)."""

    remote = True

    def __init__(
        self,
        uri: str,
        user: str | None = None,
        password: str | None = None,
        database: str = "neo4j",
        batch_size: int = _DEFAULT_BATCH,
    ):
        self.uri, self.database, self.batch_size = uri, database, batch_size
        self._auth = (user or "neo4j", password) if password else None
        # input tables a bulk import has just written as store files: the batched path skips them
        self.imported: set[str] = set()
        self._connect(user)
        self._tables: dict[str, pd.DataFrame | None] = {}
        self._ensure_schema()

    def _connect(self, user: str | None = None) -> None:
        import neo4j
        from neo4j import exceptions

        uri, database, auth = self.uri, self.database, self._auth
        try:
            self.driver = neo4j.GraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF")
            self.driver.verify_connectivity()
            # the database name is always explicit: no round trip to resolve the home database
            self.driver.execute_query("RETURN 1", database_=database)
        except exceptions.AuthError:
            raise WorkbenchError(
                f"Neo4j at {uri} refused the credentials for user {user or 'neo4j'!r}; "
                "check NEO4J_USER and NEO4J_PASSWORD"
            ) from None
        except (exceptions.ServiceUnavailable, OSError) as exc:
            raise WorkbenchError(
                f"Neo4j at {uri} is unreachable ({type(exc).__name__}); start the local server with "
                "`make neo4j-up` (or `docker compose up -d neo4j`) or set NEO4J_URI"
            ) from None
        except exceptions.ClientError as exc:
            raise WorkbenchError(f"Neo4j at {uri}, database {database!r}: {exc.message}") from None
        except ValueError as exc:  # a malformed URI
            raise WorkbenchError(f"NEO4J_URI {uri!r}: {exc}") from None

    def reconnect(self) -> None:
        """A new driver for the same server (after it was stopped and started again)."""
        self.driver.close()
        self._connect()
        self._tables.clear()
        self._ensure_schema()

    def close(self) -> None:
        self.driver.close()

    def __repr__(self) -> str:  # never the password
        return f"Neo4jStore({self.uri!r}, database={self.database!r})"

    # ---- running Cypher ------------------------------------------------------------------
    def run(self, cypher: str, **params) -> list[dict]:
        """Run one read or write statement in a managed transaction (retried on transient errors)."""
        records, _, _ = self.driver.execute_query(cypher, params, database_=self.database)
        return [r.data() for r in records]

    def _write_frame(
        self, cypher: str, frame: pd.DataFrame, batch_size: int | None = None, workers: int = 1
    ) -> list[list]:
        """Run ``cypher`` (which uses ``row.<column>``) over ``frame`` in batches, one managed
        transaction each; returns the values of what the statement returns, batch after batch.

        Rows travel column by column (one list per column) and are put back together as ``row``
        in Cypher: the driver packs a few long lists far faster than many small maps. With
        ``workers`` > 1 that many sessions write batches side by side (the server commits them in
        parallel); the returned records are then in no particular order.
        """
        size = batch_size or self.batch_size
        fields, expressions = [], []
        for column in frame.columns:
            name = quote(str(column))
            if pd.api.types.is_datetime64_any_dtype(frame[column].dtype):
                at = f"$c[{len(fields)}][i]"
                expressions.append(
                    f"{name}: CASE WHEN {at} IS NULL THEN null "
                    f"ELSE datetime({{epochSeconds: {at}, nanosecond: $c[{len(fields) + 1}][i]}}) END"
                )
                fields.extend(epoch_parts(frame[column]))
            else:
                expressions.append(f"{name}: $c[{len(fields)}][i]")
                fields.append(plain_values(frame[column]))
        statement = f"UNWIND range(0, size($c[0]) - 1) AS i WITH {{{', '.join(expressions)}}} AS row {cypher}"
        starts = list(range(0, len(frame), size))

        def work(tx, batch):
            return tx.run(statement, c=batch).values()

        def write(share: list[int]) -> list[list]:
            records = []
            with self.driver.session(database=self.database) as session:
                for start in share:
                    records.extend(session.execute_write(work, [f[start : start + size] for f in fields]))
            return records

        if workers <= 1 or len(starts) <= 1:
            return write(starts)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            shares = pool.map(write, [starts[k::workers] for k in range(workers)])
            return [r for share in shares for r in share]

    def _ensure_schema(self) -> None:
        """A uniqueness constraint on every node key, before anything is written."""
        for label, kind in NODE_KINDS.items():
            self.run(
                f"CREATE CONSTRAINT {label.lower()}_key IF NOT EXISTS "
                f"FOR (n:{label}) REQUIRE n.{kind.key} IS UNIQUE"
            )
        self.run(
            f"CREATE CONSTRAINT stored_table_name IF NOT EXISTS "
            f"FOR (n:{_BLOB_TABLES_LABEL}) REQUIRE n.name IS UNIQUE"
        )
        for label, key in [*_RECORD_LABELS.values(), ("AuditHead", "name")]:
            self.run(
                f"CREATE CONSTRAINT {label.lower()}_key IF NOT EXISTS "
                f"FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
            )
        self.run("CREATE INDEX paid_payment_id IF NOT EXISTS FOR ()-[r:PAID]-() ON (r.payment_id)")

    def constraints(self) -> list[dict]:
        return self.run("SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties, type")

    # ---- backend methods -------------------------------------------------------------------
    def _upsert(self, name: str, frame: pd.DataFrame, key: list[str]) -> None:
        self._tables.pop(name, None)
        if name in self.imported:
            return
        if name in _OWNERS:
            self._write_links(name, frame)
        elif name in _ENTITY_LABEL:
            self._write_entities(name, frame)
        elif name == "payments":
            self._write_payments(frame)
        else:  # tables by nature (case register): upsert on the stored frame
            self._put_blob(name, upsert_rows(self._read(name), frame, key))

    def _replace(self, name: str, frame: pd.DataFrame) -> None:
        self._tables.pop(name, None)
        if name == "rings":
            self._write_rings(frame)
        elif name == "upstream":
            self._write_sources(frame)
            self._put_blob(name, frame)
        else:
            self._put_blob(name, frame)

    def _read(self, name: str) -> pd.DataFrame | None:
        # tables are read once per opened store and dropped when this store writes them (the app
        # reopens its store on "Reload the store" when another process may have written)
        if name not in self._tables:
            self._tables[name] = self._read_uncached(name)
        return self._tables[name]

    def _read_uncached(self, name: str) -> pd.DataFrame | None:
        if name in _OWNERS:
            return self._read_links(name)
        if name in _ENTITY_LABEL:
            return self._read_entities(name)
        if name == "payments":
            return self._read_payments()
        if name == "rings":
            return self._read_rings()
        return self._get_blob(name)

    def _read_meta(self) -> dict:
        rows = self.run("MATCH (m:StoreMeta {name: 'meta'}) RETURN m.json AS json")
        return json.loads(rows[0]["json"]) if rows else {}

    def _write_meta(self, meta: dict) -> None:
        self.run(
            "MERGE (m:StoreMeta {name: 'meta'}) SET m.json = $json",
            json=json.dumps(meta, default=str),
        )

    def write_rings(self, rings: pd.DataFrame, method: str) -> None:
        super().write_rings(rings, method)
        self.run("MATCH (r:Ring) SET r.method = $method, r.detected_at = datetime()", method=method)

    # ---- entities ----------------------------------------------------------------------------
    def _write_entities(self, name: str, frame: pd.DataFrame) -> None:
        label = _ENTITY_LABEL[name]
        key = NODE_KINDS[label].key
        self._write_frame(f"MERGE (n:{label} {{{key}: row.{key}}}) SET n = row", frame)
        # the relationships each row implies, as the model declares them (read at each load)
        for r in entity_relationships(name, frame):
            a_key, b_key = NODE_KINDS[r.start].key, NODE_KINDS[r.end].key
            self._write_frame(
                f"MERGE (a:{r.start} {{{a_key}: row.a}}) MERGE (b:{r.end} {{{b_key}: row.b}}) "
                f"MERGE (a)-[:{r.type}]->(b)",
                r.rows.set_axis(["a", "b"], axis=1),
            )

    def _read_entities(self, name: str) -> pd.DataFrame | None:
        label = _ENTITY_LABEL[name]
        # only nodes that came from an input row carry provenance (not an Address only linked to)
        rows = self.run(
            f"MATCH (n:{label}) WHERE n.provenance IS NOT NULL RETURN {projection('n', name)} AS p"
        )
        if not rows:
            return None
        return frame_of(name, [r["p"] for r in rows])

    # ---- identifier links ------------------------------------------------------------------
    def _write_links(self, name: str, frame: pd.DataFrame) -> None:
        owner_label, owner_key = _OWNERS[name]
        owners = self._element_ids(owner_label, owner_key, frame[owner_key], create=False)
        missing = frame[owner_key][~frame[owner_key].isin(owners.keys())]
        if len(missing):
            raise WorkbenchError(
                f"{name}: {len(missing)} rows name a {owner_label} the store does not hold "
                f"(first: {missing.iloc[0]!r}); load {owner_label} rows first"
            )
        for kind, part in frame.groupby("kind", sort=True):
            label = LINK_KIND_TO_NODE[kind]
            rel = LINK_TYPES[kind]
            identifiers = self._element_ids(label, NODE_KINDS[label].key, part["value"], create=True)
            props = [c for c in part.columns if c not in (owner_key, "kind", "value", "provenance")]
            part = part.sort_values(owner_key)
            rows = pd.concat(
                [
                    pd.DataFrame({"o": part[owner_key].map(owners), "i": part["value"].map(identifiers)}),
                    part[["provenance", *props]],
                ],
                axis=1,
            )
            # nodes are found by the element ids just returned: no index lookup per row
            ends = (
                f"MATCH (o:{owner_label}) WHERE elementId(o) = row.o "
                f"MATCH (i:{label}) WHERE elementId(i) = row.i "
            )
            if not self.run(f"MATCH (:{owner_label})-[r:{rel}]->() RETURN 1 AS x LIMIT 1"):
                # a first load creates relationships outright, two transactions at a time (the
                # server's commit work is the cost; it runs on both cores)
                values = ", ".join(f"{quote(c)}: row.{quote(c)}" for c in ["provenance", *props])
                self._write_frame(ends + f"CREATE (o)-[:{rel} {{{values}}}]->(i)", rows, workers=2)
            else:
                # a re-load (or a load resumed after an interruption) merges them on their
                # provenance, so nothing is doubled
                setters = ", ".join(f"r.{quote(c)} = row.{quote(c)}" for c in props)
                self._write_frame(
                    ends
                    + f"MERGE (o)-[r:{rel} {{provenance: row.provenance}}]->(i)"
                    + (f" SET {setters}" if setters else ""),
                    rows,
                )

    def _element_ids(self, label: str, key: str, values: pd.Series, create: bool) -> dict:
        """The element id of each distinct key value's node (merged first if ``create``)."""
        distinct = pd.DataFrame({"v": pd.unique(values.dropna())})
        verb = "MERGE" if create else "MATCH"
        # one record per batch holding two lists: the driver reads a few long lists far faster
        # than many small records
        found = self._write_frame(
            f"{verb} (n:{label} {{{key}: row.v}}) RETURN collect(row.v), collect(elementId(n))",
            distinct,
            workers=2,  # the values are distinct: no two transactions touch the same node
        )
        return {v: i for keys, ids in found for v, i in zip(keys, ids, strict=True)}

    def _read_links(self, name: str) -> pd.DataFrame | None:
        owner_label, owner_key = _OWNERS[name]
        parts = []
        for kind, rel in LINK_TYPES.items():
            label = LINK_KIND_TO_NODE[kind]
            key = NODE_KINDS[label].key
            rows = self.run(
                f"MATCH (o:{owner_label})-[r:{rel}]->(i:{label}) "
                f"RETURN o.{owner_key} AS owner, i.{key} AS value, {projection('r', name)} AS p"
            )
            parts.extend({**r["p"], owner_key: r["owner"], "kind": kind, "value": r["value"]} for r in rows)
        return frame_of(name, parts) if parts else None

    # ---- payments ----------------------------------------------------------------------------
    def _write_payments(self, frame: pd.DataFrame) -> None:
        accounts = pd.unique(pd.concat([frame["from_account"], frame["to_account"]]))
        self._write_frame("MERGE (:BankAccount {account: row.v})", pd.DataFrame({"v": accounts}))
        props = [c for c in frame.columns if c not in ("from_account", "to_account", "payment_id")]
        setters = ", ".join(f"p.{quote(c)} = row.{quote(c)}" for c in props)
        self._write_frame(
            "MATCH (a:BankAccount {account: row.from_account}) "
            "MATCH (b:BankAccount {account: row.to_account}) "
            f"MERGE (a)-[p:PAID {{payment_id: row.payment_id}}]->(b) SET {setters}",
            frame,
        )

    def _read_payments(self) -> pd.DataFrame | None:
        rows = self.run(
            "MATCH (a:BankAccount)-[p:PAID]->(b:BankAccount) "
            f"RETURN a.account AS from_account, b.account AS to_account, {projection('p', 'payments')} AS p"
        )
        if not rows:
            return None
        return frame_of(
            "payments",
            [{**r["p"], "from_account": r["from_account"], "to_account": r["to_account"]} for r in rows],
        )

    # ---- rings and sources -----------------------------------------------------------------
    def _write_rings(self, frame: pd.DataFrame) -> None:
        with self.driver.session(database=self.database) as session:
            # implicit transaction: the delete commits in batches, so a large one never fills memory
            session.run("MATCH (r:Ring) CALL (r) { DETACH DELETE r } IN TRANSACTIONS").consume()
        scores = frame.groupby("ring_id", sort=True)["ring_score"].first().reset_index()
        self._write_frame("CREATE (:Ring {ring_id: row.ring_id, score: row.ring_score})", scores)
        self._write_frame(
            "MATCH (s:Seller {seller_id: row.seller_id}) MATCH (r:Ring {ring_id: row.ring_id}) "
            "CREATE (s)-[:MEMBER_OF]->(r)",
            frame[["seller_id", "ring_id"]],
        )

    def _read_rings(self) -> pd.DataFrame | None:
        if not self.run("MATCH (r:Ring) RETURN 1 AS x LIMIT 1") and not self._read_meta().get("rings"):
            return None
        rows = self.run(
            "MATCH (s:Seller)-[:MEMBER_OF]->(r:Ring) "
            "RETURN s.seller_id AS seller_id, r.ring_id AS ring_id, r.score AS ring_score"
        )
        frame = pd.DataFrame(rows, columns=["seller_id", "ring_id", "ring_score"])
        return frame.sort_values(["ring_id", "seller_id"], ignore_index=True)

    def _write_sources(self, frame: pd.DataFrame) -> None:
        self.run("MATCH (:Ring)-[s:SOURCED_FROM]->() DELETE s")
        if frame.empty:  # `detect` alone writes no sources (tracing comes after)
            return
        orgs = frame[frame["entity_kind"] == "Organization"]
        cols = [c for c in orgs.columns if c not in ("ring_id", "entity_id", "entity_kind")]
        setters = ", ".join(f"s.{quote(c)} = row.{quote(c)}" for c in cols)
        self._write_frame(
            "MATCH (r:Ring {ring_id: row.ring_id}) MERGE (o:Organization {org_id: row.entity_id}) "
            f"CREATE (r)-[s:SOURCED_FROM]->(o) SET {setters}",
            orgs,
        )

    # ---- investigators' records and the audit trail ------------------------------------------
    def _append_records(self, rows: dict[str, list[dict]], audit: list[dict]) -> None:
        def work(tx):
            for name, records in rows.items():
                label, _ = _RECORD_LABELS[name]
                tx.run(
                    f"UNWIND $rows AS row CREATE (n:{label}) SET n = row",
                    rows=[{k: v for k, v in r.items() if v is not None} for r in records],
                ).consume()
            if not audit:
                return
            # the write lock on the head node is taken before the last entry is read, so two
            # writers never chain onto the same entry
            tx.run(
                "MERGE (h:AuditHead {name: 'audit'}) ON CREATE SET h.seq = 0, h.hash = '' "
                "SET h.writing = true"
            ).consume()
            head = tx.run("MATCH (h:AuditHead {name: 'audit'}) RETURN h.seq AS seq, h.hash AS hash").single()
            entries = chain_entries(head["seq"], head["hash"], audit)
            tx.run("UNWIND $rows AS row CREATE (n:AuditEntry) SET n = row", rows=entries).consume()
            tx.run(
                "MATCH (h:AuditHead {name: 'audit'}) SET h.seq = $seq, h.hash = $hash REMOVE h.writing",
                seq=entries[-1]["seq"],
                hash=entries[-1]["entry_hash"],
            ).consume()

        with self.driver.session(database=self.database) as session:
            session.execute_write(work)

    def _read_records(self, name: str) -> pd.DataFrame | None:
        label, _ = _RECORD_LABELS[name]
        rows = self.run(f"MATCH (n:{label}) RETURN n {{.*}} AS p")
        if not rows:
            return None
        frame = pd.DataFrame.from_records([r["p"] for r in rows])
        for column in RECORD_TABLES[name]:
            if column not in frame:
                frame[column] = ""
        return frame.fillna("")

    # ---- tables kept whole ------------------------------------------------------------------
    def _put_blob(self, name: str, frame: pd.DataFrame) -> None:
        buffer = io.BytesIO()
        frame.reset_index(drop=True).to_parquet(buffer, index=False)
        self.run(
            f"MERGE (t:{_BLOB_TABLES_LABEL} {{name: $name}}) SET t.parquet = $data, t.rows = $rows, "
            "t.columns = $columns, t.updated_at = datetime()",
            name=name,
            data=buffer.getvalue(),
            rows=len(frame),
            columns=[str(c) for c in frame.columns],
        )

    def _get_blob(self, name: str) -> pd.DataFrame | None:
        rows = self.run(f"MATCH (t:{_BLOB_TABLES_LABEL} {{name: $name}}) RETURN t.parquet AS data", name=name)
        return pd.read_parquet(io.BytesIO(bytes(rows[0]["data"]))) if rows else None

    # ---- inspection ---------------------------------------------------------------------------
    def graph_counts(self) -> dict[str, int]:
        """Nodes per label and relationships per type (from Neo4j's count store)."""
        counts = {}
        for row in self.run("CALL db.labels() YIELD label RETURN label"):
            label = row["label"]
            counts[label] = self.run(f"MATCH (n:`{label}`) RETURN count(n) AS n")[0]["n"]
        for row in self.run("CALL db.relationshipTypes() YIELD relationshipType AS t RETURN t"):
            rel = row["t"]
            counts[rel] = self.run(f"MATCH ()-[r:`{rel}`]->() RETURN count(r) AS n")[0]["n"]
        return {k: v for k, v in counts.items() if v}

    def wipe(self) -> None:
        """Delete every node and relationship (tests and benchmarks start from an empty database)."""
        self._tables.clear()
        with self.driver.session(database=self.database) as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()

    # ---- in-database community detection ------------------------------------------------------
    def community_engine(self) -> GdsLeiden:
        return GdsLeiden(self)

    # ---- named queries ------------------------------------------------------------------------
    def query(self, name: str, **params) -> pd.DataFrame:
        """Answer named query ``name`` (``queries/<name>.cypher``) with ``params``."""
        q = NamedQueries.get(name)
        return q.frame(self.run(q.cypher, **q.bind(params)))
