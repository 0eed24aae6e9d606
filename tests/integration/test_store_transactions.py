"""The embedded store as a database: a load is one transaction (SIGKILL at any point leaves the
store as it was), one writer at a time, sources with versions, and case records that several
processes write at once. Real processes, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from graph_loaders import load_folder
from tests.conftest import run_workbench
from workbench.store import EmbeddedStore
from workbench.synth.generator import generate_marketplace


@pytest.fixture(scope="module")
def markets(tmp_path_factory):
    root = tmp_path_factory.mktemp("markets")
    generate_marketplace(root / "small", sellers=400, rings=5, seed=21)
    generate_marketplace(root / "big", sellers=20000, rings=60, seed=22)
    return root


def _info(store: Path) -> dict:
    done = run_workbench("info", "--store", str(store), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _load(data: Path, store: Path, source: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "workbench", "load", str(data), "--store", str(store), "--source", source],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("files_before_kill", [0, 1, 4, 9])
def test_sigkill_during_a_load_leaves_the_store_as_it_was(markets, tmp_path, files_before_kill):
    store = tmp_path / "store"
    assert run_workbench("load", str(markets / "small"), "--store", str(store)).returncode == 0
    before = _info(store)
    tables = store / "tables"
    existing = set(tables.iterdir())
    loading = _load(markets / "big", store, "big")
    deadline = time.monotonic() + 120
    # kill once the load has written this many new table files (0: as soon as it runs)
    while time.monotonic() < deadline and loading.poll() is None:
        if len(set(tables.iterdir()) - existing) >= files_before_kill:
            break
        time.sleep(0.005)
    assert loading.poll() is None, "the load ended before it could be killed"
    loading.send_signal(signal.SIGKILL)
    loading.wait(timeout=30)
    assert loading.returncode == -signal.SIGKILL
    assert _info(store) == before  # exactly the store before the load
    # the lock died with the process: the load runs again to the end
    again = _load(markets / "big", store, "big")
    assert again.wait(timeout=300) == 0, again.stderr.read()
    after = _info(store)
    assert [s["name"] for s in after["sources"]] == ["small", "big"]
    assert after["tables"]["sellers"] == len(_seller_ids(markets / "small") | _seller_ids(markets / "big"))


def _seller_ids(data: Path) -> set[str]:
    """Sellers a folder loads (the generated markets reuse ids: one seller, two sources)."""
    return set(load_folder(data).tables["sellers"]["seller_id"])


def test_two_loads_started_together_both_land(markets, tmp_path):
    store = tmp_path / "store"
    EmbeddedStore(store)
    first, second = _load(markets / "big", store, "big"), _load(markets / "small", store, "small")
    outs = [p.communicate(timeout=300) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outs
    info = _info(store)
    assert sorted(s["name"] for s in info["sources"]) == ["big", "small"]
    assert info["tables"]["sellers"] == len(_seller_ids(markets / "small") | _seller_ids(markets / "big"))


def test_a_second_writer_waits_for_the_first_and_says_so(markets, tmp_path):
    import fcntl

    store = tmp_path / "store"
    EmbeddedStore(store)
    with open(store / "write.lock", "a+") as held:  # this test process is the first writer
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("pid 1 since now")
        held.flush()
        waiting = _load(markets / "small", store, "small")
        line = waiting.stderr.readline()
        assert "waiting for pid 1 since now to finish writing" in line
        assert waiting.poll() is None and _info(store)["sources"] == []
        fcntl.flock(held, fcntl.LOCK_UN)
    assert waiting.wait(timeout=120) == 0
    assert [s["name"] for s in _info(store)["sources"]] == ["small"]


def test_a_corrected_export_replaces_its_source_and_nothing_else(markets, tmp_path):
    import shutil

    corrected = tmp_path / "small"
    shutil.copytree(markets / "small", corrected)
    links = (corrected / "seller_links.csv").read_text().splitlines(keepends=True)
    first_seller = links[1].split(",")[0]
    # one line inserted at the top, and the last ten rows removed from the export
    (corrected / "seller_links.csv").write_text(
        links[0] + f"{first_seller},phone,13912340000,,,\n" + "".join(links[1:-10])
    )
    store, fresh = tmp_path / "store", tmp_path / "fresh"
    for data, source in ((markets / "small", "shop"), (markets / "big", "other"), (corrected, "shop")):
        assert run_workbench("load", str(data), "--store", str(store), "--source", source).returncode == 0
    assert run_workbench("load", str(corrected), "--store", str(fresh), "--source", "shop").returncode == 0
    mixed, alone = EmbeddedStore(store), EmbeddedStore(fresh)
    manifest = json.loads((store / "manifest.json").read_text())
    shop_links = pd.read_parquet(store / "tables" / manifest["tables"]["seller_links"]["shop"])
    expected = alone.table("seller_links")
    assert len(shop_links) == len(expected)
    assert set(shop_links["provenance"]) == set(expected["provenance"])  # only the new file's lines
    other = load_folder(markets / "big").tables["seller_links"]
    assert len(mixed.table("seller_links")) == len(expected) + len(other)  # the other source untouched
    shop = next(s for s in _info(store)["sources"] if s["name"] == "shop")
    assert shop["version"] == 2 and shop["rows"]["seller_links"] == len(expected)
    # the same version again changes nothing
    before = _info(store)
    assert run_workbench("load", str(corrected), "--store", str(store), "--source", "shop").returncode == 0
    assert _info(store) == before


def test_an_older_or_damaged_store_is_refused_with_one_line(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    pd.DataFrame({"seller_id": ["S1"]}).to_parquet(old / "sellers.parquet")
    done = run_workbench("info", "--store", str(old))
    assert done.returncode == 2 and "older version" in done.stderr and "Traceback" not in done.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{half a manif")
    done = run_workbench("detect", "--store", str(broken))
    assert done.returncode == 2 and "the store is damaged" in done.stderr


_LEADS_PAGE = """
import sys
from workbench.app.testing import page_test
for n in range(int(sys.argv[1])):
    at = page_test("leads", role="investigator", user="app-user").run()
    at.text_area[0].set_value(f"app note {n}")
    at.button[0].click().run()
    assert not at.exception, at.exception
