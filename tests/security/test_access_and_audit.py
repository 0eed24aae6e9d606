"""Who sees what, and the record of it: roles on every page, sign-in before any page, loopback by
default, and the hash-chained audit trail (CLI, concurrent writers, tampering)."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import run_workbench
from workbench.app.testing import page_test
from workbench.pipeline import analyze
from workbench.store import MemoryStore

APP = str(Path(__file__).resolve().parents[2] / "app.py")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def store_dir(marketplace, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("access") / "store"
    with MemoryStore(path) as store:
        analyze(marketplace, path.parent / "out", store)
    return path


def _top_ring(store_dir: Path) -> tuple[str, set[str]]:
    store = MemoryStore(store_dir)
    ring_id = store.result("ring_scores").iloc[0]["ring_id"]
    shared = store.query("ring_identifiers", ring_id=ring_id)
    personal = shared[shared["kind"].isin(["person_id", "phone", "email", "bank_account", "device", "ip"])]
    return ring_id, set(personal["value"])


def _everything_shown(at: AppTest) -> str:
    parts = [str(d.value.to_dict()) for d in at.dataframe]
    parts += [e.value for kind in (at.markdown, at.caption, at.success, at.warning) for e in kind]
    return "\n".join(parts)


def test_a_viewer_sees_rings_with_identifiers_masked_and_cannot_act(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    ring_id, secrets = _top_ring(store_dir)
    assert secrets
    before = len(MemoryStore(store_dir).audit_log())
    at = page_test("rings", role="viewer", user="vic").run()
    at.text_input[0].set_value(ring_id).run()
    assert not at.exception and any(h.value.startswith(f"Ring {ring_id} ·") for h in at.header)
    shown = _everything_shown(at)
    assert not {s for s in secrets if s in shown}
    assert "masked for your role" in shown
    # no view of identifiers happened, so none is audited
    assert len(MemoryStore(store_dir).audit_log()) == before

    leads = page_test("leads", role="viewer", user="vic").run()
    assert not leads.exception
    assert not leads.button and "may not change cases" in _everything_shown(leads)


def test_an_investigator_sees_identifiers_the_view_is_audited_packets_are_redacted(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    ring_id, secrets = _top_ring(store_dir)
    at = page_test("rings", role="investigator", user="ivy").run()
    at.text_input[0].set_value(ring_id).run()
    assert secrets & set(next(d.value for d in at.dataframe if "sellers" in d.value.columns)["value"])
    log = MemoryStore(store_dir).audit_log()
    viewed = log[(log["action"] == "viewed_identifiers") & (log["actor"] == "ivy")]
    # every ring whose identifiers were drawn, once each however often the page redrew
    assert f"ring {ring_id}" in set(viewed["subject"]) and viewed["subject"].is_unique
    assert set(viewed["role"]) == {"investigator"}

    leads = page_test("leads", role="investigator", user="ivy").run()
    assert not leads.exception and not leads.checkbox  # no way to ask for an unredacted packet
    leads.selectbox[1].set_value("in progress")
    leads.button[0].click().run()  # save status
    leads.button[1].click().run()  # build packet
    assert not leads.exception
    store = MemoryStore(store_dir)
    assert store.case_status().loc[leads.selectbox[0].value, "changed_by"] == "ivy"
    packet = store.case_register().iloc[-1]
    assert bool(packet["redacted"]) is True
    log = store.audit_log()
    assert {"case_changed", "packet_built"} <= set(log.loc[log["actor"] == "ivy", "action"])


def test_only_a_lead_builds_unredacted_packets_and_reads_the_audit_trail(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    leads = page_test("leads", role="lead", user="lee").run()
    assert leads.checkbox and leads.checkbox[0].value is True  # redaction on unless unticked
    audit = page_test("audit", role="lead", user="lee").run()
    assert not audit.exception and "chain intact" in audit.success[0].value
    denied = page_test("audit", role="investigator", user="ivy").run()
    assert denied.exception and "may not read audit" in denied.exception[0].message


def test_the_app_asks_for_sign_in_when_users_exist(store_dir, monkeypatch, tmp_path):
    users = tmp_path / "users.json"
    monkeypatch.setenv("WORKBENCH_USERS", str(users))
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "users", "add", "ann", "--role", "viewer", "--password-stdin"],
        input="correct horse battery\n",
        capture_output=True,
        text=True,
        env={**os.environ, "WORKBENCH_USERS": str(users)},
    )
    assert done.returncode == 0, done.stderr
    assert "argon2" in users.read_text() and "correct horse" not in users.read_text()
    assert oct(users.stat().st_mode & 0o777) == "0o600"

    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and not at.metric  # nothing of the store before sign-in
    at.text_input[0].set_value("ann")
    at.text_input[1].set_value("wrong password")
    at.button[0].click().run()
    assert any("wrong password" in e.value for e in at.error) and not at.metric
    at.text_input[1].set_value("correct horse battery")
    at.button[0].click().run()
    assert not at.exception and at.metric  # the overview
    assert any("**ann** (viewer)" in m.value for m in at.sidebar.markdown)
    log = MemoryStore(store_dir).audit_log()
    assert log["action"].tolist()[-2:] == ["sign_in_failed", "signed_in"]


def test_users_commands_list_and_remove(tmp_path):
    env = {**os.environ, "WORKBENCH_USERS": str(tmp_path / "u.json")}
    add = ["users", "add", "lee", "--role", "lead", "--password-stdin"]
    done = subprocess.run(
        [sys.executable, "-m", "workbench", *add], input="0123456789ab\n", text=True, env=env
    )
    assert done.returncode == 0
    short = subprocess.run(
        [sys.executable, "-m", "workbench", *add], input="short\n", env=env, capture_output=True, text=True
    )
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    listed = run_workbench("users", "list", env=env)
    assert "lee" in listed.stdout and "lead" in listed.stdout and "argon2" not in listed.stdout
    assert run_workbench("users", "remove", "lee", env=env).returncode == 0
    assert "lee" not in run_workbench("users", "list", env=env).stdout
    bad = run_workbench("users", "add", "x", "--role", "admin", env=env)
    assert bad.returncode == 2 and "viewer, investigator, lead" in bad.stderr


def test_serving_beyond_loopback_needs_sign_in(store_dir, tmp_path):
    env = {**os.environ, "WORKBENCH_USERS": str(tmp_path / "none.json")}
    done = run_workbench("app", "--store", str(store_dir), "--host", "0.0.0.0", env=env)
    assert done.returncode == 2 and "needs sign-in" in done.stderr


def _listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP port listens on, from the kernel's table."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_a_plain_streamlit_run_listens_on_loopback_only(store_dir):
    from workbench.store.local_neo4j import free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
        cwd=REPO,
        env={**os.environ, "WORKBENCH_STORE": str(store_dir)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not _listening_addresses(port) and time.monotonic() < deadline:
            time.sleep(0.5)
        addresses = _listening_addresses(port)
        assert addresses == {"0100007F"}, addresses  # 127.0.0.1, and nothing else
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_audit_trail_chain_verifies_and_detects_an_edit_and_a_removal(store_dir, tmp_path):
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(store_dir, copy)
    store = MemoryStore(copy)
    for n in range(3):
        store.audit("tester", "viewed_identifiers", f"ring R-{n}")
    done = run_workbench("audit", "--store", str(copy), "--verify")
    assert done.returncode == 0 and "chain intact" in done.stdout
    database = sqlite3.connect(copy / "records.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        database.execute("UPDATE audit SET actor = 'nobody' WHERE seq = 2")
    # someone with file access drops the guard and rewrites history: the chain shows it
    database.execute("DROP TRIGGER audit_no_update")
    database.execute("UPDATE audit SET actor = 'nobody' WHERE seq = 2")
    database.execute("DROP TRIGGER audit_no_delete")
    last = database.execute("SELECT max(seq) FROM audit").fetchone()[0]
    database.execute("DELETE FROM audit WHERE seq = ?", (last - 1,))
    database.commit()
    done = run_workbench("audit", "--store", str(copy), "--verify")
    assert done.returncode == 1
    assert "entry 2: its content does not match its hash (edited)" in done.stdout
    assert f"entries {last - 1} to {last - 1}: missing (removed)" in done.stdout


_WRITER = """
import sys
from workbench.store import MemoryStore
store = MemoryStore(sys.argv[1])
for n in range(int(sys.argv[3])):
    if n % 2:
        store.record_case_event("R-" + sys.argv[2], "in progress", f"note {n}", sys.argv[2])
    else:
        store.audit(sys.argv[2], "viewed_identifiers", f"ring R-{n}")
