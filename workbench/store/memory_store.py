"""The embedded default store: a folder that behaves as a transactional database.

Tables live as immutable Parquet files (one per table and source, never rewritten in place); one
``manifest.json`` names the files that make up the committed store, and a write commits by
replacing it atomically (write, fsync, rename). A load killed at any moment therefore leaves the
store exactly as before it, and a reader only ever sees a committed manifest; the new table files
are put on disk (fsync) before the manifest names them, so a power cut cannot commit a file the
disk never received. One writer at a time holds ``write.lock`` (an OS file lock, released by the
kernel if the writer dies); a second writer waits for it, saying so. Investigators' records (case
events, the register, the audit trail) are appended to ``records.sqlite`` in WAL mode, shared by
every process on the store.
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from graph_loaders import analysed_file
from workbench.errors import WorkbenchError
from workbench.model import INPUT_FILES
from workbench.provenance import ProvenanceDtype, told

from .base import AUDIT_COLUMNS, RECORD_TABLES, GraphStore, chain_entries, upsert_rows

if TYPE_CHECKING:
    from graph_loaders.checks import FileResult

__all__ = ["MemoryStore", "EmbeddedStore", "FORMAT"]

FORMAT = "counterfeit-ring-workbench store 2"
_MANIFEST = "manifest.json"
_RECORDS = "records.sqlite"
_LOCK = "write.lock"
_TABLES = "tables"
T = TypeVar("T")
_BUILDING = ".building"  # a result being written beside the analysis, not yet in a transaction
# rows the analysis writes belong to no input source
ANALYSIS = "_analysis"
# table files no manifest names any more are removed this long after they were replaced, so a
# reader that opened an older manifest can still read it
RETENTION_SECONDS = 3600


def _sql_value(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    return None if value is None else str(value)


def _synced(path: Path) -> None:
    """Put a file's contents, or a folder's entries (new names, a rename), on disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _beside(work: Callable[[], T], name: str) -> Callable[[], T]:
    """``work`` started on a thread of its own; the call returned waits for its answer (or raises
    its error)."""
    answer: list = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            answer.append(work())
        except BaseException as exc:  # handed to whoever waits for it
            failed.append(exc)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()

    def wait() -> T:
        thread.join()
        if failed:
            raise failed[0]
        return answer[0]

    return wait


# rows told as text at a time where a table holds provenance as numbers (workbench.provenance)
_TOLD_ROWS = 2_000_000


def _write_parquet(frame: pd.DataFrame, path: Path, text: bool = False) -> None:
    """``frame`` as a Parquet file, provenance as text: told a part at a time, so a table's text
    (2.7 GB for ten million sellers' links) is never held whole. ``text``: a column held as
    codes is written as its text too (an input table is stored as its file had it)."""
    frame = frame.reset_index(drop=True)
    coded = [c for c, t in frame.dtypes.items() if isinstance(t, pd.CategoricalDtype)] if text else []

    def stored(part: pd.DataFrame) -> pd.DataFrame:
        part = told(part)
        return part.astype({c: "str" for c in coded}) if coded else part

    # a table with nothing to tell as text, or a small one, is written whole
    telling = coded or any(isinstance(t, ProvenanceDtype) for t in frame.dtypes)
    if not telling or len(frame) <= _TOLD_ROWS:
        stored(frame).to_parquet(path, index=False)
        return
    with pq.ParquetWriter(
        path, pa.Schema.from_pandas(stored(frame.iloc[:1]), preserve_index=False)
    ) as writer:
        for start in range(0, len(frame), _TOLD_ROWS):
            part = stored(frame.iloc[start : start + _TOLD_ROWS])
            writer.write_table(pa.Table.from_pandas(part, preserve_index=False))


# whole tables the store's input writer holds at once: the one it writes and the next
_TABLES_HELD = 2