"""


def test_the_app_and_the_cli_write_case_records_at_the_same_time(markets, tmp_path):
    store = tmp_path / "store"
    assert (
        run_workbench(
            "analyze", str(markets / "small"), "--out", str(tmp_path / "o"), "--store", str(store)
        ).returncode
        == 0
    )
    ring = EmbeddedStore(store).rings()["ring_id"].iloc[0]
    env = {**os.environ, "WORKBENCH_STORE": str(store)}
    app = subprocess.Popen(
        [sys.executable, "-c", _LEADS_PAGE, "8"], env=env, stderr=subprocess.PIPE, text=True
    )
    cli = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workbench",
                "packet",
                ring,
                "--store",
                str(store),
                "--out",
                str(tmp_path / f"p{n}"),
                "--redact",
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    assert app.wait(timeout=600) == 0, app.stderr.read()
    assert [c.wait(timeout=600) for c in cli] == [0, 0, 0]
    records = EmbeddedStore(store)
    events = records.case_events()
    assert sorted(events["note"]) == sorted(f"app note {n}" for n in range(8))
    assert len(records.case_register()) == 3
    log = records.audit_log()
    assert (log["action"] == "case_changed").sum() == 8 and (log["action"] == "packet_built").sum() == 3
    assert records.verify_audit() == []


def test_a_commit_puts_its_new_table_files_on_disk_before_the_manifest_names_them(
    markets, tmp_path, monkeypatch
):
    """A power cut after the manifest's rename must not find a committed file the disk never got:
    every table file a load writes is fsynced, and its folder, before the manifest is replaced."""
    from workbench.store import memory_store

    store_path = tmp_path / "store"
    with EmbeddedStore(store_path) as store:
        store.load(load_folder(markets / "small"), source="first")
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{descriptor}")))
        return real_fsync(descriptor)

    def replace(source, target):
        events.append(("replace", str(target)))
        return real_replace(source, target)

    first = json.loads((store_path / "manifest.json").read_text())
    before = {f for files in first["tables"].values() for f in files.values()}
    monkeypatch.setattr(memory_store.os, "fsync", fsync)
    monkeypatch.setattr(memory_store.os, "replace", replace)
    with EmbeddedStore(store_path) as store:
        store.load(load_folder(markets / "small"), source="second")
    manifest = json.loads((store_path / "manifest.json").read_text())
    new_files = {f for files in manifest["tables"].values() for s, f in files.items() if s == "second"}
    assert new_files and not new_files & before
    commit = events.index(("replace", str(store_path / "manifest.json")))
    synced = {Path(path).name for kind, path in events[:commit] if kind == "fsync"}
    assert new_files <= synced
    assert ("fsync", str(store_path / "tables")) in events[:commit]


def test_the_load_written_beside_the_analysis_lands_even_when_the_analysis_fails(
    markets, tmp_path, monkeypatch
):
    """``analyze`` writes the store's copy of the input while it detects (Arrow on the other
    core): an analysis that fails still leaves the load committed, as when the load came first."""
    from workbench import pipeline

    def fail(*args, **kwargs):
        raise RuntimeError("tracing failed")

    monkeypatch.setattr(pipeline, "trace_upstream", fail)
    with EmbeddedStore(tmp_path / "store") as store, pytest.raises(RuntimeError, match="tracing failed"):
        pipeline.analyze(markets / "small", tmp_path / "out", store, source="small")
    info = _info(tmp_path / "store")
    assert [s["name"] for s in info["sources"]] == ["small"]
    assert info["tables"]["sellers"] == len(_seller_ids(markets / "small"))
    assert "rings" not in info["tables"] or info["tables"]["rings"] == 0


def test_a_load_that_fails_beside_the_analysis_fails_the_analysis_and_writes_nothing(
    markets, tmp_path, monkeypatch
):
    from workbench import pipeline
    from workbench.store import memory_store

    def disk_full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(memory_store.EmbeddedStore, "_replace_source", disk_full)
    with EmbeddedStore(tmp_path / "store") as store, pytest.raises(OSError, match="No space left"):
        pipeline.analyze(markets / "small", tmp_path / "out", store)
    assert not (tmp_path / "out").exists()
    info = _info(tmp_path / "store")
    assert info["sources"] == [] and not any(info["tables"].values())


def test_an_analysis_with_its_load_beside_it_equals_one_after_a_load(markets, tmp_path):
    """The same store and outputs whether the load was committed before the analysis began (it
    then finds the version held and writes nothing) or is written beside it."""
    from workbench import pipeline

    with EmbeddedStore(tmp_path / "beside") as store:
        result = pipeline.analyze(markets / "small", tmp_path / "out", store, source="small")
    assert "store" in result.timings
    with EmbeddedStore(tmp_path / "first") as store:
        pipeline.load_into_store(markets / "small", store, pipeline.Settings.from_env(), source="small")
        pipeline.analyze(markets / "small", tmp_path / "out_first", store, source="small")
    beside, first = _info(tmp_path / "beside"), _info(tmp_path / "first")
    assert beside["tables"] == first["tables"] and beside["tables"]["rings"] > 0
    for name in ("rings", "upstream", "ring_members", "quarantine"):
        beside_file, first_file = tmp_path / "out" / f"{name}.csv", tmp_path / "out_first" / f"{name}.csv"
        assert beside_file.read_text() == first_file.read_text()


def test_kinds_the_loader_holds_as_codes_are_stored_as_text(markets, tmp_path):
    """The loader holds a link's kind, a seller's status and a shipment's parties as codes; a
    store loaded from it (``workbench load``, no analysis) keeps them as the file wrote them."""
    loaded = load_folder(markets / "small")
    assert isinstance(loaded.tables["seller_links"]["kind"].dtype, pd.CategoricalDtype)
    with EmbeddedStore(tmp_path / "store") as store:
        store.load(loaded)
        for name, column in (
            ("seller_links", "kind"),
            ("seller_links", "role"),
            ("sellers", "status"),
            ("shipments", "sender_kind"),
            ("listings", "currency"),
        ):
            held = loaded.tables[name][column]
            assert isinstance(held.dtype, pd.CategoricalDtype), (name, column)
            # the codes are those pandas would give the text
            assert held.cat.categories.tolist() == sorted(set(held.astype(str)))
            stored = store.table(name)[column]
            assert stored.dtype == "str", (name, column)
            assert stored.tolist() == held.astype(str).tolist()


def test_the_store_keeps_every_column_while_the_analysis_holds_those_it_reads(markets, tmp_path):
    """An analysis lets go of shop names, titles, dates, record ids and a seller's own columns
    once the store has them: the store keeps every column, and the rings are those found from
    the whole tables."""
    import shutil

    from workbench import pipeline

    data = tmp_path / "data"
    shutil.copytree(markets / "small", data)
    sellers = pd.read_csv(data / "sellers.csv", dtype=str, keep_default_na=False)
    sellers["联系电话"] = [f"+86130{n:08d}" for n in range(len(sellers))]
    sellers.to_csv(data / "sellers.csv", index=False)
    # a seller's own column named as the analysis names a link's input value cannot pose as it
    links = pd.read_csv(data / "seller_links.csv", dtype=str, keep_default_na=False)
    links["value as input"] = "FORGED"
    links.to_csv(data / "seller_links.csv", index=False)
    with EmbeddedStore(tmp_path / "store") as store:
        result = pipeline.analyze(data, tmp_path / "out", store)
        held = result.loaded.tables
        assert "shop_name" not in held["sellers"] and "联系电话" not in held["sellers"]
        assert "source_record_id" not in held["seller_links"] and "title" not in held["listings"]
        kept = store.table("sellers").set_index("seller_id")
        given = sellers.drop_duplicates("seller_id").set_index("seller_id").reindex(kept.index)
        assert len(kept) > 300 and given["shop_name"].notna().all()
        assert kept["shop_name"].tolist() == given["shop_name"].tolist()
        assert kept["联系电话"].tolist() == given["联系电话"].tolist()
        assert store.table("seller_links")["source_record_id"].ne("").any()
        # a link's kind is held as codes; the store and the findings keep it as text
        assert isinstance(held["seller_links"]["kind"].dtype, pd.CategoricalDtype)
        assert store.table("seller_links")["kind"].dtype == "str"
    whole = pipeline.detect_and_trace(load_folder(data).tables)
    assert len(result.rings) and result.rings.equals(whole.rings)
    for found, expected in (
        (result.findings.members, whole.members),
        (result.findings.suppressed, whole.suppressed),
        (result.findings.watch, whole.watch),
        (result.findings.upstream, whole.upstream),
    ):
        assert len(found) and found.equals(expected), found.dtypes
    for name in ("ring_members", "associates", "rings"):
        assert "FORGED" not in (tmp_path / "out" / f"{name}.csv").read_text()


def test_a_load_beside_the_analysis_lets_each_table_go_once_written(markets, tmp_path, monkeypatch):
    """The store's copy of a load is the only holder of the columns no analysis reads: each table
    is let go once written, not held to the last table's end, while the caller's analysis keeps
    the columns it reads."""
    import gc
    import threading
    import weakref

    loaded = load_folder(markets / "small")
    whole = {name: weakref.ref(table) for name, table in loaded.tables.items()}
    shop_names = loaded.tables["sellers"]["shop_name"].tolist()
    alive_while_writing = {}
    write_table = EmbeddedStore._write_table
    analysing = threading.Event()  # the caller holds the columns it reads only

    def watched(self, name, source, frame):
        assert analysing.wait(30)
        gc.collect()
        alive_while_writing[name] = [n for n, table in whole.items() if table() is not None]
        write_table(self, name, source, frame)

    monkeypatch.setattr(EmbeddedStore, "_write_table", watched)
    with EmbeddedStore(tmp_path / "store") as store:
        wait = store.load_later(loaded)
        held = loaded.analysed()
        del loaded
        analysing.set()
        written = wait()
        names = list(whole)
        for i, name in enumerate(names):
            assert alive_while_writing[name] == names[i:], name  # the tables written are gone
        assert written["sellers"] == len(held.tables["sellers"]) > 300
        assert store.table("sellers")["shop_name"].tolist() == shop_names
        assert store.table("seller_links")["kind"].tolist() == held.tables["seller_links"]["kind"].tolist()


def test_an_analysis_writes_each_file_whole_as_it_is_checked_and_holds_the_columns_it_reads(
    markets, tmp_path, monkeypatch
):
    """``analyze`` hands each checked file to the store's writer: while the next file loads, the
    earlier files' whole tables (titles, dates, record ids) are no longer held by the load, yet
    the committed store has every column."""
    import gc
    import weakref

    from graph_loaders import checks
    from workbench import pipeline

    whole: dict[str, weakref.ref] = {}
    alive_at: dict[str, list[str]] = {}
    check_file = checks.check_file

    def watched(raw, spec, *args, **kwargs):
        gc.collect()
        time.sleep(0.2)  # the writer's turn: a small file is written by then
        gc.collect()
        alive_at[spec.name] = sorted(n for n, table in whole.items() if table() is not None)
        result = check_file(raw, spec, *args, **kwargs)
        whole[spec.name] = weakref.ref(result.table)
        return result

    monkeypatch.setattr("graph_loaders.check_file", watched)
    with EmbeddedStore(tmp_path / "store") as store:
        result = pipeline.analyze(markets / "small", tmp_path / "out", store)
        assert alive_at["listings"] == []  # the links, sellers and addresses were let go whole
        assert "title" not in result.loaded.tables["listings"]
        assert store.table("listings")["title"].ne("").all()
        assert len(store.table("seller_links")) == len(result.loaded.tables["seller_links"])
    assert not list((tmp_path / "store" / "tables").glob(".*"))  # every file written is named


def test_a_load_whose_writer_is_slow_holds_none_of_the_tables_the_analysis_let_go(
    markets, tmp_path, monkeypatch
):
    """While the store's writer is still writing (a slow disk), the load beside the analysis
    holds no table of the input: the analysis replaces its tables (entity resolution) and the
    ones it let go are freed, not kept to the writer's end beside the new ones. The store then
    holds every row, with the counts of the load."""
    import gc
    import threading
    import weakref

    from workbench.store import memory_store

    write = memory_store._write_parquet
    disk = threading.Event()  # the disk is busy with the last two files until the test says so

    def slow(frame, path, *how, **more):
        if ".input_shipments." in path.name or ".input_payments." in path.name:
            assert disk.wait(30)
        write(frame, path, *how, **more)

    monkeypatch.setattr(memory_store, "_write_parquet", slow)
    with EmbeddedStore(tmp_path / "store") as store:
        writer = store.input_writer()
        loaded = load_folder(markets / "small", keep=writer.take)
        counts = {name: len(table) for name, table in loaded.tables.items()}
        held = {name: weakref.ref(table) for name, table in loaded.tables.items()}
        wait = store.load_later(loaded, writer=writer)
        del loaded
        gc.collect()
        alive = sorted(name for name, table in held.items() if table() is not None)
        disk.set()
        written = wait()
        assert alive == []
        assert written == counts and counts["seller_links"] > 1000
        info = store.info()
        assert info["tables"]["seller_links"] == counts["seller_links"]
        assert info["sources"][0]["rows"]["listings"] == counts["listings"]
        assert store.table("listings")["title"].ne("").all()


def test_a_load_waits_for_a_slow_writer_instead_of_stacking_whole_tables(markets, tmp_path, monkeypatch):
    """The store's writer holds at most two whole tables (the one it writes and the next): on a
    disk slower than the checks, the load waits for it rather than holding every file whole
    beside the analysis. Once the disk catches up, every file is written."""
    import threading

    from workbench.store import memory_store

    write = memory_store._write_parquet
    disk = threading.Event()

    def slow(*how, **more):
        assert disk.wait(60)
        write(*how, **more)

    monkeypatch.setattr(memory_store, "_write_parquet", slow)
    with EmbeddedStore(tmp_path / "store") as store:
        writer = store.input_writer()
        started: list[str] = []
        loaded = {}
        load = threading.Thread(
            target=lambda: loaded.update(
                done=load_folder(markets / "small", on_file=started.append, keep=writer.take)
            )
        )
        load.start()
        time.sleep(2)  # long enough for the small market's every file, had the load not waited
        waiting = list(started)
        disk.set()
        load.join(60)
        files = writer.finish()
    assert waiting == ["addresses", "sellers", "organizations"], waiting
    assert not load.is_alive() and set(files) == set(loaded["done"].files)
    assert all(path.stat().st_size > 0 for path in files.values())


def test_a_write_that_fails_during_the_load_fails_the_analysis_and_leaves_nothing(
    markets, tmp_path, monkeypatch
):
    from workbench import pipeline
    from workbench.store import memory_store

    write = memory_store._write_parquet

    def disk_full(frame, path, **how):
        if "listings" in path.name:
            raise OSError(28, "No space left on device")
        write(frame, path, **how)

    monkeypatch.setattr(memory_store, "_write_parquet", disk_full)
    with EmbeddedStore(tmp_path / "store") as store, pytest.raises(OSError, match="No space left"):
        pipeline.analyze(markets / "small", tmp_path / "out", store)
    info = _info(tmp_path / "store")
    assert info["sources"] == [] and not any(info["tables"].values())
    assert not list((tmp_path / "store" / "tables").glob("*"))


def test_an_analysis_of_a_version_the_store_holds_keeps_none_of_what_it_wrote(markets, tmp_path):
    """The fingerprint is known once every file is read: the files written meanwhile for a version
    the store holds already are let go, and the store is as it was."""
    from workbench import pipeline

    store = tmp_path / "store"
    with EmbeddedStore(store) as opened:
        pipeline.analyze(markets / "small", tmp_path / "out", opened)
    before, files = _info(store), sorted(p.name for p in (store / "tables").iterdir())
    manifest = json.loads((store / "manifest.json").read_text())
    with EmbeddedStore(store) as opened:
        pipeline.analyze(markets / "small", tmp_path / "out2", opened)
    after = json.loads((store / "manifest.json").read_text())
    assert _info(store)["sources"] == before["sources"]
    assert after["tables"]["sellers"] == manifest["tables"]["sellers"]  # the same file, not a copy
    # the results are written again; the input tables are not, and nothing is left half-named
    assert not list((store / "tables").glob(".*"))
    assert {p.name for p in (store / "tables").iterdir()} >= set(files)
    assert (tmp_path / "out" / "rings.csv").read_text() == (tmp_path / "out2" / "rings.csv").read_text()


@pytest.mark.parametrize("written_before_kill", [1, 4])
def test_sigkill_during_an_analysis_load_leaves_the_store_as_it_was(markets, tmp_path, written_before_kill):
    """``analyze`` writes the store's copy file by file during the load: killed with some written,
    the store is as before, and the next analysis runs to the end."""
    store = tmp_path / "store"
    assert run_workbench("load", str(markets / "small"), "--store", str(store)).returncode == 0
    before = _info(store)
    tables = store / "tables"
    command = [
        sys.executable,
        "-m",
        "workbench",
        "analyze",
        str(markets / "big"),
        "--out",
        str(tmp_path / "out"),
    ]
    analysing = subprocess.Popen(
        [*command, "--store", str(store), "--source", "small"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and analysing.poll() is None:
        if len(list(tables.glob(".input_*"))) >= written_before_kill:
            break
        time.sleep(0.002)
    assert analysing.poll() is None, "the analysis ended before it could be killed"
    analysing.send_signal(signal.SIGKILL)
    analysing.wait(timeout=30)
    assert _info(store) == before
    again = subprocess.run(
        [*command, "--store", str(store), "--source", "small"], capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    after = _info(store)
    assert after["sources"][0]["version"] == 2
    assert after["tables"]["sellers"] == len(_seller_ids(markets / "big"))
