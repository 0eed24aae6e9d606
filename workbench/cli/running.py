"""Commands that run things: the demo, the app, the packet server and the benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..config import Settings
from ..errors import WorkbenchError
from .analysis import analyze
from .common import (
    APP_FILE,
    AnalysedStoreOption,
    Neo4jOption,
    _open_store,
    _progress,
    app,
    console,
    results,
)
from .data import synth


@app.command()
def serve(
    store: AnalysedStoreOption = None,
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

    from ..analytics.screening import Screener
    from ..serve import make_app

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

    from ..bench import (
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
    # benchmark name -> its figures (one dict, or rows of a table), in the order they are shown
    measured: dict[str, dict | list[dict]] = {}
    with _progress() as progress:
        progress.add_task(f"quality on {len(chosen_scenarios)} scenario(s)", total=None)
        measured["ring_quality"] = quality_benchmark(sellers, rings, seed, chosen_scenarios, chosen_methods)
        if community_step:
            progress.add_task(f"community step on {community_step:,} sellers", total=None)
            measured["community_step"] = community_step_benchmark(
                community_step, max(10, community_step // 200), seed
            )
        if decisions:
            progress.add_task(f"{decisions} decisions on the strays scenario", total=None)
            measured["decisions"] = decisions_benchmark(sellers, rings, seed, count=decisions)
        if resolution:
            progress.add_task("entity resolution on the duplicates scenarios", total=None)
            measured["entity_resolution"] = resolution_benchmark(sellers, rings, (seed,))
        if screening:
            progress.add_task(f"screening {screening:,} registrations", total=None)
            measured["screening"] = screening_benchmark(sellers, rings, seed, screening)
    titles = {
        "ring_quality": f"Ring detection vs truth ({sellers:,} sellers, {rings} rings)",
        "entity_resolution": "Entity resolution vs planted duplicates (on / off)",
    }
    lines = []
    for name, figures in measured.items():
        if isinstance(figures, list):
            table = Table(*_TABLE_COLUMNS[name], title=titles[name])
            for row in figures:
                table.add_row(*(str(row.get(c, "")) for c in _TABLE_COLUMNS[name]))
            results.print(table)
            lines += [json.dumps({"benchmark": name, **row}) for row in figures]
        else:
            results.print(_in_words(name, figures), soft_wrap=True)
            lines.append(json.dumps({"benchmark": name, **figures}))
    if out:
        out.write_text("\n".join(lines) + "\n")


# the columns of the benchmarks shown as tables, one row per scenario (and method)
_TABLE_COLUMNS = {
    "ring_quality": [
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
    ],
    "entity_resolution": [
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
    ],
}


def _in_words(name: str, f: dict) -> str:
    """The figures of a benchmark that gives one result, as the sentence ``bench`` prints."""
    if name == "community_step":
        return (
            f"community step on {f['graph_edges']:,} evidence edges: Leiden {f['leiden_seconds']}s "
            f"(ARI {f['leiden_ari']}), networkx Louvain {f['louvain_seconds']}s "
            f"(ARI {f['louvain_ari']}): {f['speedup']}x"
        )
    if name == "decisions":
        return (
            f"{f['decisions']} not-member decisions on wrongly attached sellers: core ARI "
            f"{f['ari_before']} -> {f['ari_after']}; other sellers moved "
            f"{f['other_sellers_moved']}, other rings rescored {f['other_rings_rescored']}"
        )
    return (
        f"screening {f['registrations']:,} registrations ({f['reopened']:,} reopened): "
        f"risk AUC {f['risk_auc']}, ring named right {f['ring_named_right']}; "
        f"one registration {f['one_registration_ms_median']} ms (median), the batch {f['batch_seconds']} s"
    )


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
    from ..leads.signing import init_signing_key, signing_key_path

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
    from ..access import is_loopback, read_users

    if not is_loopback(host) and not _sign_in_configured(read_users()):
        raise WorkbenchError(
            f"--host {host}: serving beyond this machine needs sign-in; add users with "
            "`workbench users add NAME --role viewer|investigator|lead` (or configure OIDC in "
            ".streamlit/secrets.toml and set WORKBENCH_AUTH=oidc)"
        )
    env = dict(os.environ)
    if neo4j:
        from ..store.neo4j_store import open_neo4j

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
    from ..store import MemoryStore

    return store.is_dir() and MemoryStore(store, create=False).has_data()


def _sign_in_configured(users: dict) -> bool:
    """Users in the users file, or OIDC chosen (WORKBENCH_AUTH=oidc, with [auth] in secrets)."""
    chosen = os.environ.get("WORKBENCH_AUTH", "").strip().lower()
    if chosen == "oidc":
        return (Path.cwd() / ".streamlit" / "secrets.toml").exists() or (
            Path.home() / ".streamlit" / "secrets.toml"
        ).exists()
    return chosen != "none" and bool(users)