class InputWriter:
    """The store's copy of a load, written file by file as the loader checks each (on a thread of
    its own, a file at a time) into files of the store's own that the load's transaction later
    names. The loader keeps the columns an analysis reads; the others were held from their file's
    check to the end of the load and past it (4 GiB at ten million sellers)."""

    def __init__(self, tables: Path):
        tables.mkdir(exist_ok=True)
        self._tables = tables
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self.files: dict[str, Path] = {}
        self._failed: list[BaseException] = []
        self._dropped = False
        # a slow disk holds the load back rather than stacking whole tables in memory: at ten
        # million sellers, a writer minutes behind held the links' and listings' whole tables
        # beside the analysis (a peak of 18.4 GiB, against 15.3 when it keeps up)
        self._room = threading.BoundedSemaphore(_TABLES_HELD)
        self._done = _beside(self._write_each, "input writer")

    def take(self, result: FileResult) -> FileResult:
        """Queue ``result``'s whole table for writing; return what the loader keeps of it. Waits
        while the writer holds ``_TABLES_HELD`` tables not yet written."""
        if self._failed:
            raise self._failed[0]
        self._room.acquire()
        building = self._tables / f".input_{result.name}.{uuid.uuid4().hex[:16]}{_BUILDING}"
        self.files[result.name] = building
        self._queue.put((result.table, building))
        return analysed_file(result)

    def _write_each(self) -> None:
        if sys.platform == "linux":
            # this thread yields to the loader's: on Linux a thread has a priority of its own, and
            # the writing then fills the core the loader's checks leave idle (2 s less at 3 M)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        while (item := self._queue.get()) is not None:
            table, building = item
            del item
            if not self._failed and not self._dropped:  # after a failure or a drop: let go unwritten
                try:
                    _write_parquet(table, building, text=True)
                except BaseException as exc:
                    self._failed.append(exc)
            del table  # the whole table is held no longer than its writing
            self._room.release()

    def finish(self) -> dict[str, Path]:
        """Wait for every queued file; the files written, by table (raises a write's error)."""
        self._queue.put(None)
        self._done()
        if self._failed:
            raise self._failed[0]
        return dict(self.files)

    def drop(self) -> None:
        """Let the files go (the load failed, or its version is in the store already): the ones
        the transaction named are renamed already; a file still queued is not written."""
        self._dropped = True
        self._queue.put(None)
        self._done()  # the file being written, if any, is ended before it is removed
        for building in self.files.values():
            building.unlink(missing_ok=True)


