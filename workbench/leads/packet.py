"""Building a lead packet: the folder, its zip, its manifest, and its entry in the case register."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from workbench import __version__
from workbench.errors import WorkbenchError
from workbench.safe_output import write_csv
from workbench.store.base import GraphStore

from .case import assemble_case
from .exports import case_graph, write_tables
from .exports.charts import write_anx, write_cypher, write_gexf
from .exports.ftm import write_ftm
from .exports.geojson import write_geojson
from .exports.graphml import write_graphml
from .images import map_image, network_image
from .manifest import sha256_file, write_manifest
from .redact import Redactor
from .report import report_facts, write_html, write_pdf
from .signing import fingerprint, load_signing_key

__all__ = ["LeadPacket", "build_lead_packet", "packet_start", "publish_packet"]


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
    signing_key: Ed25519PrivateKey | None = None,
    actor: str | None = None,
    role: str | None = None,
) -> LeadPacket:
    """Write ``OUT/<packet_id>/`` and ``OUT/<packet_id>.zip`` for one ring, sign its manifest with
    the unit's key, and register it (audited). Nothing is left behind when building fails."""
    started = time.perf_counter()
    signing_key, out_dir, created_at = packet_start(signing_key, out_dir)
    redactor = Redactor(enabled=redact, key=key)
    case = assemble_case(store, ring_id, redactor)
    packet_id = (
        "LP-"
        + hashlib.sha256(
            f"{ring_id}|{case.methods['input_fingerprint']}|{recipient}|{redact}|{created_at}".encode()
        ).hexdigest()[:12]
    )

    def write(folder: Path) -> None:
        _write_packet(case, folder, packet_id, created_at, recipient, redact, signing_key, store)

    return publish_packet(
        store,
        packet_id,
        ring_id,
        out_dir,
        write,
        recipient,
        redact,
        created_at,
        started,
        actor,
        role,
        redactor,
    )


def audit_head(store: GraphStore) -> dict:
    """The sender's audit trail as it stood when a packet was built (its last entry's number and
    hash): a later removal of entries shows against the manifest."""
    audit = store.audit_log()
    return {
        "seq": int(audit["seq"].iloc[-1]) if len(audit) else 0,
        "hash": str(audit["entry_hash"].iloc[-1]) if len(audit) else "",
    }


def packet_start(signing_key: Ed25519PrivateKey | None, out_dir: Path | str):
    """The signing key (loaded before any work: an unsigned packet is no packet), the output folder
    (a file there is a user mistake) and the packet's creation time."""
    signing_key = signing_key or load_signing_key()
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise WorkbenchError(f"--out {out_dir}: is a file; name a folder for the packet")
    return signing_key, out_dir, datetime.now(UTC).replace(microsecond=0).isoformat()


def publish_packet(
    store: GraphStore,
    packet_id: str,
    subject: str,
    out_dir: Path,
    write: Callable[[Path], None],
    recipient: str,
    redact: bool,
    created_at: str,
    started: float,
    actor: str | None,
    role: str | None,
    redactor: Redactor | None = None,
) -> LeadPacket:
    """Build a packet with ``write(folder)`` in a hidden folder, move it and its zip into place whole
    (a failure leaves no half-written packet), and register it in the case register (audited)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{packet_id}-", dir=out_dir))
    try:
        folder = building / packet_id
        write(folder)
        zip_path = Path(shutil.make_archive(str(folder), "zip", root_dir=building, base_dir=packet_id))
        final_folder, final_zip = out_dir / packet_id, out_dir / f"{packet_id}.zip"
        if final_folder.exists():
            shutil.rmtree(final_folder)
        folder.replace(final_folder)
        zip_path.replace(final_zip)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    digest = sha256_file(final_zip)
    store.record_packet(
        pd.DataFrame(
            [
                {
                    "packet_id": packet_id,
                    "ring_id": subject,
                    "recipient": recipient,
                    "redacted": redact,
                    "zip_sha256": digest,
                    "created_at": created_at,
                }
            ]
        ),
        actor=actor,
        role=role,
        # read after writing: every value the packet masks has its token by then
        tokens=redactor.tokens() if redact and redactor is not None else None,
    )
    return LeadPacket(
        packet_id, subject, final_folder, final_zip, digest, recipient, redact, time.perf_counter() - started
    )


def _write_packet(
    case, folder: Path, packet_id: str, created_at: str, recipient: str, redact: bool, signing_key, store
) -> None:
    (folder / "exports").mkdir(parents=True)
    ring_id = case.ring_id
    graph = case_graph(case)
    map_image(case.locations, folder / "map.png", f"Ring {ring_id}: storefronts, warehouses, source")
    network_image(graph, folder / "network.png", f"Ring {ring_id}: storefronts and shared identifiers")
    signer = fingerprint(signing_key.public_key())
    facts = report_facts(case, packet_id, created_at, recipient, redact, signer)
    write_html(facts, folder / "report.html")
    write_pdf(facts, folder, folder / "report.pdf")
    write_tables(graph, folder / "exports")
    write_ftm(case, folder / "exports" / "entities.ftm.jsonl")
    write_graphml(graph, folder / "exports" / "ring.graphml")
    write_gexf(graph, folder / "exports" / "ring.gexf")
    write_cypher(graph, folder / "exports" / "ring.cypher")
    write_anx(graph, folder / "exports" / "chart.anx")
    write_geojson(case.locations, folder / "exports" / "locations.geojson")
    for name, frame in (
        ("members", case.members),
        ("associates", case.associates),
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
        write_csv(frame, folder / "exports" / f"{name}.csv")
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
            "audit_head": audit_head(store),
        },
        signing_key,
    )
