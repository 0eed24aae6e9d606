"""Shared fixtures: small hand-made input folders and one generated marketplace per session."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench.synth.generator import generate_marketplace


def write_folder(root: Path, files: dict[str, str]) -> Path:
    """Write ``{name: csv text}`` as ``root/name.csv`` (text dedented) and return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / f"{name}.csv").write_text(textwrap.dedent(text).lstrip())
    return root


def run_workbench(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``python -m workbench ARGS`` as a user would; exit code and output are the result."""
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


@pytest.fixture(scope="session")
def marketplace(tmp_path_factory) -> Path:
    """A generated marketplace with every kind of bad row, shared by the slower tests."""
    out = tmp_path_factory.mktemp("market")
    generate_marketplace(out, sellers=3000, rings=25, seed=11)
    return out
