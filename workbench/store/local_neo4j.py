"""Start and stop the repo's own Neo4j server (tools/neo4j: Maven jars + Launcher.java) for tests and use.

    python -m workbench.store.local_neo4j up [--data DIR] [--port 7687]   # waits for READY
    python -m workbench.store.local_neo4j down

``make neo4j-up`` / ``make neo4j-down`` call this; the test suite starts its own server on a free
port with a fresh data folder. The jars come from ``make neo4j-jars`` (Maven Central, cached in ~/.m2).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import WorkbenchError

__all__ = ["LocalNeo4j", "start", "free_port", "running_local", "TOOLS_DIR"]

TOOLS_DIR = Path(__file__).resolve().parents[2] / "tools" / "neo4j"
STATE_DIR = Path(__file__).resolve().parents[2] / ".neo4j"


@dataclass
class LocalNeo4j:
    """A running local server: its process (or, for one `make neo4j-up` left running, its pid),
    Bolt URI, data folder, and how it was started (to start it again after a bulk import)."""

    process: subprocess.Popen | None
    uri: str
    data_dir: Path
    log: Path
    port: int = 7687
    heap: str = "1g"
    page_cache_mb: int = 512
    password: str | None = None
    detach: bool = False
    pid: int = 0

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM (a clean shutdown through the launcher's hook), then SIGKILL if it hangs."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            return
        if self.pid and _alive(self.pid):
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _alive(self.pid) and time.monotonic() < deadline:
                time.sleep(0.25)
            if _alive(self.pid):
                os.kill(self.pid, signal.SIGKILL)

    def restart(self) -> None:
        """Start the stopped server again on the same port and data folder (after a bulk import)."""
        again = start(
            self.data_dir, self.port, self.heap, self.page_cache_mb, self.password, detach=self.detach
        )
        self.process, self.pid, self.log = again.process, again.pid, again.log
        if self.detach:
            _write_state(self)


def _write_state(server: LocalNeo4j) -> None:
    STATE_DIR.mkdir(exist_ok=True)
    (STATE_DIR / "pid").write_text(str(server.pid))
    (STATE_DIR / "server.json").write_text(
        json.dumps(
            {"pid": server.pid, "port": server.port, "data": str(server.data_dir), "heap": server.heap}
        )
    )


def running_local(uri: str) -> LocalNeo4j | None:
    """The server `make neo4j-up` started on this machine, if ``uri`` names it."""
    from urllib.parse import urlparse

    state = STATE_DIR / "server.json"
    if not state.exists():
        return None
    facts = json.loads(state.read_text())
    parsed = urlparse(uri)
    if parsed.hostname not in ("127.0.0.1", "localhost") or (parsed.port or 7687) != facts["port"]:
        return None
    if not _alive(int(facts["pid"])):
        return None
    data = Path(facts["data"])
    return LocalNeo4j(
        None,
        uri,
        data,
        data / "launcher.log",
        port=facts["port"],
        heap=facts["heap"],
        password=os.environ.get("NEO4J_PASSWORD"),
        detach=True,
        pid=int(facts["pid"]),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(
    data_dir: Path,
    port: int = 7687,
    heap: str = "1g",
    page_cache_mb: int = 512,
    password: str | None = None,
    timeout: float = 240,
    detach: bool = False,
) -> LocalNeo4j:
    """Start the server on 127.0.0.1:``port`` and wait for its READY line; fail with the log's tail."""
    lib = TOOLS_DIR / "lib"
    if not any(lib.glob("neo4j-5*.jar")):
        raise WorkbenchError(f"{lib}: no Neo4j jars; run `make neo4j-jars` (Maven fetches them from Central)")
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "launcher.log"
    env = {**os.environ, "NEO4J_PORT": str(port), "NEO4J_PAGECACHE_MB": str(page_cache_mb)}
    env.pop("NEO4J_PASSWORD", None)
    if password:
        env["NEO4J_PASSWORD"] = password
    command = [
        "java",
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:+UseParallelGC",
        "-cp",
        str(lib / "*"),
        str(TOOLS_DIR / "Launcher.java"),
        str(data_dir.resolve()),
    ]
    with open(log, "w") as out:
        process = subprocess.Popen(
            command,
            cwd=TOOLS_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=detach,
        )
    server = LocalNeo4j(
        process,
        f"bolt://127.0.0.1:{port}",
        data_dir,
        log,
        port=port,
        heap=heap,
        page_cache_mb=page_cache_mb,
        password=password,
        detach=detach,
        pid=process.pid,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "READY" in log.read_text(errors="replace"):
            return server
        if process.poll() is not None:
            break
        time.sleep(0.5)
    server.stop()
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
    raise WorkbenchError(f"local Neo4j did not start on port {port} (log {log}):\n{tail}")


def _up(args: list[str]) -> None:
    data = Path(_option(args, "--data", str(STATE_DIR / "data")))
    port = int(_option(args, "--port", os.environ.get("NEO4J_PORT", "7687")))
    STATE_DIR.mkdir(exist_ok=True)
    pid_file = STATE_DIR / "pid"
    if pid_file.exists() and _alive(int(pid_file.read_text())):
        print(f"local Neo4j already running (pid {pid_file.read_text()}) on bolt://127.0.0.1:{port}")
        return
    server = start(
        data, port, heap=_option(args, "--heap", "2g"), password=os.environ.get("NEO4J_PASSWORD"), detach=True
    )
    _write_state(server)
    print(
        f"local Neo4j ready on {server.uri} (data {data}, log {server.log}); stop it with `make neo4j-down`"
    )


def _down() -> None:
    pid_file = STATE_DIR / "pid"
    if not pid_file.exists() or not _alive(pid := int(pid_file.read_text())):
        print("no local Neo4j running")
        pid_file.unlink(missing_ok=True)
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(120):
        if not _alive(pid):
            break
        time.sleep(0.5)
    pid_file.unlink(missing_ok=True)
    (STATE_DIR / "server.json").unlink(missing_ok=True)
    print(f"local Neo4j (pid {pid}) stopped")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _option(args: list[str], name: str, default: str) -> str:
    return args[args.index(name) + 1] if name in args else default


if __name__ == "__main__":
    try:
        if sys.argv[1:2] == ["up"]:
            _up(sys.argv[2:])
        elif sys.argv[1:2] == ["down"]:
            _down()
        else:
            sys.exit(
                "usage: python -m workbench.store.local_neo4j up|down [--data DIR] [--port N] [--heap 2g]"
            )
    except WorkbenchError as exc:
        sys.exit(f"error: {exc}")
