"""Building a lead packet: the folder, its zip, its manifest, and its entry in the case register."""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from workbench import __version__
from workbench.store.base import GraphStore

from .case import assemble_case
from .exports import case_graph, write_tables
from .exports.ftm import write_ftm
from .exports.geojson import write_geojson
from .exports.graphml import write_graphml
from .images import map_image, network_image
from .manifest import sha256_file, write_manifest
from .redact import Redactor
from .report import report_facts, write_html, write_pdf

__all__ = ["LeadPacket", "build_lead_packet"]


@dataclass
class LeadPacket:
    packet_id: str
    ring_id: str
    folder: Path
    zip_path: Path
    zip_sha256: str
    recipient: str
    redacted: bool
    seconds: float


def build_lead_packet(
    store: GraphStore,
    ring_id: str,
    out_dir: Path | str,
    redact: bool = False,
    recipient: str = "unspecified recipient",
    key: bytes | None = None,
) -> LeadPacket:
    """Write ``OUT/<packet_id>/`` and ``OUT/<packet_id>.zip`` for one ring, and register it."""
    started = time.perf_counter()
    created_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    redactor = Redactor(enabled=redact, key=key)
    case = assemble_case(store, ring_id, redactor)
    packet_id = (
        "LP-"
        + hashlib.sha256(
            f"{ring_id}|{case.methods['input_fingerprint']}|{recipient}|{redact}|{created_at}".encode()
        ).hexdigest()[:12]
    )
    folder = Path(out_dir) / packet_id
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "exports").mkdir(parents=True)

    graph = case_graph(case)
    map_image(case.locations, folder / "map.png", f"Ring {ring_id}: storefronts, warehouses, source")
    network_image(graph, folder / "network.png", f"Ring {ring_id}: storefronts and shared identifiers")
    facts = report_facts(case, packet_id, created_at, recipient, redact)
    write_html(facts, folder / "report.html")
    write_pdf(facts, folder, folder / "report.pdf")
    write_tables(graph, folder / "exports")
    write_ftm(case, folder / "exports" / "entities.ftm.jsonl")
    write_graphml(graph, folder / "exports" / "ring.graphml")
    write_geojson(case.locations, folder / "exports" / "locations.geojson")
    for name, frame in (
        ("members", case.members),
        ("identifiers", case.identifiers),
        ("suppressed_hubs", case.suppressed),
        ("upstream", case.upstream),
        ("upstream_paths", case.paths),
        ("timeline", case.timeline),
        ("listings", case.listings),
        ("test_buys", case.test_buys),
        ("complaints", case.complaints),
        ("shipments", case.shipments),
        ("payments", case.payments),
    ):
        frame.to_csv(folder / "exports" / f"{name}.csv", index=False)
    write_manifest(
        folder,
        {
            "packet_id": packet_id,
            "ring_id": ring_id,
            "created_at": created_at,
            "recipient": recipient,
            "redacted": redact,
            "input_fingerprint": case.methods["input_fingerprint"],
            "parameters": case.methods["settings"],
            "detection_method": case.methods["method"],
            "software_version": __version__,
        },
    )
    zip_path = Path(shutil.make_archive(str(folder), "zip", root_dir=folder.parent, base_dir=folder.name))
    digest = sha256_file(zip_path)
    store.record_packet(
        pd.DataFrame(
            [
                {
                    "packet_id": packet_id,
                    "ring_id": ring_id,
                    "recipient": recipient,
                    "redacted": redact,
                    "zip_sha256": digest,
                    "created_at": created_at,
                }
            ]
        )
    )
    return LeadPacket(
        packet_id, ring_id, folder, zip_path, digest, recipient, redact, time.perf_counter() - started
    )
