"""The ``workbench`` command: synth, load, analyze, demo and app, with progress on long steps."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .config import Settings
from .errors import WorkbenchError

__all__ = ["app", "main"]

app = typer.Typer(
    help="Counterfeit Ring Workbench: find the operations behind many storefronts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
# results go to stdout; wide enough that tables keep their columns when piped to a file
results = Console(width=None if Console().is_terminal else 200)
APP_FILE = Path(__file__).resolve().parent.parent / "app.py"


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


Neo4jOption = Annotated[
    str | None,
    typer.Option(
        "--neo4j",
        metavar="URI",
        help="Use the Neo4j database at URI (bolt://...) as the store; NEO4J_USER, NEO4J_PASSWORD "
        "and NEO4J_DATABASE come from the environment.",
    ),
]


def _open_store(path: Path | None, create: bool = True, neo4j: str | None = None):
    """The store to use as a context manager: Neo4j at ``neo4j``, the embedded store at ``path``,
    or a null context without either."""
    from contextlib import nullcontext

    from .store import MemoryStore

    if neo4j and path:
        raise WorkbenchError("give --store (embedded) or --neo4j (database), not both")
    if neo4j:
        from .store.neo4j_store import open_neo4j

        return open_neo4j(neo4j)
    return MemoryStore(path, create=create) if path else nullcontext()


def _where(path: Path | None, neo4j: str | None) -> str:
    """How to name the store in messages and hints."""
    return f"--neo4j {neo4j}" if neo4j else f"--store {path}"


def _out_folder(out: Path) -> Path:
    """``--out`` as a folder to write into (made if missing); a file there is a user mistake."""
    if out.exists() and not out.is_dir():
        raise WorkbenchError(f"--out {out}: is a file; name a folder")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _show_counts(counts: dict[str, dict[str, int]]) -> None:
    table = Table("file", "read", "loaded", "quarantined", "duplicates", title="Input")
    for name, c in counts.items():
        table.add_row(name, *(f"{c[k]:,}" for k in ("read", "loaded", "quarantined", "duplicates")))
    results.print(table)


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the marketplace into.")],
    sellers: Annotated[int, typer.Option(help="Number of seller accounts (storefronts).")] = 10000,
    rings: Annotated[int, typer.Option(help="Number of counterfeit rings to plant.")] = 40,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 7,
    scenario: Annotated[
        str,
        typer.Option(
            help="realistic, easy, hard, hubs, multistore, strays, duplicates or split-source: how hard "
            "the rings hide."
        ),
    ] = "realistic",
    clean: Annotated[
        bool, typer.Option("--clean", help="Write no bad rows or duplicates (for benchmarks).")
    ] = False,
    new: Annotated[
        int,
        typer.Option(
            help="Also write this many new registrations (reopened ring storefronts among ordinary new "
            "sellers) into OUT/registrations, for `workbench screen`."
        ),
    ] = 0,
) -> None:
    """Generate a synthetic marketplace with planted rings and their sources under truth/."""
    from .synth.generator import SCENARIOS, generate_marketplace

    if scenario not in SCENARIOS:
        raise WorkbenchError(f"--scenario: unknown {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    if sellers < 50 or rings < 0:
        raise WorkbenchError("--sellers must be at least 50 and --rings at least 0")
    with _progress() as progress:
        progress.add_task(f"generating {sellers:,} sellers", total=None)
        try:
            summary = generate_marketplace(out, sellers, rings, seed, scenario, bad_rows=not clean, new=new)
        except ValueError as exc:
            raise WorkbenchError(str(exc)) from None
    console.print(
        f"wrote {out}: {summary.rows['sellers']:,} seller rows, {summary.rings} rings "
        f"({summary.ring_sellers:,} ring storefronts), truth in {out / 'truth'}"
    )


SourceOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        help="Name of this data's source (default: the folder's name); loading a new version of a "
        "source replaces that source's rows and no other's.",
    ),
]


@app.command()
def info(
    store: Annotated[Path | None, typer.Option("--store", help="Embedded store folder.")] = None,
    neo4j: Neo4jOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """What a store holds: rows per table, and every source with its version, fingerprint, load
    time and rows."""
    import json

    if not store and not neo4j:
        raise WorkbenchError("say which store: --store DIR (embedded) or --neo4j URI")
    with _open_store(store, create=False, neo4j=neo4j) as graph_store:
        facts = graph_store.info()
    if as_json:
        results.print(json.dumps(facts, default=str), highlight=False, soft_wrap=True)
        return
    tables = Table("table", "rows", title=f"Store {neo4j or store}")
    for name, rows in facts["tables"].items():
        tables.add_row(name, f"{rows:,}")
    results.print(tables)
    sources = Table("source", "version", "fingerprint", "loaded at", "rows", title="Sources")
    for s in facts["sources"]:
        rows = sum(v for k, v in s["rows"].items() if k != "quarantine")
        sources.add_row(s["name"], str(s["version"]), s["fingerprint"][:16], s["loaded_at"], f"{rows:,}")
    results.print(sources)


@app.command()
def load(
    data_dir: Annotated[Path, typer.Argument(help="Input folder (the input format, docs/architecture.md).")],
    store: Annotated[Path | None, typer.Option("--store", help="Embedded store folder to load into.")] = None,
    neo4j: Neo4jOption = None,
    source: SourceOption = None,
    bulk: BulkOption = False,
    bulk_files: Annotated[
        Path | None,
        typer.Option(
            "--bulk-files",
            help="Write the bulk importer's files and import.sh here (docker-compose: ./neo4j-import/bulk).",
        ),
    ] = None,
    after_bulk: Annotated[
        bool,
        typer.Option(
            "--after-bulk", help="After running import.sh: write the store's records (with --neo4j)."
        ),
    ] = False,
) -> None:
    """Validate and load an input folder into the embedded store or Neo4j as one transaction
    (idempotent; a new version of a source replaces that source's rows). --bulk makes a first
    load into the local Neo4j through Neo4j's offline bulk importer."""
    from .pipeline import load_into_store

    if bulk_files is not None:
        from graph_loaders import load_folder

        from .store.bulk_import import write_compose_import

        script = write_compose_import(
            load_folder(data_dir, Settings.from_env().default_country).tables, bulk_files
        )
        console.print(
            f"wrote the importer's files and {script}; run it from the folder of docker-compose.yml, then "
            f"`workbench load {data_dir} --neo4j bolt://localhost:7687 --after-bulk`"
        )
        return
    if not store and not neo4j:
        raise WorkbenchError("say where to load: --store DIR (embedded) or --neo4j URI")
    server = _bulk_server(neo4j) if bulk else None
    with _open_store(store, neo4j=neo4j) as graph_store, _progress() as progress:
        task = progress.add_task("loading", total=None)
        if after_bulk:
            from graph_loaders import load_folder

            from .store.bulk_import import after_bulk as write_records

            if not neo4j:
                raise WorkbenchError("--after-bulk follows an import into Neo4j: give --neo4j URI")
            loaded = load_folder(data_dir, Settings.from_env().default_country)
            write_records(graph_store, loaded, source)
            timings = {}
        else:
            loaded, timings = load_into_store(
                data_dir,
                graph_store,
                Settings.from_env(),
                on_file=lambda name: progress.update(task, description=f"loading {name}"),
                source=source,
                bulk=server,
            )
    _show_counts(loaded.counts)
    console.print(
        f"loaded into {neo4j or store} in {sum(timings.values()):.1f}s; "
        f"{len(loaded.quarantine):,} row(s) quarantined"
    )


@app.command("import")
def import_(
    src: Annotated[
        Path,
        typer.Argument(
            help="A foreign export: a folder of CSV/Parquet/Excel files, one file, or FtM JSON lines."
        ),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="YAML mapping of source columns to input fields (see mappings/)."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="New input folder to write.")] = None,
    infer: Annotated[
        bool, typer.Option("--infer", help="Draft a mapping from column names and sample values, to edit.")
    ] = False,
    ftm: Annotated[
        bool, typer.Option("--ftm", help="SRC holds FollowTheMoney entities (JSON lines).")
    ] = False,
) -> None:
    """Turn a foreign export into the input format: through a column mapping, or from FollowTheMoney
    entities; --infer drafts a mapping to start from. Every source row is made into input rows or
    quarantined (OUT/import/quarantine.csv) with its line and reason."""
    from .imports.convert import import_folder
    from .imports.ftm import import_ftm
    from .imports.infer import draft_mapping

    if infer:
        if mapping or ftm:
            raise WorkbenchError("--infer drafts a mapping: give it SRC alone (and --out FILE to save it)")
        draft = draft_mapping(src)
        if out is None:
            results.out(draft, end="", highlight=False)
            return
        if out.exists():
            raise WorkbenchError(f"--out {out}: already exists; name a new mapping file")
        out.write_text(draft, encoding="utf-8")
        console.print(f"drafted {out}: read it, fix what is wrong, then import with --mapping {out}")
        return
    if out is None:
        raise WorkbenchError("name the input folder to write: --out DATA_DIR")
    if ftm == (mapping is not None):
        raise WorkbenchError("say how to read SRC: --mapping FILE.yml, or --ftm for FollowTheMoney entities")
    report = import_ftm(src, out) if ftm else import_folder(src, mapping, out)
    table = Table("input file", "rows made", "merged duplicates")
    for file, n in report.made.items():
        table.add_row(file, f"{n:,}", f"{report.merged.get(file, 0):,}")
    results.print(table)
    if report.unplaced:
        console.print(
            "no place in the input format (counted in import/report.json): "
            + ", ".join(f"{n:,} {schema}" for schema, n in report.unplaced.items())
        )
    console.print(
        f"wrote {out}; {len(report.quarantined):,} source row(s) set aside in {out}/import/quarantine.csv; "
        f"next: workbench analyze {out} --out RESULTS"
    )


