"""The ``workbench`` command: synth, load, analyze, demo and app, with progress on long steps."""

from __future__ import annotations

import os
import subprocess
import sys
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


def _open_store(path: Path | None, create: bool = True):
    """The embedded store at ``path`` as a context manager, or a null context without one."""
    from contextlib import nullcontext

    from .store import MemoryStore

    return MemoryStore(path, create=create) if path else nullcontext()


def _show_counts(counts: dict[str, dict[str, int]]) -> None:
    table = Table("file", "read", "loaded", "quarantined", "duplicates", title="Input")
    for name, c in counts.items():
        table.add_row(name, *(f"{c[k]:,}" for k in ("read", "loaded", "quarantined", "duplicates")))
    Console().print(table)


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the marketplace into.")],
    sellers: Annotated[int, typer.Option(help="Number of seller accounts (storefronts).")] = 10000,
    rings: Annotated[int, typer.Option(help="Number of counterfeit rings to plant.")] = 40,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 7,
    scenario: Annotated[
        str, typer.Option(help="realistic, easy, hard or multistore: how hard the rings hide.")
    ] = "realistic",
    clean: Annotated[
        bool, typer.Option("--clean", help="Write no bad rows or duplicates (for benchmarks).")
    ] = False,
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
            summary = generate_marketplace(out, sellers, rings, seed, scenario, bad_rows=not clean)
        except ValueError as exc:
            raise WorkbenchError(str(exc)) from None
    console.print(
        f"wrote {out}: {summary.rows['sellers']:,} seller rows, {summary.rings} rings "
        f"({summary.ring_sellers:,} ring storefronts), truth in {out / 'truth'}"
    )


@app.command()
def load(
    data_dir: Annotated[Path, typer.Argument(help="Input folder (DESIGN.md input format).")],
    store: Annotated[Path, typer.Option("--store", help="Embedded store folder to load into.")],
) -> None:
    """Validate and load an input folder into the embedded store (idempotent)."""
    from .pipeline import load_into_store

    with _open_store(store) as graph_store, _progress() as progress:
        task = progress.add_task("loading", total=None)
        loaded, timings = load_into_store(
            data_dir,
            graph_store,
            Settings.from_env(),
            on_file=lambda name: progress.update(task, description=f"loading {name}"),
        )
    _show_counts(loaded.counts)
    console.print(
        f"loaded into {store} in {sum(timings.values()):.1f}s; {len(loaded.quarantine):,} row(s) quarantined"
    )


@app.command()
def analyze(
    data_dir: Annotated[Path, typer.Argument(help="Input folder (DESIGN.md input format).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for rings.csv, upstream.csv, ...")],
    store: Annotated[
        Path | None, typer.Option("--store", help="Keep the embedded store here for later use.")
    ] = None,
) -> None:
    """Load, detect rings and trace upstream; write rings.csv, upstream.csv, quarantine.csv and
    summary.json to OUT."""
    from .pipeline import analyze as run_analysis

    with _open_store(store) as graph_store, _progress() as progress:
        task = progress.add_task("analysing", total=None)
        result = run_analysis(
            data_dir,
            out,
            graph_store,
            Settings.from_env(),
            on_step=lambda step: progress.update(task, description=step),
        )
    _show_counts(result.loaded.counts)
    summary = result.summary()
    console.print(
        f"{summary['rings']:,} rings ({summary['sellers_in_rings']:,} sellers) in "
        f"{summary['timings']['total']:.1f}s; results in {out}"
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
    store: Annotated[Path, typer.Option("--store", help="Embedded store folder to open.")],
    port: Annotated[int, typer.Option(help="Port to serve the app on.")] = 8501,
) -> None:
    """Serve the Streamlit app on the given store."""
    if not (store / "sellers.parquet").exists():
        raise WorkbenchError(
            f"{store}: no store here; build one with `workbench analyze DATA --out OUT --store {store}`"
        )
    env = {**os.environ, "WORKBENCH_STORE": str(store.resolve())}
    console.print(f"app on http://localhost:{port} (store {store}); Ctrl+C stops it")
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_FILE),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    try:
        subprocess.run(command, env=env, check=False)
    except KeyboardInterrupt:
        pass


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
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(2)
