"""The packet's manifest: SHA-256 of every file plus what the packet is, and its verification."""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

from workbench.hashing import sha256_file

__all__ = ["MANIFEST", "sha256_file", "write_manifest", "verify_packet"]

MANIFEST = "manifest.json"


def write_manifest(folder: Path, facts: dict) -> Path:
    """Hash every file under ``folder`` (but the manifest) and write ``manifest.json``."""
    files = {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
    path = folder / MANIFEST
    path.write_text(json.dumps({**facts, "files": files}, indent=2, sort_keys=True, default=str))
    return path


def verify_packet(packet: Path) -> tuple[dict, list[str]]:
    """Re-check a packet folder or zip against its manifest: ``(manifest, problems)``.

    Problems name each file whose bytes changed, that is missing, or that is not in the manifest.
    """
    if packet.is_file() and zipfile.is_zipfile(packet):
        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(packet) as archive:
            archive.extractall(tmp)
            roots = [p for p in Path(tmp).iterdir()]
            root = roots[0] if len(roots) == 1 and roots[0].is_dir() else Path(tmp)
            return _verify_folder(root)
    return _verify_folder(packet)


def _verify_folder(folder: Path) -> tuple[dict, list[str]]:
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        return {}, [f"{MANIFEST} missing: not a lead packet, or the manifest was removed"]
    manifest = json.loads(manifest_path.read_text())
    problems = []
    listed = manifest.get("files", {})
    for name, expected in sorted(listed.items()):
        path = folder / name
        if not path.exists():
            problems.append(f"{name}: missing")
        elif (actual := sha256_file(path)) != expected:
            problems.append(f"{name}: changed (SHA-256 {actual[:16]}..., manifest {expected[:16]}...)")
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name != MANIFEST and name not in listed:
            problems.append(f"{name}: not in the manifest")
    return manifest, problems