BulkOption = Annotated[
    bool,
    typer.Option(
        "--bulk",
        help="First load into an empty local Neo4j (`make neo4j-up`) through Neo4j's offline bulk "
        "importer: the server is stopped, imported into and started again. Increments stay batched.",
    ),
]


def _bulk_server(neo4j: str | None):
    """The local server a --bulk load may stop and import into."""
    from .store.local_neo4j import running_local

    if not neo4j:
        raise WorkbenchError("--bulk loads into Neo4j: give --neo4j URI (the local server, `make neo4j-up`)")
    server = running_local(neo4j)
    if server is None:
        raise WorkbenchError(
            f"--bulk: {neo4j} is not the local Neo4j this machine started with `make neo4j-up`; the "
            "importer writes a stopped database's files. With docker-compose use --bulk-files "
            "neo4j-import/bulk and run the import.sh it writes (README, Neo4j)"
        )
    return server


MethodOption = Annotated[
    str | None,
    typer.Option(
        "--method",
        help="Community method: leiden (default; evidence-weighted, hubs suppressed), louvain "
        "(networkx, same graph), wcc (baseline: components over strong identifiers) or gds "
        "(Leiden in Neo4j Graph Data Science, with --neo4j).",
    ),
]
EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="Where communities are found: client (default: this process) or gds (in the Neo4j "
        "database, Graph Data Science Leiden, with --neo4j; the same as --method gds).",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="TOML file of weights and thresholds (see workbench/analysis.toml)."),
]


def _analysis_settings(config: Path | None, method: str | None, engine: str | None = None):
    from .analytics.settings import AnalysisSettings

    if engine not in (None, "client", "gds"):
        raise WorkbenchError(f"--engine {engine!r}: choose client or gds")
    if engine == "gds":
        if method not in (None, "gds"):
            raise WorkbenchError(f"--engine gds runs Graph Data Science Leiden; drop --method {method}")
        method = "gds"
    elif engine == "client" and method == "gds":
        raise WorkbenchError("--method gds runs in the database; it cannot go with --engine client")
    return AnalysisSettings.load(config, **({"method": method} if method else {}))


