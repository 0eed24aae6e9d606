"""The ``workbench`` command: one module per group of commands (data, analysis, leads, records,
running), all on one Typer app, with progress on long steps."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .. import __version__
from ..errors import WorkbenchError

# isort: off
# each module registers its commands, listed in this order: data first, as a user meets them
from . import data, analysis, leads, records, running  # noqa: F401

# isort: on
from .common import app, console

__all__ = ["app", "main"]


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
