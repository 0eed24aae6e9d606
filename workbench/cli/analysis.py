"""Commands that find and trace rings: analyze, detect, trace, screen and hotspots."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..config import Settings
from ..errors import WorkbenchError
from .common import (
    AnalysedStoreOption,
    BulkOption,
    ConfigOption,
    EngineOption,
    MethodOption,
    Neo4jOption,
    SourceOption,
    _analysis_settings,
    _bulk_server,
    _open_store,
    _out_folder,
    _progress,
    _show_counts,
    _stored_tables,
    _where,
    app,
    console,
    results,
)


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
    from ..pipeline import analyze as run_analysis

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
    from ..pipeline import detect_rings, write_findings

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

    from ..analytics.decisions import in_force
    from ..pipeline import Findings, trace_upstream

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
    store: AnalysedStoreOption = None,
    neo4j: Neo4jOption = None,
    keep: Annotated[
        bool, typer.Option(help="Keep this screening in the store for the app's Watch page.")
    ] = True,
) -> None:
    """Screen new storefronts against the store's rings and banned or closed sellers; the store's
    data and rings are not changed."""
    from graph_loaders import load_folder

    from ..analytics.screening import Screener
    from ..config import Settings
    from ..safe_output import write_csv

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
def hotspots(
    out: Annotated[Path, typer.Option("--out", help="Folder for hotspots.geojson, .csv, .png.")],
    store: AnalysedStoreOption = None,
    neo4j: Neo4jOption = None,
    level: Annotated[str, typer.Option(help="province, prefecture or country.")] = "province",
    measure: Annotated[
        str, typer.Option(help="What Gi* tests: production (default), storefronts (rate) or activity.")
    ] = "production",
) -> None:
    """Regional hotspots: counts and rates per region and Getis-Ord Gi* significance; writes
    hotspots.geojson, hotspots.csv, hotspots_monthly.csv and a choropleth hotspots.png."""
    from ..analytics.hotspots import LEVELS, MEASURES, SIGNIFICANCE, significant, store_hotspots
    from ..leads.images import choropleth

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
        from ..safe_output import write_csv

        _out_folder(out)
        table = result.table.drop(columns=["local_name"])
        table.to_file(out / "hotspots.geojson", driver="GeoJSON")
        write_csv(table.drop(columns="geometry"), out / "hotspots.csv")
        write_csv(result.monthly, out / "hotspots_monthly.csv")
        choropleth(table, "hotspot_z", out / "hotspots.png", f"Gi* z of {measure} by {level}")
        hot = table[significant(table)]["region_name"].tolist()
        placed = ", ".join(f"{k}: {v['not_placed']} not placed" for k, v in result.placement.items())
        results.print(
            f"hotspots ({measure}, p < {SIGNIFICANCE}): {', '.join(hot) or 'none'}; {placed}; files in {out}"
        )