@app.command()
def analyze(
    out: Annotated[Path, typer.Option("--out", help="Folder for rings.csv, upstream.csv, ...")],
    data_dir: Annotated[
        Path | None,
        typer.Argument(
            help="Input folder (the input format, docs/architecture.md); with --store and no folder, "
            "the folder loaded last (`workbench load`)."
        ),
    ] = None,
    store: Annotated[
        Path | None, typer.Option("--store", help="Keep the embedded store here for later use.")
    ] = None,
    neo4j: Neo4jOption = None,
    method: MethodOption = None,
    engine: EngineOption = None,
    config: ConfigOption = None,
    source: SourceOption = None,
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental",
            help="DATA is a day's data for the store (give it its own --source): detect again only "
            "the part of the graph it touches, keeping every other ring as it was.",
        ),
    ] = False,
    bulk: BulkOption = False,
) -> None:
    """Load, detect rings and trace upstream; write rings.csv, upstream.csv, quarantine.csv and
    summary.json to OUT, with the evidence behind them (ring_scores.csv, ring_members.csv,
    suppressed.csv, upstream_paths.csv, ring_history.csv, associates.csv, conflicts.csv,
    resolved.csv, changes.csv); the store's decisions are applied. A store holding several sources
    is analysed whole."""
    from .pipeline import analyze as run_analysis

    analysis = _analysis_settings(config, method, engine)
    server = _bulk_server(neo4j) if bulk else None
    if data_dir is None and not (store or neo4j):
        raise WorkbenchError(
            "name the input folder, or the store whose last loaded folder to analyse (--store)"
        )
    with _open_store(store, neo4j=neo4j) as graph_store, _progress() as progress:
        if data_dir is None:
            # `workbench load NEW_DIR --store S --source day2` then `workbench analyze --store S`
            last = graph_store.meta().get("input", {})
            if not last.get("data_dir"):
                raise WorkbenchError(
                    f"{neo4j or store}: nothing loaded yet; run `workbench load DATA {_where(store, neo4j)}`"
                )
            data_dir, source = Path(last["data_dir"]), source or last.get("source")
        task = progress.add_task("analysing", total=None)
        result = run_analysis(
            data_dir,
            out,
            graph_store,
            Settings.from_env(),
            on_step=lambda step: progress.update(task, description=step),
            analysis=analysis,
            source=source,
            incremental=incremental,
            bulk=server,
        )
    _show_counts(result.loaded.counts)
    summary = result.summary()
    console.print(
        f"{summary['rings']:,} rings ({summary['sellers_in_rings']:,} core members, "
        f"{summary['associates']:,} associates) in {summary['timings']['total']:.1f}s; results in {out}",
        soft_wrap=True,
    )
    _say_entities(summary.get("entities", {}))
    _say_decisions(result.findings)


@contextmanager
def _stored_tables(store: Path | None, neo4j: str | None = None):
    """The store a command works on and its input tables; the store is closed (its Neo4j driver
    with it) when the command ends, however it ends."""
    if not store and not neo4j:
        raise WorkbenchError("say which store: --store DIR (embedded) or --neo4j URI")
    with _open_store(store, create=False, neo4j=neo4j) as graph_store:
        if not graph_store.has_data():
            raise WorkbenchError(
                f"{neo4j or store}: the store holds no sellers; "
                f"run `workbench load DATA {_where(store, neo4j)}`"
            )
        yield graph_store, graph_store.input_tables()


@app.command()
def detect(
    store: Annotated[
        Path | None, typer.Option("--store", help="Embedded store folder (after `workbench load`).")
    ] = None,
    neo4j: Neo4jOption = None,
    method: MethodOption = None,
    engine: EngineOption = None,
    config: ConfigOption = None,
) -> None:
    """Detect and score rings on a loaded store; ring ids carry over from the store's last run."""
    from .pipeline import detect_rings, write_findings

    with _stored_tables(store, neo4j) as (graph_store, tables):
        with _progress() as progress:
            progress.add_task("detecting rings", total=None)
            findings, _ = detect_rings(
                tables,
                _analysis_settings(config, method, engine),
                previous_rings=graph_store.rings(),
                engine=graph_store.community_engine(),
                decisions=graph_store.decisions(),
            )
            write_findings(graph_store, findings)
        events = findings.history["event"].value_counts().to_dict()
        console.print(
            f"{findings.rings['ring_id'].nunique():,} rings ({len(findings.rings):,} core members, "
            f"{len(findings.associates):,} associates), "
            f"{len(findings.suppressed):,} hub identifiers suppressed; ring ids: {events}",
            soft_wrap=True,
        )
        _say_decisions(findings)


@app.command()
def trace(
    store: Annotated[
        Path | None, typer.Option("--store", help="Embedded store folder (after `workbench detect`).")
    ] = None,
    neo4j: Neo4jOption = None,
    config: ConfigOption = None,
) -> None:
    """Trace every stored ring upstream and rank its likely production sources."""
    import pandas as pd

    from .analytics.decisions import in_force
    from .pipeline import Findings, trace_upstream

    with _stored_tables(store, neo4j) as (graph_store, tables):
        rings = graph_store.rings()
        if rings.empty:
            raise WorkbenchError(
                f"{neo4j or store}: no rings yet; run `workbench detect {_where(store, neo4j)}`"
            )
        findings = Findings(
            rings,
            settings=_analysis_settings(config, None),
            suppressed=graph_store.result("suppressed"),
            # membership decisions were applied by detect; tracing applies the source ones
            decisions=_tracing_decisions(in_force(graph_store.decisions())),
        )
        with _progress() as progress:
            progress.add_task("tracing upstream", total=None)
            trace_upstream(findings, tables)
        with graph_store.transaction():
            graph_store.write_upstream(findings.upstream)
            graph_store.write_result("paths", findings.paths)
            # source conflicts replace the last trace's; membership conflicts stay
            kept = graph_store.result("conflicts")
            if len(kept):
                kept = kept[~kept["kind"].isin(["source", "not-source"])]
            graph_store.write_result("conflicts", pd.concat([kept, findings.conflicts], ignore_index=True))
        console.print(f"{findings.upstream['ring_id'].nunique():,} rings traced; sources in {neo4j or store}")
        _say_decisions(findings)


