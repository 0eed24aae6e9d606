"""The first load of a large marketplace into Neo4j through Neo4j's offline bulk importer
(`neo4j-admin database import full`): the loaded tables written as the importer's CSV files, the
same nodes, relationships and properties the batched path (``Neo4jStore``) writes, derived from
the model (``workbench.model``), so both paths give the same graph (a test compares them).

The importer writes the store files of an empty, stopped database directly; increments after it
use the batched path, which merges on keys and provenance.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from workbench.errors import WorkbenchError
from workbench.model import LINK_OWNERS, NODE_KINDS

from .graph_view import ENTITY_LABEL, model_graph
from .local_neo4j import TOOLS_DIR

__all__ = [
    "GRAPH_TABLES",
    "ImportFiles",
    "after_bulk",
    "bulk_first_load",
    "run_importer",
    "write_compose_import",
    "write_import_files",
]

# the input tables that become graph (and so go through the importer)
GRAPH_TABLES = (*ENTITY_LABEL, *LINK_OWNERS, "payments")


@dataclass
class ImportFiles:
    """The importer's input: node files per label and relationship files per type, and what they hold."""

    folder: Path
    nodes: list[tuple[str, Path]] = field(default_factory=list)
    relationships: list[tuple[str, Path]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    multiline: bool = False

    def arguments(self, seen_as: str | None = None) -> list[str]:
        """The importer's file arguments; ``seen_as`` is the folder as the importer sees it (a
        container's mount) when that is not where the files were written."""

        def where(path: Path) -> str:
            return f"{seen_as.rstrip('/')}/{path.name}" if seen_as else str(path)

        return [
            *(f"--nodes={label}={where(path)}" for label, path in self.nodes),
            *(f"--relationships={rel}={where(path)}" for rel, path in self.relationships),
        ]

    def options(self) -> list[str]:
        return [
            "--overwrite-destination=true",
            "--id-type=integer",
            f"--multiline-fields={'true' if self.multiline else 'false'}",
            "--bad-tolerance=0",
            "--skip-duplicate-nodes=false",
            "--skip-bad-relationships=false",
        ]


def _import_type(column: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return "datetime"
    if pd.api.types.is_bool_dtype(column.dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(column.dtype):
        return "long"
    if pd.api.types.is_float_dtype(column.dtype):
        return "double"
    return "string"


def _as_text(column: pd.Series) -> pa.Array:
    """A column as the importer reads it: ISO datetimes in UTC, numbers as numbers, nulls empty."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        utc = column.dt.tz_convert("UTC") if column.dt.tz is not None else column.dt.tz_localize("UTC")
        text = utc.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return pa.array(text.where(column.notna(), None), pa.string())
    if pd.api.types.is_integer_dtype(column.dtype):
        return pa.array(column.astype("Int64"), pa.int64())
    if pd.api.types.is_float_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        return pa.array(column)
    try:
        return pa.array(column, pa.string(), from_pandas=True)  # text, missing as null: the fast path
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed values in an extra column: each as text
        values = column.astype(object).where(column.notna(), None)
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def _write(frame: pd.DataFrame, header: list[str], path: Path) -> bool:
    """Write ``frame`` under the importer's ``header`` names; True when a value spans lines."""
    arrays = [_as_text(frame[c]) for c in frame.columns]
    table = pa.Table.from_arrays(arrays, names=header)
    pacsv.write_csv(
        table, path, pacsv.WriteOptions(include_header=True, quoting_style="needed", delimiter=",")
    )
    return any(
        pa.types.is_string(a.type) and bool(np.any(pa.compute.match_substring(a, "\n").fill_null(False)))
        for a in arrays
    )


def _header(frame: pd.DataFrame, renames: dict[str, str]) -> list[str]:
    out = []
    for column in frame.columns:
        if column in renames:
            out.append(renames[column])
        else:
            kind = _import_type(frame[column])
            out.append(column if kind == "string" else f"{column}:{kind}")
    return out


def write_import_files(tables: dict[str, pd.DataFrame], folder: Path) -> ImportFiles:
    """The importer's CSV files for ``tables`` (as the loaders produced them) in ``folder``.

    Nodes get integer import ids (``--id-type=integer``), numbered per label here, and keep their
    key as an ordinary property: the importer then needs no string id map, its slowest stage."""
    folder.mkdir(parents=True, exist_ok=True)
    files = ImportFiles(folder)
    graph = model_graph(tables)
    ids = graph.node_keys

    def nodes(label: str, frame: pd.DataFrame, name: str) -> None:
        key = NODE_KINDS[label].key
        numbered = pd.concat(
            [pd.Series(ids[label].get_indexer(frame[key].astype(str)), index=frame.index, name="_id"), frame],
            axis=1,
        )
        path = folder / f"nodes_{name}.csv"
        files.multiline |= _write(numbered, _header(numbered, {"_id": f":ID({label})"}), path)
        files.nodes.append((label, path))
        files.counts[f"nodes:{label}"] = files.counts.get(f"nodes:{label}", 0) + len(frame)

    written: dict[str, int] = {}
    for label, frame in graph.entities.items():
        nodes(label, frame, NODE_KINDS[label].source_file)
        written[label] = len(frame)
    for label, index in ids.items():
        # nodes only referred to (an identifier, an address no addresses row describes): the key alone
        rest = index[written.get(label, 0) :]
        if len(rest):
            nodes(
                label,
                pd.DataFrame({NODE_KINDS[label].key: np.asarray(rest, dtype=object)}),
                f"{label}_referenced",
            )
    for rel, start, end, rows, name in (
        (r.type, r.start, r.end, r.rows, r.part) for r in graph.relationships
    ):
        if not len(rows):
            continue
        numbered = rows.assign(
            _start=ids[start].get_indexer(rows["_start"].astype(str)),
            _end=ids[end].get_indexer(rows["_end"].astype(str)),
        )
        path = folder / f"rels_{name}.csv"
        header = _header(numbered, {"_start": f":START_ID({start})", "_end": f":END_ID({end})"})
        files.multiline |= _write(numbered, header, path)
        files.relationships.append((rel, path))
        files.counts[f"relationships:{rel}"] = files.counts.get(f"relationships:{rel}", 0) + len(rows)
    (folder / "counts.json").write_text(json.dumps(files.counts, indent=2))
    return files


def run_importer(files: ImportFiles, home: Path, database: str = "neo4j", heap: str = "2g") -> float:
    """Run ``neo4j-admin database import full`` into ``home`` (the stopped server's folder);
    seconds taken. Fails with the importer's own report when it refuses the files."""
    lib = TOOLS_DIR / "lib"
    if not any(lib.glob("neo4j-import-tool-*.jar")):
        raise WorkbenchError(f"{lib}: no neo4j-import-tool jar; run `make neo4j-jars`")
    conf = home / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "neo4j.conf").touch()
    report = files.folder / "import.report"
    command = [
        "java",
        f"-Xmx{heap}",
        "-cp",
        str(lib / "*"),
        "org.neo4j.cli.AdminTool",
        "database",
        "import",
        "full",
        database,
        *files.options(),
        "--high-parallel-io=on",
        f"--report-file={report}",
        *files.arguments(),
    ]
    env = {**os.environ, "NEO4J_HOME": str(home.resolve()), "NEO4J_CONF": str(conf.resolve())}
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=files.folder)
    # the importer's own account of its stages, kept beside the server's log
    (home / "bulk-import.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-12:])
        raise WorkbenchError(f"the Neo4j bulk importer failed (exit {done.returncode}):\n{tail}")
    return time.perf_counter() - started


def bulk_first_load(store, server, loaded, source: str | None = None, heap: str = "2g") -> dict[str, float]:
    """Load ``loaded`` into the empty database of the local ``server`` through the bulk importer:
    files written, server stopped, import run, server started, constraints created, then the
    store's own records (sources, quarantine, metadata) written as any load writes them.
    Returns seconds per step."""
    held = store.run("MATCH (n) RETURN count(n) AS n")[0]["n"]
    if held:
        raise WorkbenchError(
            f"--bulk writes an empty database, and {store.uri} holds {held:,} nodes: load into it "
            "without --bulk (the batched path merges increments into what is there)"
        )
    timings: dict[str, float] = {}
    started = time.perf_counter()
    folder = server.data_dir / "import" / f"bulk-{os.getpid()}-{time.time_ns()}"
    files = write_import_files(loaded.tables, folder)
    timings["bulk_files"] = time.perf_counter() - started
    try:
        store.driver.close()
        server.stop()
        try:
            timings["bulk_import"] = run_importer(files, server.data_dir, store.database, heap)
        except WorkbenchError:
            server.restart()  # never leave the user's server down
            store.reconnect()
            raise
        started = time.perf_counter()
        server.restart()
        store.reconnect()  # constraints and indexes are created here, after the import
        timings["bulk_restart"] = time.perf_counter() - started
        started = time.perf_counter()
        store.imported = {name for name in GRAPH_TABLES if name in loaded.tables}
        try:
            store.load(loaded, source=source)
        finally:
            store.imported = set()
        timings["bulk_records"] = time.perf_counter() - started
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return timings


COMPOSE_IMPORT = "/import/bulk"


def write_compose_import(tables: dict[str, pd.DataFrame], folder: Path, database: str = "neo4j") -> Path:
    """For docker-compose: the importer's files in ``folder`` (mounted at /import in the neo4j
    container) and ``import.sh``, the one command that stops Neo4j, imports and starts it again."""
    files = write_import_files(tables, folder)
    command = " ".join(
        [
            "docker compose stop neo4j && docker compose run --rm --no-deps neo4j",
            "neo4j-admin database import full",
            database,
            *files.options(),
            *files.arguments(COMPOSE_IMPORT),
            "&& docker compose start neo4j",
        ]
    )
    script = folder / "import.sh"
    script.write_text("#!/bin/sh\nset -e\n" + command + "\n")
    script.chmod(0o755)
    return script


def after_bulk(store, loaded, source: str | None = None) -> None:
    """After an import run by hand (docker-compose): the store's own records, the graph left as
    the importer wrote it. Refused unless the database holds this data's storefronts."""
    sellers = loaded.tables.get("sellers")
    expected = 0 if sellers is None else len(sellers)
    held = store.run("MATCH (s:Seller) WHERE s.provenance IS NOT NULL RETURN count(s) AS n")[0]["n"]
    if held != expected:
        raise WorkbenchError(
            f"--after-bulk: {store.uri} holds {held:,} sellers, this data {expected:,}: run the "
            "import (import.sh) for this data first"
        )
    store.imported = {name for name in GRAPH_TABLES if name in loaded.tables}
    try:
        store.load(loaded, source=source)
    finally:
        store.imported = set()
