"""The GraphStore contract: shared logic here, a short list of backend methods in each store.

Tables are the canonical frames the loaders produce; every store keeps them under the key
declared in ``workbench.model`` so that loading the same input twice changes nothing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import pandas as pd

from workbench.model import INPUT_FILES

if TYPE_CHECKING:
    from graph_loaders import LoadedInput

__all__ = ["GraphStore", "table_key", "RING_COLUMNS", "UPSTREAM_COLUMNS", "CASE_STATUSES"]

RING_COLUMNS = ["seller_id", "ring_id", "ring_score"]
UPSTREAM_COLUMNS = ["ring_id", "rank", "entity_kind", "entity_id", "score", "evidence"]
# analysis outputs a store keeps beside the input tables, replaced whole on every run
RESULT_TABLES = {"rings": RING_COLUMNS, "upstream": UPSTREAM_COLUMNS}
CASE_REGISTER_COLUMNS = ["packet_id", "ring_id", "recipient", "redacted", "zip_sha256", "created_at"]
CASE_EVENT_COLUMNS = ["event_id", "ring_id", "status", "note", "changed_by", "changed_at"]
# where a ring stands with the task force; every change is kept as an event
CASE_STATUSES = ("open", "in progress", "referred", "dismissed")


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
    def _read_meta(self) -> dict: ...

    # a store whose tables live outside this process: analysis reads them back from it
    remote = False

    def query(self, name: str, **params) -> pd.DataFrame:
        """Answer named query ``name`` of ``queries/`` (the embedded store answers from its tables)."""
        from .named_queries import answer_in_memory

        return answer_in_memory(self, name, **params)

    def close(self) -> None:  # noqa: B027 - optional for backends without connections
        """Release connections; the embedded store has none."""

    # ---- shared logic ----------------------------------------------------------------
    def load(self, loaded: LoadedInput) -> dict[str, int]:
        """Write every loaded table (idempotently) and the quarantine; return rows per table."""
        written = {}
        for name, table in loaded.tables.items():
            self._upsert(name, table, table_key(name))
            written[name] = len(table)
        self._replace("quarantine", loaded.quarantine)
        meta = self._read_meta()
        meta["input"] = {
            "data_dir": str(loaded.data_dir),
            "fingerprint": loaded.fingerprint,
            "files": loaded.counts,
        }
        self._write_meta(meta)
        return written

    def table(self, name: str) -> pd.DataFrame:
        """Input table ``name``; an empty frame with the declared columns if never loaded."""
        frame = self._read(name)
        if frame is not None:
            return frame
        if name in RESULT_TABLES:
            return pd.DataFrame(columns=RESULT_TABLES[name])
        if name == "case_register":
            return pd.DataFrame(columns=CASE_REGISTER_COLUMNS)
        if name == "case_events":
            return pd.DataFrame(columns=CASE_EVENT_COLUMNS)
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

    def result(self, name: str) -> pd.DataFrame:
        frame = self._read(f"result_{name}")
        return frame if frame is not None else pd.DataFrame()

    def rings(self) -> pd.DataFrame:
        return self.table("rings")

    def upstream(self) -> pd.DataFrame:
        return self.table("upstream")

    def quarantine(self) -> pd.DataFrame:
        return self.table("quarantine")

    def record_packet(self, packets: pd.DataFrame) -> None:
        """Add lead packets to the case register (kept across analysis runs)."""
        self._upsert("case_register", packets[CASE_REGISTER_COLUMNS], ["packet_id"])

    def case_register(self) -> pd.DataFrame:
        return self.table("case_register")

    def record_case_event(self, ring_id: str, status: str, note: str, changed_by: str) -> None:
        """Set a ring's case status (with a note and who changed it); earlier events are kept."""
        import uuid
        from datetime import UTC, datetime

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
            "changed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._upsert("case_events", pd.DataFrame([event], columns=CASE_EVENT_COLUMNS), ["event_id"])

    def case_events(self) -> pd.DataFrame:
        return self.table("case_events")

    def case_status(self) -> pd.DataFrame:
        """Each ring's current status (rings never touched are 'open')."""
        events = self.case_events()
        return events.sort_values("changed_at", kind="stable").groupby("ring_id").tail(1).set_index("ring_id")

    def meta(self) -> dict:
        return self._read_meta()

    def counts(self) -> dict[str, int]:
        """Rows per stored table, for overviews and idempotency checks."""
        names = [*INPUT_FILES, "quarantine", *RESULT_TABLES]
        return {name: len(frame) for name in names if (frame := self._read(name)) is not None}

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
