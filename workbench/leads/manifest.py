"""The packet's manifest: SHA-256 of every file plus what the packet is, signed with the unit's
Ed25519 key, and its verification (which trusts nothing in the packet it has not checked)."""

from __future__ import annotations

import base64
import json
import os
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from workbench.errors import WorkbenchError
from workbench.hashing import sha256_file

from .signing import fingerprint, load_public_key, public_key_pem, signature_valid

__all__ = ["MANIFEST", "SIGNATURE", "Verification", "sha256_file", "write_manifest", "verify_packet"]

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
# an archive may not expand past this (a small zip can unpack to gigabytes)
MAX_EXPANDED_BYTES = int(os.environ.get("WORKBENCH_MAX_PACKET_BYTES", 512 * 1024 * 1024))
MAX_MEMBERS = 10_000


def write_manifest(folder: Path, facts: dict, key: Ed25519PrivateKey) -> Path:
    """Hash every file under ``folder``, write ``manifest.json`` with the signer's public key and
    ``manifest.sig``, the Ed25519 signature of the manifest's exact bytes."""
    files = {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in (MANIFEST, SIGNATURE)
    }
    signer = {
        "algorithm": "Ed25519",
        "public_key": public_key_pem(key.public_key()),
        "fingerprint": fingerprint(key.public_key()),
    }
    data = json.dumps({**facts, "files": files, "signer": signer}, indent=2, sort_keys=True, default=str)
    path = folder / MANIFEST
    path.write_bytes(data.encode("utf-8"))
    (folder / SIGNATURE).write_text(base64.b64encode(key.sign(data.encode("utf-8"))).decode() + "\n")
    return path


@dataclass
class Verification:
    """What `workbench verify` found: the manifest, each problem, and who signed it."""

    manifest: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    signer: str = ""  # fingerprint of the key the manifest names
    signer_verified: bool = False  # signed by the public key the recipient was given


def verify_packet(packet: Path, public_key: Path | None = None) -> Verification:
    """Check a packet folder or zip: the signature over the manifest, every file against it.

    Unusable input (not a packet, a manifest that is not JSON, an archive that would expand past
    the limit) raises WorkbenchError; everything that shows tampering is a problem in the result.
    """
    trusted = load_public_key(_read_regular(public_key), str(public_key)) if public_key else None
    if packet.is_file():
        if not zipfile.is_zipfile(packet):
            raise WorkbenchError(f"{packet}: neither a packet folder nor a zip")
        with tempfile.TemporaryDirectory() as tmp:
            root = _safe_extract(packet, Path(tmp))
            return _verify_folder(root, trusted)
    if not packet.is_dir():
        raise WorkbenchError(f"{packet}: no such packet folder or zip")
    return _verify_folder(packet, trusted)


def _read_regular(path: Path) -> bytes:
    if not path.is_file():
        raise WorkbenchError(f"{path}: no such file (the public key given with --public-key)")
    return path.read_bytes()


def _safe_extract(archive_path: Path, into: Path) -> Path:
    """Unpack a packet zip after checking every member: no absolute or ``..`` paths, no links, no
    more than MAX_MEMBERS files or MAX_EXPANDED_BYTES in all."""
    with zipfile.ZipFile(archive_path) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise WorkbenchError(f"{archive_path}: refused, {len(members):,} files (at most {MAX_MEMBERS:,})")
        expanded = sum(m.file_size for m in members)
        if expanded > MAX_EXPANDED_BYTES:
            raise WorkbenchError(
                f"{archive_path}: refused, it would expand to {expanded:,} bytes "
                f"(limit {MAX_EXPANDED_BYTES:,}; WORKBENCH_MAX_PACKET_BYTES raises it)"
            )
        for member in members:
            name = PurePosixPath(member.filename)
            if name.is_absolute() or ".." in name.parts or "\\" in member.filename:
                raise WorkbenchError(f"{archive_path}: refused, member {member.filename!r} points outside")
            if stat.S_ISLNK(member.external_attr >> 16):
                raise WorkbenchError(f"{archive_path}: refused, member {member.filename!r} is a link")
        written = 0
        for member in members:
            target = into / member.filename
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, open(target, "wb") as sink:
                while chunk := source.read(1 << 20):
                    written += len(chunk)
                    if written > MAX_EXPANDED_BYTES:  # never trust the sizes the headers declare
                        raise WorkbenchError(
                            f"{archive_path}: refused, it expands past {MAX_EXPANDED_BYTES:,} bytes"
                        )
                    sink.write(chunk)
    roots = list(into.iterdir())
    return roots[0] if len(roots) == 1 and roots[0].is_dir() else into


