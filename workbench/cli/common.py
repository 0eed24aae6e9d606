"""What the commands share: the Typer app, the consoles, and the options several commands take."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import WorkbenchError

app = typer.Typer(
    help="Counterfeit Ring Workbench: find the operations behind many storefronts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
# results go to stdout; wide enough that tables keep their columns when piped to a file
results = Console(width=None if Console().is_terminal else 200)
APP_FILE = Path(__file__).resolve().parents[2] / "app.py"


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

# --store as most commands take it; the commands that read an analysis say so
StoreOption = Annotated[Path | None, typer.Option("--store", help="Embedded store folder.")]
AnalysedStoreOption = Annotated[
    Path | None, typer.Option("--store", help="Embedded store folder with analysed rings.")
]


def _open_store(path: Path | None, create: bool = True, neo4j: str | None = None):
    """The store to use as a context manager: Neo4j at ``neo4j``, the embedded store at ``path``,
    or a null context without either."""
    from contextlib import nullcontext

    from ..store import MemoryStore

    if neo4j and path:
        raise WorkbenchError("give --store (embedded) or --neo4j (database), not both")
    if neo4j:
        from ..store.neo4j_store import open_neo4j

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


SourceOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        help="Name of this data's source (default: the folder's name); loading a new version of a "
        "source replaces that source's rows and no other's.",
    ),
]


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
    from ..store.local_neo4j import running_local

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
    from ..analytics.settings import AnalysisSettings

    if engine not in (None, "client", "gds"):
        raise WorkbenchError(f"--engine {engine!r}: choose client or gds")
    if engine == "gds":
        if method not in (None, "gds"):
            raise WorkbenchError(f"--engine gds runs Graph Data Science Leiden; drop --method {method}")
        method = "gds"
    elif engine == "client" and method == "gds":
        raise WorkbenchError("--method gds runs in the database; it cannot go with --engine client")
    return AnalysisSettings.load(config, **({"method": method} if method else {}))


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
