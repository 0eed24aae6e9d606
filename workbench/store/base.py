"""The GraphStore contract: shared logic here, a short list of backend methods in each store.

Tables are the canonical frames the loaders produce; every store keeps them under the key
declared in ``workbench.model`` so that loading the same input twice changes nothing.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from workbench.errors import WorkbenchError
from workbench.model import INPUT_FILES
from workbench.provenance import told

if TYPE_CHECKING:
    from graph_loaders import LoadedInput

__all__ = [
    "GraphStore",
    "table_key",
    "RING_COLUMNS",
    "UPSTREAM_COLUMNS",
    "CASE_STATUSES",
    "AUDIT_COLUMNS",
    "acting_user",
    "audit_entry",
    "chain_entries",
    "verify_chain",
]

RING_COLUMNS = ["seller_id", "ring_id", "ring_score"]
# aliases: the other input ids of the entity in entity_id (one company under several names)
UPSTREAM_COLUMNS = ["ring_id", "rank", "entity_kind", "entity_id", "score", "aliases", "evidence"]
# analysis outputs a store keeps beside the input tables, replaced whole on every run
RESULT_TABLES = {"rings": RING_COLUMNS, "upstream": UPSTREAM_COLUMNS}
CASE_REGISTER_COLUMNS = ["packet_id", "ring_id", "recipient", "redacted", "zip_sha256", "created_at"]
CASE_EVENT_COLUMNS = ["event_id", "ring_id", "status", "note", "changed_by", "changed_at"]
# investigators' judgement (workbench.analytics.decisions): applied on every later analysis
DECISION_COLUMNS = [
    "decision_id",
    "kind",
    "subject",
    "target",
    "sides",
    "known",
    "reason",
    "decided_by",
    "role",
    "decided_at",
]
# the value behind each token of a redacted packet: kept by the sender, never sent
TOKEN_COLUMNS = ["token_id", "packet_id", "token", "kind", "value"]
AUDIT_COLUMNS = ["seq", "at", "actor", "role", "action", "subject", "detail", "prev_hash", "entry_hash"]
# the investigators' own records: appended, never replaced by an analysis run
RECORD_TABLES = {
    "case_events": CASE_EVENT_COLUMNS,
    "case_register": CASE_REGISTER_COLUMNS,
    "decisions": DECISION_COLUMNS,
    "redaction_tokens": TOKEN_COLUMNS,
    "audit": AUDIT_COLUMNS,
}
# where a ring stands with the task force; every change is kept as an event
CASE_STATUSES = ("open", "in progress", "referred", "dismissed")


# a source's name, as given with --source: no path separators, nothing that needs quoting
SOURCE_NAME = re.compile(r"^[\w.-]{1,100}$")


def source_name(data_dir: Path, source: str | None) -> str:
    """The name a load of ``data_dir`` keeps its rows under: ``--source``, else the folder's name."""
    source = source or Path(data_dir).resolve().name
    if not SOURCE_NAME.match(source):
        raise WorkbenchError(f"--source {source!r}: letters, digits, '.', '-' and '_' only")
    return source


def _combined_fingerprint(sources: list[dict]) -> str:
    """The input's fingerprint: the one source's, or a hash over every source's."""
    if len(sources) == 1:
        return sources[0]["fingerprint"]
    joined = "\n".join(f"{s['name']}:{s['fingerprint']}" for s in sorted(sources, key=lambda s: s["name"]))
    return hashlib.sha256(joined.encode()).hexdigest()


def acting_user() -> str:
    """Who runs this command, for the audit trail: WORKBENCH_USER, else the operating-system user."""
    return os.environ.get("WORKBENCH_USER") or f"cli:{getpass.getuser()}"


def audit_entry(actor: str | None, role: str | None, action: str, subject: str, detail: dict) -> dict:
    """An audit entry before it is chained: who (and in which role), when, what, about which ring."""
    return {
        "at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "actor": actor or acting_user(),
        "role": role or "",
        "action": action,
        "subject": str(subject),
        "detail": json.dumps(detail, sort_keys=True, ensure_ascii=False, default=str),
    }


