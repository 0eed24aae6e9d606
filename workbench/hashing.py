"""SHA-256 of files, for input fingerprints and packet manifests alike."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["digest_and_lines", "sha256_file"]


def digest_and_lines(path: Path) -> tuple[str, int]:
    """Hex SHA-256 of a file's bytes and how many lines it has (a last line without its newline
    counted), in one read: the loader needs both of every input file."""
    digest, lines, last = hashlib.sha256(), 0, b""
    with Path(path).open("rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
            lines += block.count(b"\n")
            last = block
    if last and not last.endswith(b"\n"):
        lines += 1
    return digest.hexdigest(), lines


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return digest_and_lines(path)[0]