def _inside(folder: Path, name: str) -> Path | None:
    """``folder/name`` if ``name`` is a plain relative path that stays inside ``folder``."""
    pure = PurePosixPath(name)
    if not name or pure.is_absolute() or ".." in pure.parts or "\\" in name:
        return None
    path = folder.joinpath(*pure.parts)
    return path if path.resolve().is_relative_to(folder.resolve()) else None


def _verify_folder(folder: Path, trusted: Ed25519PublicKey | None) -> Verification:
    result = Verification()
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise WorkbenchError(f"{folder}: no {MANIFEST}; not a lead packet, or its manifest was removed")
    links = [p for p in [folder, *folder.rglob("*")] if p.is_symlink()]
    for link in links:
        result.problems.append(f"{link.relative_to(folder).as_posix() or '.'}: refused, a symbolic link")
    if links:
        return result
    if not manifest_path.is_file():
        raise WorkbenchError(f"{manifest_path}: not a file")
    data = manifest_path.read_bytes()
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkbenchError(f"{manifest_path}: not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise WorkbenchError(f"{manifest_path}: not a packet manifest (no 'files' table)")
    result.manifest = manifest
    _check_signature(folder, data, manifest, trusted, result)
    listed = manifest["files"]
    for name, expected in sorted(listed.items()):
        path = _inside(folder, str(name))
        if path is None:
            result.problems.append(f"{name}: refused, a manifest path outside the packet")
        elif not path.is_file():
            result.problems.append(f"{name}: missing")
        elif (actual := sha256_file(path)) != expected:
            result.problems.append(
                f"{name}: changed (SHA-256 {actual[:16]}..., manifest {str(expected)[:16]}...)"
            )
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name not in (MANIFEST, SIGNATURE) and name not in listed:
            result.problems.append(f"{name}: not in the manifest")
    return result


def _check_signature(
    folder: Path, data: bytes, manifest: dict, trusted: Ed25519PublicKey | None, result: Verification
) -> None:
    signature_path = folder / SIGNATURE
    signer = manifest.get("signer") if isinstance(manifest.get("signer"), dict) else {}
    if not signature_path.is_file():
        result.problems.append(f"{SIGNATURE}: missing, the manifest is not signed")
        return
    try:
        signature = base64.b64decode(signature_path.read_text().strip(), validate=True)
        named = load_public_key(str(signer.get("public_key", "")), "the manifest's signer")
    except (ValueError, WorkbenchError) as exc:
        result.problems.append(f"{SIGNATURE}: unusable ({exc})")
        return
    result.signer = fingerprint(named)
    if trusted is not None:
        if fingerprint(trusted) != result.signer:
            result.problems.append(
                f"{MANIFEST}: signed by {result.signer}, not by the given key {fingerprint(trusted)}"
            )
        elif not signature_valid(trusted, signature, data):
            result.problems.append(f"{MANIFEST}: changed since it was signed (the signature does not match)")
        else:
            result.signer_verified = True
        return
    if not signature_valid(named, signature, data):
        result.problems.append(f"{MANIFEST}: changed since it was signed (the signature does not match)")
