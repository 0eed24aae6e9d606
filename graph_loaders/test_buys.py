"""Loader checks for test_buys.csv: the declared columns suffice (listing and address references, verdict)."""

from __future__ import annotations

from workbench.model import INPUT_FILES

SPEC = INPUT_FILES["test_buys"]
hook = None