def _say_entities(entities: dict) -> None:
    """How many records entity resolution joined (resolved.csv explains each)."""
    places, companies = entities.get("address"), entities.get("org")
    if places and companies:
        console.print(
            f"entities: {places['records']:,} address records are {places['entities']:,} places, "
            f"{companies['records']:,} organisation records {companies['entities']:,} companies "
            "(resolved.csv)",
            soft_wrap=True,
        )


def _tracing_decisions(decisions):
    """What tracing applies: source decisions, and the entity ones (tracing resolves again)."""
    return decisions[
        decisions["kind"].isin(["source", "not-source", "same-entity", "different-entities"])
    ].reset_index(drop=True)


def _say_decisions(findings) -> None:
    """How the investigators' decisions fared in this run; conflicts are named one by one."""
    if findings.decisions.empty:
        return
    console.print(
        f"decisions: {len(findings.decisions)} in force, {findings.decisions_applied} applied, "
        f"{len(findings.conflicts)} conflicts"
    )
    for c in findings.conflicts.itertuples(index=False):
        console.print(
            f"CONFLICT {c.decision_id} ({c.kind} {c.subject} {c.target}): {c.conflict}", soft_wrap=True
        )


@app.command()
def screen(
    new_dir: Annotated[
        Path, typer.Argument(help="New registrations in the input format (sellers, seller_links).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for screening.csv (and quarantine.csv).")],
    store: Annotated[Path | None, typer.Option("--store", help="Embedded store with an analysis.")] = None,
    neo4j: Neo4jOption = None,
    keep: Annotated[
        bool, typer.Option(help="Keep this screening in the store for the app's Watch page.")
    ] = True,
) -> None:
    """Screen new storefronts against the store's rings and banned or closed sellers; the store's
    data and rings are not changed."""
    from graph_loaders import load_folder

    from .analytics.screening import Screener
    from .config import Settings
    from .safe_output import write_csv

    if not store and not neo4j:
        raise WorkbenchError("name the store to screen against: --store DIR or --neo4j URI")
    loaded = load_folder(new_dir, Settings.from_env().default_country)
    with _open_store(store, create=False, neo4j=neo4j) as graph_store:
        screener = Screener.of_store(graph_store)
        found = screener.screen(loaded.tables["sellers"], loaded.tables["seller_links"])
        if keep:
            graph_store.write_result("screening", found.assign(screened_from=str(new_dir)))
    _out_folder(out)
    found = found.sort_values(["risk", "seller_id"], ascending=[False, True], ignore_index=True)
    write_csv(found, out / "screening.csv")
    write_csv(loaded.quarantine, out / "quarantine.csv")
    flagged = found[found["risk"] >= 0.5]
    results.print(
        f"{len(found):,} new sellers screened, {len(flagged):,} at risk 0.5 or more "
        f"({flagged['ring_id'].ne('').sum():,} tied to a known ring); {len(loaded.quarantine):,} rows "
        f"quarantined; results in {out / 'screening.csv'}",
        soft_wrap=True,
    )
    for row in flagged.head(10).itertuples(index=False):
        results.print(
            f"  {row.seller_id} risk {row.risk:.2f} {row.ring_id or '-'}: {row.reasons}",
            soft_wrap=True,
            highlight=False,
        )


@app.command()
def serve(
    store: Annotated[Path | None, typer.Option("--store", help="Embedded store with an analysis.")] = None,
    neo4j: Neo4jOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    token_file: Annotated[
        Path | None,
        typer.Option(help="File holding the API token (else WORKBENCH_API_TOKEN); 16 characters or more."),
    ] = None,
) -> None:
    """The screening API for a registration system: POST /screen (token required), GET /health,
    schema at /openapi.json."""
    import os

    import uvicorn

    from .analytics.screening import Screener
    from .config import Settings
    from .serve import make_app

    if not store and not neo4j:
        raise WorkbenchError("name the store to screen against: --store DIR or --neo4j URI")
    token = token_file.read_text().strip() if token_file else os.environ.get("WORKBENCH_API_TOKEN", "")
    if len(token) < 16:
        raise WorkbenchError(
            "the API needs a token of 16 characters or more: set WORKBENCH_API_TOKEN or pass --token-file"
        )
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(f"listening on {host}: reachable beyond this machine; put TLS in front of it")
    with _open_store(store, create=False, neo4j=neo4j) as graph_store:
        screener = Screener.of_store(graph_store)
    api = make_app(screener, token, Settings.from_env().default_country)
    console.print(f"screening API on http://{host}:{port} (POST /screen, GET /health, /openapi.json)")
    uvicorn.run(api, host=host, port=port, log_level="warning")


