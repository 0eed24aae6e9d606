"""Screening new storefronts: reopened ring storefronts found among ordinary new sellers (some on
the rings' hubs), reasons in words, the store unchanged, and the same answers over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pandas as pd
import pytest

from tests.conftest import run_workbench
from workbench.bench import screening_figures
from workbench.store import MemoryStore
from workbench.store.local_neo4j import free_port
from workbench.synth.defects import HOSTILE_STRINGS
from workbench.synth.generator import generate_marketplace


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    root = tmp_path_factory.mktemp("screening")
    generate_marketplace(root / "data", sellers=6000, rings=40, seed=33, scenario="hard", new=1500)
    done = run_workbench(
        "analyze", str(root / "data"), "--out", str(root / "out"), "--store", str(root / "store")
    )
    assert done.returncode == 0, done.stderr
    before = MemoryStore(root / "store")
    counts = (len(before.table("sellers")), before.rings().copy())
    done = run_workbench(
        "screen",
        str(root / "data" / "registrations"),
        "--store",
        str(root / "store"),
        "--out",
        str(root / "screen"),
    )
    assert done.returncode == 0, done.stderr
    return root, counts, done.stdout


def _read(root) -> pd.DataFrame:
    return pd.read_csv(root / "screen" / "screening.csv", dtype=str).fillna("")


def test_reopened_storefronts_rank_above_ordinary_ones_and_get_their_ring(screened):
    root, _, _ = screened
    found = _read(root)
    planted = pd.read_csv(root / "data" / "registrations" / "truth" / "screening.csv", dtype=str).fillna("")
    assert list(found.columns) == ["seller_id", "risk", "ring_id", "matched_seller_id", "reasons"]
    assert set(found["seller_id"]) == set(planted["seller_id"])
    figures = screening_figures(
        found,
        planted,
        MemoryStore(root / "store").rings(),
        pd.read_csv(root / "data" / "truth" / "rings.csv", dtype=str),
    )
    assert figures["risk_auc"] >= 0.95, figures
    assert figures["ring_named_right"] >= 0.9, figures


def test_hubs_are_no_reason_and_a_banned_persons_id_is_the_strongest(screened):
    root, _, stdout = screened
    found = _read(root)
    found["risk"] = found["risk"].astype(float)
    only_hubs = found[
        found["reasons"].str.contains("is a hub") & ~found["reasons"].str.contains("same |used by")
    ]
    assert len(only_hubs) and (only_hubs["risk"] == 0).all()
    banned = found[found["reasons"].str.contains(r"same person ID as S\d+ \(ring R-[0-9a-f]+, banned\)")]
    assert len(banned) and (banned["risk"] == 1.0).all()
    assert "new sellers screened" in stdout


def test_screening_leaves_the_stores_data_and_rings_as_they_were(screened):
    root, (sellers, rings), _ = screened
    after = MemoryStore(root / "store")
    assert len(after.table("sellers")) == sellers
    pd.testing.assert_frame_equal(after.rings(), rings)
    assert len(after.result("screening")) == len(_read(root))  # kept for the Watch page


def test_hostile_registrations_are_screened_as_text(screened, tmp_path):
    root, _, _ = screened
    new = tmp_path / "new"
    new.mkdir()
    names = [h.replace('"', '""') for h in HOSTILE_STRINGS]
    (new / "sellers.csv").write_text(
        "seller_id,shop_name\n" + "".join(f'X{i},"{n}"\n' for i, n in enumerate(names))
    )
    (new / "seller_links.csv").write_text(
        'seller_id,kind,value\nX0,phone,"=HYPERLINK(""http://x"")"\nX1,device,"\'}) DETACH DELETE n //"\n'
    )
    done = run_workbench("screen", str(new), "--store", str(root / "store"), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "out" / "screening.csv").read_text()
    assert "\n=" not in text and ",=" not in text  # no formula reaches a spreadsheet
    quarantined = pd.read_csv(tmp_path / "out" / "quarantine.csv", dtype=str)
    assert "not a phone number" in " ".join(quarantined["reason"])


def test_mistakes_are_named(tmp_path, screened):
    root, _, _ = screened
    done = run_workbench(
        "screen", str(tmp_path / "nowhere"), "--store", str(root / "store"), "--out", str(tmp_path / "o")
    )
    assert done.returncode == 2 and "no such folder" in done.stderr and "Traceback" not in done.stderr
    done = run_workbench("screen", str(root / "data" / "registrations"), "--out", str(tmp_path / "o"))
    assert done.returncode == 2 and "--store" in done.stderr
    empty = tmp_path / "empty_store"
    done = run_workbench(
        "screen", str(root / "data" / "registrations"), "--store", str(empty), "--out", str(tmp_path / "o")
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr


def _call(port: int, path: str, body: dict | None = None, token: str | None = None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_api_answers_as_the_cli_does_and_wants_its_token(screened):
    root, _, _ = screened
    token = "t0ken-for-the-test-only"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "workbench", "serve", "--store", str(root / "store"), "--port", str(port)],
        env={**os.environ, "WORKBENCH_API_TOKEN": token},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(120):
            try:
                if _call(port, "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            said = server.stderr.read1().decode() if server.poll() is not None else ""
            pytest.fail(f"the API did not start: {said}")
        cli = _read(root).set_index("seller_id")
        flagged = cli[cli["risk"].astype(float) >= 0.5].index[:5].tolist()
        links = pd.read_csv(root / "data" / "registrations" / "seller_links.csv", dtype=str)
        mine = links[links["seller_id"].isin(flagged)]
        body = {
            "sellers": [{"seller_id": s} for s in flagged],
            "seller_links": [
                *({"seller_id": r.seller_id, "kind": r.kind, "value": r.value} for r in mine.itertuples()),
                {"seller_id": flagged[0], "kind": "fax", "value": "123"},
                {"seller_id": flagged[0], "kind": "phone", "value": "call me"},
            ],
        }
        assert _call(port, "/screen", body)[0] == 401
        assert _call(port, "/screen", body, "wrong-token-wrong-token")[0] == 401
        status, answer = _call(port, "/screen", body, token)
        assert status == 200
        for row in answer["results"]:
            assert (row["risk"], row["ring_id"], row["reasons"]) == (
                float(cli.loc[row["seller_id"], "risk"]),
                cli.loc[row["seller_id"], "ring_id"],
                cli.loc[row["seller_id"], "reasons"],
            )
        assert {r["field"] for r in answer["rejected"]} == {"kind", "value"}
        schema = _call(port, "/openapi.json")[1]
        assert "/screen" in schema["paths"] and "ScreeningResult" in json.dumps(schema)
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_the_api_refuses_to_start_without_a_token(screened):
    root, _, _ = screened
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_API_TOKEN"}
    done = run_workbench("serve", "--store", str(root / "store"), env=env, timeout=60)
    assert done.returncode == 2 and "token" in done.stderr