"""


def test_concurrent_writers_lose_nothing_and_keep_one_chain(tmp_path):
    """Two real processes (as the app and the CLI would) append to one store at once."""
    path = tmp_path / "store"
    MemoryStore(path)
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), who, "60"]) for who in ("app", "cli")
    ]
    assert [w.wait(timeout=300) for w in writers] == [0, 0]
    store = MemoryStore(path)
    log = store.audit_log()
    assert len(log) == 120 and log["seq"].tolist() == list(range(1, 121))
    assert store.verify_audit() == []
    events = store.case_events()
    assert len(events) == 60 and set(events["changed_by"]) == {"app", "cli"}


def test_oidc_sign_in_gives_the_users_file_role_else_viewer(tmp_path, monkeypatch):
    from workbench.access import add_user, oidc_role
    from workbench.app.signin import sign_in_mode

    users = tmp_path / "users.json"
    add_user("li.wei@psb.example", None, "investigator", users)
    assert oidc_role("li.wei@psb.example", users) == "investigator"
    assert oidc_role("stranger@example.com", users) == "viewer"
    monkeypatch.setenv("WORKBENCH_AUTH", "oidc")
    assert sign_in_mode() == "oidc"
    monkeypatch.setenv("WORKBENCH_AUTH", "everyone")
    with pytest.raises(Exception, match="choose oidc, users or none"):
        sign_in_mode()


def test_a_viewer_sees_storefronts_to_about_a_kilometre_and_no_quarantined_values(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    viewer = page_test("ring_map", role="viewer").run()
    lead = page_test("ring_map", role="lead").run()
    assert not viewer.exception and not lead.exception
    shown, exact = viewer.dataframe[0].value, lead.dataframe[0].value
    stores = shown[shown["role"] == "storefront"].dropna(subset=["lat"])
    assert len(stores) and (stores["lat"] == stores["lat"].round(2)).all()
    assert (
        exact.loc[exact["role"] == "storefront", "lat"].dropna().round(2)
        != exact.loc[exact["role"] == "storefront", "lat"].dropna()
    ).any()  # the lead's map is exact
    overview = page_test("overview", role="viewer").run()
    examples = overview.dataframe[-1].value
    assert "reason" in examples and "value" not in examples