@app.command()
def hotspots(
    out: Annotated[Path, typer.Option("--out", help="Folder for hotspots.geojson, .csv, .png.")],
    store: Annotated[
        Path | None, typer.Option("--store", help="Embedded store folder with analysed rings.")
    ] = None,
    neo4j: Neo4jOption = None,
    level: Annotated[str, typer.Option(help="province, prefecture or country.")] = "province",
    measure: Annotated[
        str, typer.Option(help="What Gi* tests: production (default), storefronts (rate) or activity.")
    ] = "production",
) -> None:
    """Regional hotspots: counts and rates per region and Getis-Ord Gi* significance; writes
    hotspots.geojson, hotspots.csv, hotspots_monthly.csv and a choropleth hotspots.png."""
    from .analytics.hotspots import LEVELS, MEASURES, store_hotspots
    from .leads.images import choropleth

    if level not in LEVELS or measure not in MEASURES:
        raise WorkbenchError(f"--level is one of {', '.join(LEVELS)}; --measure one of {', '.join(MEASURES)}")
    with _stored_tables(store, neo4j) as (graph_store, _):
        if graph_store.rings().empty:
            raise WorkbenchError(
                f"{neo4j or store}: no rings yet; "
                f"run `workbench analyze DATA --out OUT {_where(store, neo4j)}`"
            )
        with _progress() as progress:
            progress.add_task(f"hotspots by {level}", total=None)
            result = store_hotspots(graph_store, level=level, measure=measure)
        from .safe_output import write_csv

        _out_folder(out)
        table = result.table.drop(columns=["local_name"])
        table.to_file(out / "hotspots.geojson", driver="GeoJSON")
        write_csv(table.drop(columns="geometry"), out / "hotspots.csv")
        write_csv(result.monthly, out / "hotspots_monthly.csv")
        choropleth(table, "hotspot_z", out / "hotspots.png", f"Gi* z of {measure} by {level}")
        significant = table[(table["hotspot_p"] < 0.05) & (table["hotspot_z"] > 0)]["region_name"].tolist()
        placed = ", ".join(f"{k}: {v['not_placed']} not placed" for k, v in result.placement.items())
        results.print(
            f"hotspots ({measure}, p < 0.05): {', '.join(significant) or 'none'}; {placed}; files in {out}"
        )


@app.command()
def packet(
    ring_id: Annotated[str | None, typer.Argument(help="Ring to refer (an id from rings.csv).")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder to write the packet folder and zip into.")
    ] = None,
    store: Annotated[
        Path | None, typer.Option("--store", help="Embedded store folder with analysed rings.")
    ] = None,
    neo4j: Neo4jOption = None,
    redact: Annotated[
        bool, typer.Option("--redact", help="Replace person IDs, phones, e-mails, accounts by keyed hashes.")
    ] = False,
    recipient: Annotated[str, typer.Option(help="Who the packet is for (kept in the case register).")] = (
        "unspecified recipient"
    ),
    flows: Annotated[
        bool,
        typer.Option(
            "--flows", help="Refer the money and goods flows instead of a ring (data with no ring)."
        ),
    ] = False,
    language: Annotated[
        str, typer.Option("--language", help="Language of the report: en (English) or zh (简体中文).")
    ] = "en",
) -> None:
    """Build a lead packet for one ring: report (HTML, PDF), exports (CSV, FtM, GraphML, GeoJSON),
    provenance and a SHA-256 manifest; record it in the case register. The redaction key comes
    from WORKBENCH_REDACTION_KEY (a random one otherwise)."""
    from .i18n import LANGUAGES, set_language
    from .leads.flow_packet import build_flow_packet
    from .leads.packet import build_lead_packet

    if language not in LANGUAGES:
        raise WorkbenchError(f"--language {language!r}: choose one of {', '.join(LANGUAGES)}")
    set_language(language)  # the report's words; the exports and the manifest stay as they are

    if out is None:
        raise WorkbenchError("name the folder to write the packet into: --out DIR")
    if flows == (ring_id is not None):
        raise WorkbenchError("name a RING_ID to refer a ring, or give --flows to refer the flows")
    subject = "the flows" if flows else f"ring {ring_id}"
    with _stored_tables(store, neo4j) as (graph_store, _):
        with _progress() as progress:
            progress.add_task(f"building the lead packet for {subject}", total=None)
            if flows:
                built = build_flow_packet(graph_store, out, redact=redact, recipient=recipient, role="cli")
            else:
                built = build_lead_packet(
                    graph_store, ring_id, out, redact=redact, recipient=recipient, role="cli"
                )
        results.print(
            f"packet {built.packet_id} for {subject} in {built.seconds:.1f}s: {built.folder} and "
            f"{built.zip_path} (SHA-256 {built.zip_sha256}){'; redacted' if redact else ''}"
        )


@app.command("resolve-tokens")
def resolve_tokens(
    packet_id: Annotated[str, typer.Argument(help="The redacted packet's id (LP-... or FP-...).")],
    tokens: Annotated[
        list[str] | None, typer.Argument(help="Tokens to resolve, as the packet shows them (kind:hash).")
    ] = None,
    request: Annotated[
        str,
        typer.Option("--request", help="The formal request these values answer (kept in the audit trail)."),
    ] = "",
    every: Annotated[bool, typer.Option("--all", help="Resolve every token of the packet.")] = False,
    store: Annotated[Path | None, typer.Option("--store", help="Embedded store folder.")] = None,
    neo4j: Neo4jOption = None,
) -> None:
    """The real values behind a redacted packet's tokens, for the sender answering a formal request
    from the recipient; the values never leave with the packet, and each resolution is audited."""
    from .store.base import acting_user

    if not tokens and not every:
        raise WorkbenchError("name the tokens to resolve, or give --all for every token of the packet")
    if not store and not neo4j:
        raise WorkbenchError("say which store: --store DIR (embedded) or --neo4j URI")
    with _open_store(store, create=False, neo4j=neo4j) as graph_store:
        try:
            found = graph_store.resolve_tokens(packet_id, list(tokens or []), acting_user(), request, "cli")
        except ValueError as exc:
            raise WorkbenchError(str(exc)) from None
    for row in found.itertuples(index=False):
        typer.echo(f"{row.token}\t{row.value}")  # tab-separated: a script reads it as it is


