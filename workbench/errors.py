"""Errors a user can fix (bad input, bad usage, unreachable service), shown as one line, never a traceback."""

from __future__ import annotations

__all__ = ["WorkbenchError", "InputError"]


class WorkbenchError(Exception):
    """A problem the user can fix; the CLI prints it on one line and exits with code 2."""


class InputError(WorkbenchError):
    """An input folder or file that cannot be read as the input format (docs/architecture.md)."""