def _entry_hash(prev_hash: str, entry: dict) -> str:
    fields = {k: entry[k] for k in ("seq", "at", "actor", "role", "action", "subject", "detail")}
    payload = prev_hash + "\n" + json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def chain_entries(last_seq: int, last_hash: str, entries: list[dict]) -> list[dict]:
    """``entries`` numbered after ``last_seq`` and each hashed together with the one before it, so
    that editing, removing or inserting an entry breaks every hash after it."""
    chained = []
    for entry in entries:
        last_seq += 1
        entry = {**entry, "seq": last_seq, "prev_hash": last_hash}
        entry["entry_hash"] = last_hash = _entry_hash(last_hash, entry)
        chained.append(entry)
    return chained


def verify_chain(log: pd.DataFrame) -> list[str]:
    """Where the chain of ``log`` (ordered by seq) breaks; empty when every entry is intact.

    >>> entries = chain_entries(0, "", [audit_entry("ann", "lead", "signed_in", "", {})] * 3)
    >>> verify_chain(pd.DataFrame(entries))
    []
    >>> entries[1]["actor"] = "bob"
    >>> verify_chain(pd.DataFrame(entries))[0]
    'entry 2: its content does not match its hash (edited)'
    """
    problems, prev_hash, expected_seq = [], "", 1
    for entry in log.to_dict("records"):
        seq = int(entry["seq"])
        if seq != expected_seq:
            problems.append(f"entries {expected_seq} to {seq - 1}: missing (removed)")
        if entry["prev_hash"] != prev_hash:
            problems.append(f"entry {seq}: does not follow the entry before it (removed or reordered)")
        if _entry_hash(entry["prev_hash"], entry) != entry["entry_hash"]:
            problems.append(f"entry {seq}: its content does not match its hash (edited)")
        prev_hash, expected_seq = entry["entry_hash"], seq + 1
    return problems


