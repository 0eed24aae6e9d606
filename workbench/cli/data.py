"""Commands that make and bring in data: synth, info, load and import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..config import Settings
from ..errors import WorkbenchError
from .common import (
    BulkOption,
    Neo4jOption,
    SourceOption,
    StoreOption,
    _bulk_server,
    _open_store,
    _progress,
    _show_counts,
    app,
    console,
    results,
)


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
    from ..synth.generator import generate_marketplace
    from ..synth.scenarios import SCENARIOS

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


@app.command()
def info(
    store: StoreOption = None,
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
    from ..pipeline import load_into_store

    if bulk_files is not None:
        from graph_loaders import load_folder

        from ..store.bulk_import import write_compose_import

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

            from ..store.bulk_import import after_bulk as write_records

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
    from ..imports.convert import import_folder
    from ..imports.ftm import import_ftm
    from ..imports.infer import draft_mapping

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