@app.command()
def verify(
    packet_path: Annotated[Path, typer.Argument(help="Packet folder or zip to check.", metavar="PACKET")],
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="The sender's public key (PEM, from `workbench keys init`)."),
    ] = None,
) -> None:
    """Check a lead packet: the signature over its manifest and every file against the manifest;
    exit 1 naming what changed. With --public-key the signer must be that key."""
    from .leads.manifest import verify_packet

    checked = verify_packet(packet_path, public_key)
    if checked.problems:
        for problem in checked.problems:
            results.print(f"FAILED {problem}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    manifest = checked.manifest
    signer = (
        f"signed by the given key {checked.signer}"
        if checked.signer_verified
        else f"signed by {checked.signer}, UNVERIFIED signer: compare this fingerprint with the "
        "sender's, or pass --public-key"
    )
    results.print(
        f"OK: {len(manifest['files'])} files match the manifest of packet {manifest.get('packet_id')} "
        f"(ring {manifest.get('ring_id')}, for {manifest.get('recipient')}, created "
        f"{manifest.get('created_at')}); {signer}",
        highlight=False,
        soft_wrap=True,
    )


keys = typer.Typer(help="The unit's Ed25519 key that signs lead packets.", no_args_is_help=True)
app.add_typer(keys, name="keys")


@keys.command("init")
def keys_init(
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key.")] = False,
) -> None:
    """Create the signing key (WORKBENCH_SIGNING_KEY, default in the user's config folder; private
    key mode 0600, public key beside it as PATH.pub) and print its fingerprint for the cover letter."""
    from .leads.signing import init_signing_key

    path, print_ = init_signing_key(force=force)
    results.print(
        f"signing key {path} (mode 0600), public key {path}.pub\nfingerprint {print_}", highlight=False
    )


@keys.command("show")
def keys_show() -> None:
    """Print where the signing key is and its public key's fingerprint."""
    from .leads.signing import fingerprint, load_signing_key, signing_key_path

    path = signing_key_path()
    print_ = fingerprint(load_signing_key(path).public_key())
    results.print(f"signing key {path}, public key {path}.pub\nfingerprint {print_}", highlight=False)


@app.command()
def audit(
    store: Annotated[Path | None, typer.Option("--store", help="Embedded store folder.")] = None,
    neo4j: Neo4jOption = None,
    check: Annotated[bool, typer.Option("--verify", help="Check the hash chain; exit 1 if broken.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the entries as JSON lines.")] = False,
) -> None:
    """List the audit trail (who viewed personal identifiers, built packets, changed cases, signed
    in); --verify checks that no entry was edited, removed or inserted."""
    import json

    if not store and not neo4j:
        raise WorkbenchError("say which store: --store DIR (embedded) or --neo4j URI")
    with _open_store(store, create=False, neo4j=neo4j) as graph_store:
        log = graph_store.audit_log()
        problems = graph_store.verify_audit() if check else []
    if as_json:
        for entry in log.to_dict("records"):
            results.print(json.dumps(entry, ensure_ascii=False, default=str), highlight=False, soft_wrap=True)
    else:
        table = Table("seq", "at", "actor", "role", "action", "subject", "detail", title="Audit trail")
        for e in log.itertuples(index=False):
            table.add_row(str(e.seq), str(e.at)[:19], e.actor, e.role, e.action, e.subject, e.detail)
        results.print(table)
    if check:
        for problem in problems:
            results.print(f"BROKEN {problem}", highlight=False)
        if problems:
            raise typer.Exit(1)
        head = log["entry_hash"].iloc[-1] if len(log) else "(empty)"
        results.print(f"OK: {len(log)} entries, chain intact; head {head}", highlight=False)


@app.command()
def decide(
    kind: Annotated[
        str,
        typer.Argument(
            help="not-member SELLER RING | member SELLER RING | same-operation RING_A RING_B | "
            "different-operations SELLER_A SELLER_B | not-source ORG RING | source ORG RING | "
            "same-entity RECORD_A RECORD_B | different-entities RECORD_A RECORD_B | "
            "hit-confirmed NEW_SELLER RING | hit-dismissed NEW_SELLER [RING] | withdraw DECISION_ID"
        ),
    ],
    subject: Annotated[
        str,
        typer.Argument(
            help="The seller, ring, organisation, address or organisation record, or decision id."
        ),
    ],
    target: Annotated[
        str, typer.Argument(help="The ring, second seller or second record (none for withdraw).")
    ] = "",
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the decision, required).")] = "",
    store: Annotated[Path | None, typer.Option("--store", help="Embedded store folder.")] = None,
    neo4j: Neo4jOption = None,
) -> None:
    """Record an investigator's judgement in the store (who, why, when; audited); every later
    `detect`/`analyze`/`trace` applies it, and reports it as a conflict if new data contradicts it."""
    from .analytics.decisions import DECISION_KINDS
    from .analytics.decisions import decide as record
    from .store.base import acting_user

    if kind in DECISION_KINDS and kind not in ("withdraw", "hit-dismissed") and not target:
        first, second = DECISION_KINDS[kind]
        raise WorkbenchError(f"{kind} needs two arguments: {first.upper()} {second.upper()}")
    with _stored_tables(store, neo4j) as (graph_store, _):
        decision = record(graph_store, kind, subject, target, reason, acting_user(), "cli")
    results.print(
        f"{decision['decision_id']}: {kind} {subject} {target} by {decision['decided_by']}; "
        "applied from the next `workbench detect` or `analyze`",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def decisions(
    store: Annotated[Path | None, typer.Option("--store", help="Embedded store folder.")] = None,
    neo4j: Neo4jOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decisions as one JSON array.")] = False,
) -> None:
    """List the investigators' decisions (withdrawn ones marked) and the last analysis's conflicts."""
    import json

    from .analytics.decisions import in_force

    if not store and not neo4j:
        raise WorkbenchError("say which store: --store DIR (embedded) or --neo4j URI")
    with _open_store(store, create=False, neo4j=neo4j) as graph_store:
        every = graph_store.decisions()
        conflicts = graph_store.result("conflicts")
    active = set(in_force(every)["decision_id"])
    rows = []
    for d in every.to_dict("records"):
        d["in_force"] = d["decision_id"] in active
        d["conflicts"] = (
            conflicts.loc[conflicts["decision_id"] == d["decision_id"], "conflict"].tolist()
            if len(conflicts)
            else []
        )
        rows.append(d)
    if as_json:
        results.print(json.dumps(rows, ensure_ascii=False, default=str), highlight=False, soft_wrap=True)
        return
    table = Table("id", "kind", "subject", "target", "by", "at", "reason", "state", title="Decisions")
    for d in rows:
        state = "in force" if d["in_force"] else ("withdrawal" if d["kind"] == "withdraw" else "withdrawn")
        if d["conflicts"]:
            state += "; CONFLICT: " + "; ".join(d["conflicts"])
        table.add_row(
            d["decision_id"],
            d["kind"],
            d["subject"],
            d["target"],
            d["decided_by"],
            str(d["decided_at"])[:19],
            d["reason"],
            state,
        )
    results.print(table)


users = typer.Typer(help="Local sign-in accounts for the app (argon2 password hashes).", no_args_is_help=True)
app.add_typer(users, name="users")


@users.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name to sign in with.")],
    role: Annotated[str, typer.Option(help="viewer, investigator or lead.")] = "viewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    oidc: Annotated[
        bool,
        typer.Option("--oidc", help="NAME is an e-mail that signs in through the identity provider."),
    ] = False,
) -> None:
    """Add a user (or change a user's role and password) in the users file (WORKBENCH_USERS)."""
    from .access import ROLES, add_user, users_file

    if role not in ROLES:
        raise WorkbenchError(f"--role {role!r}: choose one of {', '.join(ROLES)}")
    if oidc:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    add_user(name, password, role)
    results.print(f"{name} ({role}) in {users_file()}", highlight=False)


