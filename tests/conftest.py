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


@pytest.fixture(scope="session", autouse=True)
def _unit_keys(tmp_path_factory):
    """Every test (and every process it starts) signs with a throwaway unit key and finds no users
    file of the developer's own: the environment is set before any test runs."""
    import os

    from workbench.leads.signing import init_signing_key

    home = tmp_path_factory.mktemp("config")
    os.environ["XDG_CONFIG_HOME"] = str(home)
    os.environ["WORKBENCH_SIGNING_KEY"] = str(home / "unit_key.pem")
    os.environ["WORKBENCH_USERS"] = str(home / "users.json")
    os.environ.pop("WORKBENCH_AUTH", None)
    init_signing_key()
    yield


@pytest.fixture(autouse=True)
def _main_module_kept():
    """Streamlit's AppTest installs the app as ``sys.modules["__main__"]`` and leaves it there; a
    later spawned worker (a process pool) would then re-run the app on start and die. Each test
    gets back the ``__main__`` it started with."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def marketplace(tmp_path_factory) -> Path:
    """A generated marketplace with every kind of bad row, shared by the slower tests."""
    out = tmp_path_factory.mktemp("market")
    generate_marketplace(out, sellers=3000, rings=25, seed=11)
    return out


@pytest.fixture(scope="session")
def neo4j_uri(tmp_path_factory) -> str:
    """A real Neo4j: NEO4J_URI if set, else the repo's local server on a free port with a fresh data
    folder, stopped after the session. If it cannot start, the tests fail with the reason: they
    never skip."""
    import os

    if os.environ.get("NEO4J_URI"):
        yield os.environ["NEO4J_URI"]
        return
    from workbench.errors import WorkbenchError
    from workbench.store.local_neo4j import free_port, start

    try:
        server = start(tmp_path_factory.mktemp("neo4j"), free_port(), heap="2g", page_cache_mb=512)
    except WorkbenchError as exc:
        pytest.fail(f"the local Neo4j could not start: {exc}")
    yield server.uri
    server.stop()


@pytest.fixture
def neo4j_store(neo4j_uri):
    """The Neo4j store, emptied before the test."""
    from workbench.store.neo4j_store import open_neo4j

    store = open_neo4j(neo4j_uri)
    store.wipe()
    yield store
    store.close()
