"""SHA-256 of files, for input fingerprints and packet manifests alike."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from workbench import forget_cached_file

__all__ = ["HashedReading", "digest_and_lines", "sha256_file"]

# how far behind the reader a file's pages leave the kernel's cache
_DROPPED_EVERY = 64 << 20


class HashedReading(io.FileIO):
    """A file opened for reading that hashes its bytes and counts its lines as they are read,
    for a reader that takes the file from start to end once (Arrow's CSV reader): the loader
    needs the bytes parsed, their digest and their line count, and reading the file twice held
    it in the kernel's cache twice as long. With ``drop_behind`` the pages read leave the cache
    as the reader moves on (``workbench.forget_cached_file``): a ten-million-seller link file is
    6 GB, and the memory the cache took was memory the load then waited for."""

    def __init__(self, path: Path | str, drop_behind: bool = False):
        super().__init__(path, "rb")
        self._sha256, self._lines, self._ends_line = hashlib.sha256(), 0, True
        self.bytes_read, self._size = 0, os.fstat(self.fileno()).st_size
        self._drop_behind, self._dropped_to = drop_behind, 0

    def read(self, size: int = -1) -> bytes:
        block = super().read(size)
        if block:
            self._sha256.update(block)
            self._lines += block.count(b"\n")
            self._ends_line = block.endswith(b"\n")
            self.bytes_read += len(block)
            if self._drop_behind and self.bytes_read - self._dropped_to >= _DROPPED_EVERY:
                forget_cached_file(self.fileno(), self._dropped_to, self.bytes_read - self._dropped_to)
                self._dropped_to = self.bytes_read
        return block

    def readinto(self, buffer) -> int:  # every read goes through ``read``, where it is counted
        block = self.read(len(buffer))
        memoryview(buffer).cast("B")[: len(block)] = block
        return len(block)

    def readall(self) -> bytes:
        return b"".join(iter(lambda: self.read(1 << 22), b""))

    @property
    def whole(self) -> bool:
        """Whether every byte of the file went through this reading."""
        return self.bytes_read == self._size

    @property
    def digest(self) -> str:
        """Hex SHA-256 of the bytes read."""
        return self._sha256.hexdigest()

    @property
    def lines(self) -> int:
        """Lines read, a last line without its newline counted."""
        return self._lines + (0 if self._ends_line else 1)


def digest_and_lines(path: Path) -> tuple[str, int]:
    """Hex SHA-256 of a file's bytes and how many lines it has (a last line without its newline
    counted), in one read: the loader needs both of every input file."""
    with HashedReading(path) as reading:
        while reading.read(1 << 22):
            pass
        return reading.digest, reading.lines


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return digest_and_lines(path)[0]
