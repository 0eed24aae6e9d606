"""Loader checks for organizations.csv: the declared columns suffice (key, kind, address reference)."""

from __future__ import annotations

from workbench.model import INPUT_FILES

SPEC = INPUT_FILES["organizations"]
hook = None