@users.command("remove")
def users_remove(name: Annotated[str, typer.Argument(help="User to remove.")]) -> None:
    """Remove a user from the users file."""
    from .access import remove_user, users_file

    remove_user(name)
    results.print(f"{name} removed from {users_file()}", highlight=False)


@users.command("list")
def users_list() -> None:
    """List the users and their roles (never their password hashes)."""
    from .access import read_users, users_file

    table = Table("user", "role", title=f"Users ({users_file()})")
    for name, user in sorted(read_users().items()):
        table.add_row(name, user["role"])
    results.print(table)


@app.command()
def bench(
    sellers: Annotated[int, typer.Option(help="Sellers per quality scenario.")] = 20000,
    rings: Annotated[int, typer.Option(help="Rings per quality scenario.")] = 120,
    seed: Annotated[int, typer.Option(help="Seed of the generated scenarios.")] = 5,
    scenarios: Annotated[
        str,
        typer.Option(help="Comma-separated: easy, hard, hubs, multistore, strays, duplicates, split-source."),
    ] = "easy,hard,hubs,multistore,strays",
    methods: Annotated[str, typer.Option(help="Comma-separated: leiden, louvain, wcc, wcc-all.")] = (
        "leiden,louvain,wcc,wcc-all"
    ),
    community_step: Annotated[
        int, typer.Option(help="Sellers for Leiden vs networkx Louvain on one graph (0 skips).")
    ] = 100000,
    decisions: Annotated[
        int,
        typer.Option(
            help="not-member decisions on wrongly attached sellers, on the hard scenario (0 skips)."
        ),
    ] = 5,
    resolution: Annotated[
        bool,
        typer.Option(
            help="Entity resolution on the duplicates and split-source scenarios: precision, recall, "
            "and ring ARI and upstream top-1 with resolution on and off."
        ),
    ] = True,
    screening: Annotated[
        int,
        typer.Option(
            help="Screen this many new registrations against the hard scenario: risk AUC, ring named "
            "right, latency (0 skips)."
        ),
    ] = 5000,
    out: Annotated[Path | None, typer.Option(help="Also write the figures here as JSON lines.")] = None,
) -> None:
    """Measure ring detection, scoring and tracing against planted truth, method by method."""
    import json

    from .bench import (
        METHODS,
        SCENARIO_NAMES,
        community_step_benchmark,
        decisions_benchmark,
        quality_benchmark,
        resolution_benchmark,
        screening_benchmark,
    )

    chosen_scenarios = tuple(x.strip() for x in scenarios.split(",") if x.strip())
    chosen_methods = tuple(x.strip() for x in methods.split(",") if x.strip())
    unknown = [x for x in chosen_scenarios if x not in SCENARIO_NAMES] + [
        x for x in chosen_methods if x not in METHODS
    ]
    if unknown:
        raise WorkbenchError(f"unknown scenario or method: {', '.join(unknown)}")
    with _progress() as progress:
        progress.add_task(f"quality on {len(chosen_scenarios)} scenario(s)", total=None)
        rows = quality_benchmark(sellers, rings, seed, chosen_scenarios, chosen_methods)
        if community_step:
            progress.add_task(f"community step on {community_step:,} sellers", total=None)
            step = community_step_benchmark(community_step, max(10, community_step // 200), seed)
        if decisions:
            progress.add_task(f"{decisions} decisions on the strays scenario", total=None)
            decided = decisions_benchmark(sellers, rings, seed, count=decisions)
        if resolution:
            progress.add_task("entity resolution on the duplicates scenarios", total=None)
            resolved = resolution_benchmark(sellers, rings, (seed,))
        if screening:
            progress.add_task(f"screening {screening:,} registrations", total=None)
            screened = screening_benchmark(sellers, rings, seed, screening)
    columns = [
        "scenario",
        "method",
        "ari",
        "ari_full",
        "precision",
        "recall",
        "auc",
        "upstream_top1",
        "upstream_top3",
        "associates",
        "associate_precision",
        "ari_all_groups",
        "seconds",
    ]
    table = Table(*columns, title=f"Ring detection vs truth ({sellers:,} sellers, {rings} rings)")
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    results.print(table)
    lines = [json.dumps({"benchmark": "ring_quality", **row}) for row in rows]
    if community_step:
        results.print(
            f"community step on {step['graph_edges']:,} evidence edges: Leiden {step['leiden_seconds']}s "
            f"(ARI {step['leiden_ari']}), networkx Louvain {step['louvain_seconds']}s "
            f"(ARI {step['louvain_ari']}): {step['speedup']}x"
        )
        lines.append(json.dumps({"benchmark": "community_step", **step}))
    if decisions:
        results.print(
            f"{decided['decisions']} not-member decisions on wrongly attached sellers: core ARI "
            f"{decided['ari_before']} -> {decided['ari_after']}; other sellers moved "
            f"{decided['other_sellers_moved']}, other rings rescored {decided['other_rings_rescored']}",
            soft_wrap=True,
        )
        lines.append(json.dumps({"benchmark": "decisions", **decided}))
    if resolution:
        names = [
            "scenario",
            "address_precision",
            "address_recall",
            "org_precision",
            "org_recall",
            "neighbours_merged",
            "ari_on",
            "ari_off",
            "upstream_top1_on",
            "upstream_top1_off",
        ]
        table = Table(*names, title="Entity resolution vs planted duplicates (on / off)")
        for row in resolved:
            table.add_row(*(str(row.get(c, "")) for c in names))
        results.print(table)
        lines += [json.dumps({"benchmark": "entity_resolution", **row}) for row in resolved]
    if screening:
        results.print(
            f"screening {screened['registrations']:,} registrations "
            f"({screened['reopened']:,} reopened): "
            f"risk AUC {screened['risk_auc']}, ring named right {screened['ring_named_right']}; "
            f"one registration {screened['one_registration_ms_median']} ms (median), "
            f"the batch {screened['batch_seconds']} s",
            soft_wrap=True,
        )
        lines.append(json.dumps({"benchmark": "screening", **screened}))
    if out:
        out.write_text("\n".join(lines) + "\n")


@app.command()
def demo(
    dir: Annotated[Path, typer.Option("--dir", help="Folder for demo data, results and store.")] = Path(
        "demo"
    ),
    sellers: Annotated[int, typer.Option(help="Sellers in the demo marketplace.")] = 20000,
    rings: Annotated[int, typer.Option(help="Rings planted in it.")] = 60,
    port: Annotated[int, typer.Option(help="Port for the app.")] = 8501,
) -> None:
    """Generate a demo marketplace, analyse it into an embedded store, and open the app
    (set DEMO_NO_APP=1 to stop after the analysis)."""
    from .leads.signing import init_signing_key, signing_key_path

    if not signing_key_path().exists():  # the demo's packets are signed like any other
        path, print_ = init_signing_key()
        console.print(f"made a signing key for lead packets: {path} (fingerprint {print_})")
    synth(out=dir / "data", sellers=sellers, rings=rings, seed=7, scenario="realistic", clean=False)
    analyze(data_dir=dir / "data", out=dir / "out", store=dir / "store")
    if os.environ.get("DEMO_NO_APP"):
        console.print(
            f"DEMO_NO_APP set: not starting the app. Start it with: workbench app --store {dir / 'store'}"
        )
        return
    run_app(store=dir / "store", port=port)


@app.command("app")
def run_app(
    store: Annotated[Path | None, typer.Option("--store", help="Embedded store folder to open.")] = None,
    neo4j: Neo4jOption = None,
    port: Annotated[int, typer.Option(help="Port to serve the app on.")] = 8501,
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. The default serves this machine only; any other address "
            "needs sign-in (`workbench users add` or OIDC in .streamlit/secrets.toml)."
        ),
    ] = "127.0.0.1",
) -> None:
    """Serve the Streamlit app on the embedded store or on Neo4j."""
    from .access import is_loopback, read_users

    if not is_loopback(host) and not _sign_in_configured(read_users()):
        raise WorkbenchError(
            f"--host {host}: serving beyond this machine needs sign-in; add users with "
            "`workbench users add NAME --role viewer|investigator|lead` (or configure OIDC in "
            ".streamlit/secrets.toml and set WORKBENCH_AUTH=oidc)"
        )
    env = dict(os.environ)
    if neo4j:
        from .store.neo4j_store import open_neo4j

        open_neo4j(neo4j).close()  # fail here, clearly, rather than on the page
        env["WORKBENCH_NEO4J_URI"] = neo4j
    elif store is None or not _embedded_has_data(store):
        raise WorkbenchError(
            f"{store or 'no --store'}: no store here; build one with "
            f"`workbench analyze DATA --out OUT --store {store or 'STORE'}`"
        )
    else:
        env["WORKBENCH_STORE"] = str(store.resolve())
        env.pop("WORKBENCH_NEO4J_URI", None)
    store = neo4j or store
    where = (
        f"http://{host}:{port}" if not is_loopback(host) else f"http://127.0.0.1:{port} (this machine only)"
    )
    console.print(f"app on {where}, store {store}; Ctrl+C stops it")
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_FILE),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--client.toolbarMode",
        "viewer",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    try:
        subprocess.run(command, env=env, check=False)
    except KeyboardInterrupt:
        pass


def _embedded_has_data(store: Path) -> bool:
    from .store import MemoryStore

    return store.is_dir() and MemoryStore(store, create=False).has_data()


def _sign_in_configured(users: dict) -> bool:
    """Users in the users file, or OIDC chosen (WORKBENCH_AUTH=oidc, with [auth] in secrets)."""
    chosen = os.environ.get("WORKBENCH_AUTH", "").strip().lower()
    if chosen == "oidc":
        return (Path.cwd() / ".streamlit" / "secrets.toml").exists() or (
            Path.home() / ".streamlit" / "secrets.toml"
        ).exists()
    return chosen != "none" and bool(users)


@app.callback(invoke_without_command=True)
def _version(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        print(__version__)
        raise typer.Exit()


def main() -> None:
    """Entry point: user mistakes print one line and exit 2, never a traceback.

    Usage errors (unknown options, missing arguments) are click's and exit 2 on their own.
    """
    try:
        app()
    except WorkbenchError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)  # one line
        sys.exit(2)