def _typed_records(frame: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame(columns=columns)
    return frame[columns].reset_index(drop=True)


def upsert_rows(existing: pd.DataFrame | None, frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """``existing`` with the rows of ``frame`` added, replacing those with the same ``key``."""
    if existing is None or not len(existing):
        return frame
    incoming = pd.MultiIndex.from_frame(frame[key].astype(str))
    stays = ~pd.MultiIndex.from_frame(existing[key].astype(str)).isin(incoming)
    return pd.concat([existing[stays], frame], ignore_index=True)


def table_key(name: str) -> list[str]:
    """The columns that identify one row of input table ``name`` in a store.

    Entity files have their declared key; an observation file (seller_links, org_links) is
    keyed by the observation itself and where it was read, so every input row is kept.
    """
    spec = INPUT_FILES[name]
    if spec.key:
        return list(spec.key)
    return [spec.columns[0].name, "kind", "value", "provenance"]


class GraphStore(ABC):
    """Where the graph lives. Backends implement the abstract methods; the rest is shared."""

    # ---- backend methods -------------------------------------------------------------
    @abstractmethod
    def _upsert(self, name: str, frame: pd.DataFrame, key: list[str]) -> None:
        """Insert rows of table ``name``, replacing rows with the same ``key``."""

    @abstractmethod
    def _replace(self, name: str, frame: pd.DataFrame) -> None:
        """Replace result table ``name`` (rings, upstream, quarantine) whole."""

    @abstractmethod
    def _read(self, name: str) -> pd.DataFrame | None:
        """Table ``name`` as stored, or None if the store has none."""

    @abstractmethod
    def _write_meta(self, meta: dict) -> None: ...

    @abstractmethod
    def _append_records(self, rows: dict[str, list[dict]], audit: list[dict]) -> None:
        """Append ``rows`` to the investigators' record tables (case_events, case_register) and
        ``audit`` entries to the audit trail, all in one transaction that excludes other writers;
        the entries are numbered and hashed by :func:`chain_entries` after the last stored one."""

    @abstractmethod
    def _read_records(self, name: str) -> pd.DataFrame | None:
        """Record table ``name`` (case_events, case_register, audit) as written, or None."""

    @abstractmethod
    def _read_meta(self) -> dict: ...

    # a store whose tables live outside this process: analysis reads them back from it
    remote = False

    def query(self, name: str, **params) -> pd.DataFrame:
        """Answer named query ``name`` of ``queries/`` (the embedded store answers from its tables)."""
        from .named_queries import answer_in_memory

        return answer_in_memory(self, name, **params)

    def community_engine(self):
        """Where ``--engine gds`` runs communities (a ``CommunityEngine``), or None: this store
        has none, and communities are found in this process."""
        return None

    def close(self) -> None:  # noqa: B027 - optional for backends without connections
        """Release connections; the embedded store has none."""

    # ---- shared logic ----------------------------------------------------------------
    def transaction(self):
        """A context in which every write commits together (the embedded store); a plain context
        where each write commits on its own (Neo4j's batched writes)."""
        return nullcontext(self)

    def _replace_source(self, source: str, tables: dict[str, pd.DataFrame], record: dict) -> None:
        """Make ``tables`` the rows of ``source``. Backends that keep rows per source replace
        them; the default merges them by key into what the store holds."""
        for name, frame in tables.items():
            frame = told(frame)  # a database holds provenance as text
            if name == "quarantine":
                self._replace(name, frame)
            else:
                self._upsert(name, frame, table_key(name))
        meta = self._read_meta()
        meta["sources"] = [*(s for s in meta.get("sources", []) if s["name"] != source), record]
        self._write_meta(meta)

    def _sources(self) -> list[dict]:
        return list(self._read_meta().get("sources", []))

    def load(
        self,
        loaded: LoadedInput,
        source: str | None = None,
        handed_over: bool = False,
        files_written: dict[str, Path] | None = None,
    ) -> dict[str, int]:
        """Write a loaded folder as the new version of ``source`` (default: the folder's name),
        replacing that source's rows and leaving every other source's; loading a version the
        store already holds changes nothing. Returns rows per table. ``handed_over``: the caller
        keeps no use of ``loaded``'s tables, and each is let go once written. ``files_written``: the
        tables the store's ``input_writer`` wrote whole during the load (``loaded`` holds the
        columns an analysis reads of them)."""
        source = source_name(loaded.data_dir, source)
        written = {name: len(table) for name, table in loaded.tables.items()}
        if self._holds_version(source, loaded.fingerprint):
            return written  # this very version is loaded already
        with self.transaction():
            # decided again inside: another writer may have loaded this source meanwhile
            if self._holds_version(source, loaded.fingerprint):
                return written
            previous = next((s for s in self._sources() if s["name"] == source), None)
            record = {
                "name": source,
                "version": (previous["version"] + 1) if previous else 1,
                "fingerprint": loaded.fingerprint,
                "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "rows": {**written, "quarantine": len(loaded.quarantine)},
                "data_dir": str(loaded.data_dir),
            }
            files, renamed = loaded.counts, loaded.renamed_columns
            tables = {**loaded.tables, **(files_written or {}), "quarantine": loaded.quarantine}
            if handed_over:
                # the columns no analysis reads are held here alone: each table goes once written
                # (at ten million sellers they were 4 GiB, held to the last table's end)
                loaded.files.clear()
            self._replace_source(source, tables, record)
            meta = self._read_meta()
            meta["input"] = {
                "data_dir": str(loaded.data_dir),
                "source": source,
                "fingerprint": _combined_fingerprint(self._sources()),
                "files": files,
                "renamed_columns": renamed,
            }
            self._write_meta(meta)
        return written

    def input_writer(self):
        """A writer that takes each file of a load as the loader checks it (``load_folder``'s
        ``keep``) and writes it whole, for ``load_later`` to name; None where a store writes a
        load at once."""
        return None

    def load_later(
        self, loaded: LoadedInput, source: str | None = None, writer=None
    ) -> Callable[[], dict[str, int]]:
        """``load`` started beside the caller's work; the call returned waits for it and returns
        ``load``'s answer (or raises its error). This default loads at once. ``writer``: this
        store's ``input_writer`` that took the load's files."""
        written = self.load(loaded, source)
        return lambda: written

    def source_names(self) -> list[str]:
        """The sources the store holds (each loaded with its own --source name)."""
        return [s["name"] for s in self._sources()]

    def _holds_version(self, source: str, fingerprint: str) -> bool:
        return any(s["name"] == source and s["fingerprint"] == fingerprint for s in self._sources())

    def info(self) -> dict:
        """What the store holds: rows per table, every source with its version, and whether the
        store is complete (a damaged or interrupted store does not open at all)."""
        return {"tables": self.counts(), "sources": self._sources(), "complete": True}

    def table(self, name: str) -> pd.DataFrame:
        """Input table ``name``; an empty frame with the declared columns if never loaded."""
        frame = self._read(name)
        if frame is not None:
            return frame
        if name in RESULT_TABLES:
            return pd.DataFrame(columns=RESULT_TABLES[name])
        if name == "quarantine":
            from graph_loaders.quarantine import QUARANTINE_COLUMNS

            return pd.DataFrame(columns=QUARANTINE_COLUMNS)
        return pd.DataFrame(columns=[*INPUT_FILES[name].column_names, "provenance"])

    def input_tables(self) -> dict[str, pd.DataFrame]:
        """Every input table the store holds, as the loaders produced them."""
        return {name: frame for name in INPUT_FILES if (frame := self._read(name)) is not None}

    def has_data(self) -> bool:
        return self._read("sellers") is not None

    def write_rings(self, rings: pd.DataFrame, method: str) -> None:
        self._replace("rings", rings[RING_COLUMNS])
        meta = self._read_meta()
        meta["rings"] = {"method": method, "count": int(rings["ring_id"].nunique())}
        self._write_meta(meta)

    def write_meta_entry(self, name: str, value) -> None:
        meta = self._read_meta()
        meta[name] = value
        self._write_meta(meta)

    def write_upstream(self, upstream: pd.DataFrame) -> None:
        self._replace("upstream", upstream)

    def write_result(self, name: str, frame: pd.DataFrame) -> None:
        """Keep an analysis result beside the rings (scores, member evidence, hubs, paths)."""
        self._replace(f"result_{name}", frame)

    def result_later(self, name: str, batches: Callable[[], Iterator[pa.Table]]) -> Callable[[bool], None]:
        """Start keeping the tables ``batches()`` yields, in order, as result ``name`` (a result of
        millions of rows that only the app reads: the explorer's index); the function returned
        finishes it (``keep=True``, inside the caller's transaction) or drops it (``keep=False``).
        Here it runs when finished; the embedded store writes it beside the analysis."""

        def finish(keep: bool = True) -> None:
            if keep:
                self.write_result(name, pa.concat_tables(batches()).to_pandas())

        return finish

    def result(self, name: str) -> pd.DataFrame:
        frame = self._read(f"result_{name}")
        return frame if frame is not None else pd.DataFrame()

    def rings(self) -> pd.DataFrame:
        return self.table("rings")

    def upstream(self) -> pd.DataFrame:
        return self.table("upstream")

    def quarantine(self) -> pd.DataFrame:
        return self.table("quarantine")

    # ---- investigators' records and the audit trail ------------------------------------
    def record_packet(
        self,
        packets: pd.DataFrame,
        actor: str | None = None,
        role: str | None = None,
        tokens: list[dict] | None = None,
    ) -> None:
        """Add lead packets to the case register (kept across analysis runs), each one audited;
        a redacted packet's ``tokens`` (token, kind, value) are kept with it, in the same
        transaction, so the sender can answer a formal request for the real values."""
        rows = packets[CASE_REGISTER_COLUMNS].to_dict("records")
        token_rows = [
            {"token_id": f"{row['packet_id']}|{t['token']}", "packet_id": row["packet_id"], **t}
            for row in rows
            for t in tokens or []
        ]
        audit = [
            audit_entry(
                actor,
                role,
                "packet_built",
                row["ring_id"],
                {k: row[k] for k in ("packet_id", "recipient", "redacted", "zip_sha256")},
            )
            for row in rows
        ]
        self._append_records({"case_register": rows, "redaction_tokens": token_rows}, audit)

    def case_register(self) -> pd.DataFrame:
        return _typed_records(self._read_records("case_register"), CASE_REGISTER_COLUMNS)

    def resolve_tokens(
        self, packet_id: str, tokens: list[str], actor: str, request: str, role: str | None = None
    ) -> pd.DataFrame:
        """The real values behind ``tokens`` of redacted packet ``packet_id`` (all of them when
        ``tokens`` is empty), for a formal request; the resolution is audited with who asked why.
        Raises ``ValueError`` naming an unknown packet or a token the packet does not hold."""
        register = self.case_register()
        if packet_id not in set(register["packet_id"]):
            raise ValueError(f"no packet {packet_id!r} in the case register")
        if not request.strip():
            raise ValueError("name the formal request these values answer (--request)")
        held = _typed_records(self._read_records("redaction_tokens"), TOKEN_COLUMNS)
        held = held[held["packet_id"] == packet_id]
        if held.empty:
            raise ValueError(f"packet {packet_id} holds no tokens (it was not redacted)")
        unknown = [t for t in tokens if t not in set(held["token"])]
        if unknown:
            raise ValueError(f"packet {packet_id} has no token {unknown[0]!r}")
        found = held[held["token"].isin(tokens)] if tokens else held
        found = found[["token", "kind", "value"]].sort_values("token", ignore_index=True)
        self.audit(
            actor,
            "tokens_resolved",
            packet_id,
            {"request": request.strip(), "tokens": found["token"].tolist()},
            role=role,
        )
        return found

    def record_case_event(
        self, ring_id: str, status: str, note: str, changed_by: str, role: str | None = None
    ) -> dict:
        """Set a ring's case status (with a note and who changed it); earlier events are kept.

        The event and its audit entry are written in one transaction."""
        if status not in CASE_STATUSES:
            raise ValueError(f"status must be one of {', '.join(CASE_STATUSES)}")
        if not changed_by.strip():
            raise ValueError("say who changes the status")
        event = {
            "event_id": uuid.uuid4().hex,
            "ring_id": ring_id,
            "status": status,
            "note": note,
            "changed_by": changed_by.strip(),
            "changed_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        }
        entry = audit_entry(
            changed_by.strip(), role, "case_changed", ring_id, {"status": status, "note": note}
        )
        self._append_records({"case_events": [event]}, [entry])
        return event

    def record_decision(self, decision: dict, role: str | None = None) -> dict:
        """Keep an investigator's decision (made by ``workbench.analytics.decisions.make_decision``)
        with its audit entry, in one transaction; later analyses apply it."""
        decision = {c: decision.get(c, "") for c in DECISION_COLUMNS}
        decision["decision_id"] = decision["decision_id"] or "D-" + uuid.uuid4().hex[:12]
        decision["decided_at"] = datetime.now(UTC).isoformat(timespec="microseconds")
        decision["role"] = role or decision["role"] or ""
        entry = audit_entry(
            decision["decided_by"],
            role,
            "decision_recorded",
            decision["target"] if decision["kind"] != "withdraw" else decision["subject"],
            {k: decision[k] for k in ("decision_id", "kind", "subject", "target", "reason")},
        )
        self._append_records({"decisions": [decision]}, [entry])
        return decision

    def decisions(self) -> pd.DataFrame:
        """Every decision ever recorded, withdrawals included, oldest first."""
        frame = _typed_records(self._read_records("decisions"), DECISION_COLUMNS)
        return frame.sort_values("decided_at", kind="stable", ignore_index=True)

    def case_events(self) -> pd.DataFrame:
        return _typed_records(self._read_records("case_events"), CASE_EVENT_COLUMNS)

    def case_status(self) -> pd.DataFrame:
        """Each ring's current status (rings never touched are 'open')."""
        events = self.case_events()
        return events.sort_values("changed_at", kind="stable").groupby("ring_id").tail(1).set_index("ring_id")

    def audit(
        self, actor: str | None, action: str, subject: str = "", detail: dict | None = None, role=None
    ) -> None:
        """Append one entry (who, when, what) to the hash-chained audit trail."""
        self._append_records({}, [audit_entry(actor, role, action, subject, detail or {})])

    def audit_log(self) -> pd.DataFrame:
        """The audit trail in order, oldest first."""
        log = _typed_records(self._read_records("audit"), AUDIT_COLUMNS)
        return log.sort_values("seq", ignore_index=True)

    def verify_audit(self) -> list[str]:
        """Problems with the audit trail's chain: an entry edited, removed or inserted."""
        return verify_chain(self.audit_log())

    def meta(self) -> dict:
        return self._read_meta()

    def counts(self) -> dict[str, int]:
        """Rows per stored table, for overviews and idempotency checks."""
        names = [*INPUT_FILES, "quarantine", *RESULT_TABLES]
        return {name: len(frame) for name in names if (frame := self._read(name)) is not None}

    def graph(self):
        """The graph the model makes of this store's tables and its last analysis's rings and
        sources (``graph_view.ModelGraph``): nodes per label, relationships per type."""
        from .graph_view import model_graph

        return model_graph(self.input_tables(), self._read("rings"), self._read("upstream"))

    def graph_counts(self) -> dict[str, int]:
        """Nodes per label and relationships per type of the model's graph (Neo4j reads its own)."""
        return self.graph().counts()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
