"""Loader checks for sellers.csv: the declared columns suffice (key, status, registration date)."""

from __future__ import annotations

from workbench.model import INPUT_FILES

SPEC = INPUT_FILES["sellers"]
hook = None
