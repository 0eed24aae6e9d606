"""Loader checks for complaints.csv: the declared columns suffice (listing reference, outcome)."""

from __future__ import annotations

from workbench.model import INPUT_FILES

SPEC = INPUT_FILES["complaints"]
hook = None