class EmbeddedStore(GraphStore):
    """A store folder: ``manifest.json`` (the committed state), ``tables/`` (immutable Parquet),
    ``records.sqlite`` (case records and audit trail) and ``write.lock``."""

    def __init__(self, path: Path | str, create: bool = True):
        self.path = Path(path)
        if not self.path.exists():
            if not create:
                raise WorkbenchError(
                    f"{self.path}: no store here; build one with "
                    "`workbench analyze DATA_DIR --out OUT --store DIR` or `workbench load`"
                )
            self.path.mkdir(parents=True, exist_ok=True)
        elif not self.path.is_dir():
            raise WorkbenchError(f"{self.path}: not a folder, cannot hold a store")
        self._manifest = self._read_manifest()
        self._tables: dict[str, pd.DataFrame] = {}
        self._pending: dict | None = None  # the manifest being written, inside a transaction
        self._lock_file = None
        self._building = threading.Lock()  # results built beside the analysis

    # ---- the committed state -----------------------------------------------------------------
    def _read_manifest(self) -> dict:
        file = self.path / _MANIFEST
        if not file.exists():
            leftovers = sorted(p.name for p in self.path.glob("*.parquet"))
            if leftovers:
                raise WorkbenchError(
                    f"{self.path}: a store of an older version or an interrupted one ({leftovers[0]} "
                    "but no manifest.json); build a new store with `workbench load DATA --store NEW`"
                )
            return {"format": FORMAT, "version": 0, "tables": {}, "sources": [], "meta": {}}
        try:
            manifest = json.loads(file.read_text())
            if manifest.get("format") != FORMAT:
                raise ValueError(f"format {manifest.get('format')!r}, expected {FORMAT!r}")
            for files in manifest["tables"].values():
                for name in files.values():
                    if not (self.path / _TABLES / name).is_file():
                        raise ValueError(f"{_TABLES}/{name} is missing")
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WorkbenchError(
                f"{file}: the store is damaged ({exc}); build a new store with "
                "`workbench load DATA --store NEW`"
            ) from None
        return manifest

    def _current(self) -> dict:
        return self._pending if self._pending is not None else self._manifest

    # ---- transactions ------------------------------------------------------------------------
    @contextmanager
    def transaction(self):
        """Every write inside commits together, or not at all; one writer at a time."""
        if self._pending is not None:  # nested: part of the enclosing transaction
            yield self
            return
        self._lock()
        try:
            # start from what is committed now, not from what this process read earlier
            self._manifest = self._read_manifest()
            self._tables.clear()
            self._pending = json.loads(json.dumps(self._manifest))
            written_before = set(self._table_files(self._manifest))
            try:
                yield self
            except BaseException:
                for name in set(self._table_files(self._pending)) - written_before:
                    (self.path / _TABLES / name).unlink(missing_ok=True)
                self._pending = None
                self._tables.clear()
                raise
            pending, self._pending = self._pending, None
            pending["version"] = self._manifest["version"] + 1
            pending["committed_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            self._sync_files(set(self._table_files(pending)) - written_before)
            self._commit(pending)
            self._manifest = pending
            self._collect_garbage()
        finally:
            self._unlock()

    def _lock(self) -> None:
        self._lock_file = open(self.path / _LOCK, "a+")  # noqa: SIM115 - held for the transaction
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.seek(0)
            holder = self._lock_file.read().strip() or "another process"
            print(f"{self.path}: waiting for {holder} to finish writing", file=sys.stderr, flush=True)
            fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}")
        self._lock_file.flush()

    def _unlock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.truncate(0)
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def _sync_files(self, names: set[str]) -> None:
        """Put the transaction's new table files on disk before the manifest names them: after
        a power cut the committed manifest must not name a file the disk never received."""
        for name in sorted(names):
            _synced(self.path / _TABLES / name)
        if names:
            _synced(self.path / _TABLES)

    def _commit(self, manifest: dict) -> None:
        tmp = self.path / f".{_MANIFEST}.{uuid.uuid4().hex}"
        with open(tmp, "w") as file:
            json.dump(manifest, file, indent=1, default=str)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, self.path / _MANIFEST)  # the commit: one atomic rename
        _synced(self.path)

    @staticmethod
    def _table_files(manifest: dict) -> list[str]:
        return [name for files in manifest["tables"].values() for name in files.values()]

    def _collect_garbage(self) -> None:
        """Remove table files no manifest names, once no reader can still need them."""
        keep = set(self._table_files(self._manifest))
        cutoff = time.time() - RETENTION_SECONDS
        for file in (self.path / _TABLES).glob("*.parquet"):
            if file.name not in keep and file.stat().st_mtime < cutoff:
                file.unlink(missing_ok=True)
        for stale in self.path.glob(f".{_MANIFEST}.*"):
            stale.unlink(missing_ok=True)
        # results a process was building when it died
        for stale in (self.path / _TABLES).glob(f".*{_BUILDING}"):
            if stale.stat().st_mtime < cutoff:
                stale.unlink(missing_ok=True)

    # ---- backend methods -------------------------------------------------------------------
    def _read(self, name: str) -> pd.DataFrame | None:
        if name not in self._tables:
            files = self._current()["tables"].get(name)
            if not files:
                return None
            frames = [self._read_file(files[source]) for source in files]
            frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
            key = INPUT_FILES[name].key if name in INPUT_FILES else ()
            if len(frames) > 1 and key:
                # one entity in two sources: the source loaded last says what it is now
                frame = frame.drop_duplicates(list(key), keep="last", ignore_index=True)
            self._tables[name] = frame
        return self._tables[name]

    def _read_file(self, file_name: str) -> pd.DataFrame:
        file = self.path / _TABLES / file_name
        try:
            return pd.read_parquet(file)
        except FileNotFoundError:
            raise WorkbenchError(
                f"{self.path}: the store changed since it was opened; open it again"
            ) from None
        except (OSError, ValueError) as exc:  # pyarrow's errors are both
            raise WorkbenchError(
                f"{file}: a table of the store is damaged ({type(exc).__name__}); build a new store "
                f"with `workbench load DATA --store NEW`"
            ) from None

    def _write_table(self, name: str, source: str, frame: pd.DataFrame | Path | None) -> None:
        """Put ``frame`` as ``source``'s rows of table ``name`` (None removes them; a path is a
        file of the store's own written already, ``InputWriter``)."""
        if isinstance(frame, Path):
            self._write_file(name, source, lambda path: os.replace(frame, path))
            return
        # an input table is stored as its file had it: its kinds as text, not codes
        text = name in INPUT_FILES
        self._write_file(
            name, source, None if frame is None else lambda path: _write_parquet(frame, path, text)
        )

    def result_later(self, name: str, batches: Callable[[], Iterator[pa.Table]]) -> Callable[[bool], None]:
        # written beside the analysis (Arrow leaves the interpreter free), batch by batch into a
        # file of the store's own that the transaction later names (a rename, not a copy)
        (self.path / _TABLES).mkdir(exist_ok=True)
        building = self.path / _TABLES / f".result_{name}.{uuid.uuid4().hex[:16]}{_BUILDING}"

        def write() -> None:
            with self._building:  # one at a time: the analysis has the other core
                tables = batches()
                first = next(tables, pa.table({}))
                with pq.ParquetWriter(building, first.schema) as writer:
                    writer.write_table(first)
                    for batch in tables:
                        writer.write_table(batch)

        written = _beside(write, f"result {name}")

        def finish(keep: bool = True) -> None:
            try:
                written()
                if keep:
                    self._write_file(f"result_{name}", ANALYSIS, lambda path: os.replace(building, path))
            except BaseException:
                if keep:  # a result dropped anyway need not have been built
                    raise
            finally:
                building.unlink(missing_ok=True)  # kept, it is renamed already

        return finish

    def input_writer(self) -> InputWriter:
        return InputWriter(self.path / _TABLES)

    def load_later(
        self, loaded, source: str | None = None, writer: InputWriter | None = None
    ) -> Callable[[], dict[str, int]]:
        # Arrow writes the Parquet files on the other core while the analysis goes on; through a
        # handle of its own, so its transaction and write lock are its own and this handle reads
        # the committed store meanwhile
        # handed over: the caller's analysis holds the columns it reads, this load the others
        # until each table is written (``load(handed_over=True)`` empties this copy of the files);
        # of the files a writer has, this load counts the rows and holds nothing
        handed = loaded.written_elsewhere(writer.files if writer is not None else ())

        def load() -> dict[str, int]:
            if writer is None:
                return EmbeddedStore(self.path).load(handed, source, handed_over=True)
            try:  # the tables written during the load, named by its transaction
                return EmbeddedStore(self.path).load(
                    handed, source, handed_over=True, files_written=writer.finish()
                )
            finally:
                writer.drop()

        loading = _beside(load, "load")

        def finish() -> dict[str, int]:
            written = loading()
            # from now on this handle reads the store with the load committed
            self._manifest = self._read_manifest()
            self._tables.clear()
            return written

        return finish

    def _write_file(self, name: str, source: str, write: Callable[[Path], None] | None) -> None:
        """Put the Parquet file ``write`` makes as ``source``'s rows of table ``name`` (None
        removes them)."""
        with self.transaction():
            files = self._pending["tables"].setdefault(name, {})
            if write is None:
                files.pop(source, None)
            else:
                file_name = f"{name}.{uuid.uuid4().hex[:16]}.parquet"
                (self.path / _TABLES).mkdir(exist_ok=True)
                write(self.path / _TABLES / file_name)
                files.pop(source, None)  # re-inserted last: the newest source comes last
                files[source] = file_name
            if not files:
                self._pending["tables"].pop(name)
            self._tables.pop(name, None)

    def _upsert(self, name: str, frame: pd.DataFrame, key: list[str]) -> None:
        self._write_table(name, ANALYSIS, upsert_rows(self._read(name), frame, key))

    def _replace(self, name: str, frame: pd.DataFrame) -> None:
        self._write_table(name, ANALYSIS, frame)

    def _replace_source(self, source: str, tables: dict[str, pd.DataFrame], record: dict) -> None:
        with self.transaction():
            for name in list(self._pending["tables"]):
                if name not in tables and source in self._pending["tables"][name]:
                    self._write_table(name, source, None)  # the new version no longer has it
            for name in list(tables):
                self._write_table(name, source, tables.pop(name))  # let go once written
            sources = [s for s in self._pending["sources"] if s["name"] != source]
            self._pending["sources"] = [*sources, record]

    def _sources(self) -> list[dict]:
        return list(self._current()["sources"])

    def _read_meta(self) -> dict:
        return json.loads(json.dumps(self._current()["meta"]))

    def _write_meta(self, meta: dict) -> None:
        with self.transaction():
            self._pending["meta"] = json.loads(json.dumps(meta, default=str))

    # ---- investigators' records: SQLite in WAL mode, shared by every process on the store -----
    def _records(self) -> sqlite3.Connection:
        """The store's record database (case events, case register, audit trail), opened per call
        so that no process keeps a stale copy: the app and the CLI append side by side."""
        connection = sqlite3.connect(self.path / _RECORDS, timeout=60, isolation_level=None)
        connection.execute("PRAGMA synchronous=FULL")
        # switching to WAL takes an exclusive lock and SQLite does not wait for it (no busy
        # handler): two processes opening a new store at once would fail with "database is
        # locked". So the mode is set only when it is not yet WAL, and retried briefly.
        for attempt in range(400):
            try:
                if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    connection.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 399:
                    raise
                time.sleep(0.05)
        # every record table and the audit triggers (a store from an older version lacks a table)
        present = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE (type = 'table' AND name IN "
            f"({', '.join('?' * len(RECORD_TABLES))})) OR (type = 'trigger' AND name = 'audit_no_delete')",
            list(RECORD_TABLES),
        ).fetchone()[0]
        if present < len(RECORD_TABLES) + 1:
            # the schema once, under the write lock (BEGIN IMMEDIATE waits for it, up to the timeout)
            connection.execute("BEGIN IMMEDIATE")
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
            connection.execute("COMMIT")
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


# the embedded store's earlier name, kept for callers and notebooks written against it
MemoryStore = EmbeddedStore
