"""The unit's Ed25519 signing key: made once, kept private (mode 0600), used to sign every packet's
manifest so that a police recipient can tell the packet came unchanged from this unit."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from workbench.errors import WorkbenchError

__all__ = [
    "signing_key_path",
    "init_signing_key",
    "load_signing_key",
    "load_public_key",
    "public_key_pem",
    "fingerprint",
    "signature_valid",
]


def signing_key_path() -> Path:
    """WORKBENCH_SIGNING_KEY, else ``signing_key.pem`` in the user's config folder."""
    if given := os.environ.get("WORKBENCH_SIGNING_KEY"):
        return Path(given).expanduser()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "counterfeit-ring-workbench" / "signing_key.pem"


def _public_path(private: Path) -> Path:
    return private.with_name(private.name + ".pub")


def init_signing_key(path: Path | None = None, force: bool = False) -> tuple[Path, str]:
    """Create the key pair (private key mode 0600, public key beside it as ``PATH.pub``, PEM);
    return the private key's path and the public key's fingerprint."""
    path = path or signing_key_path()
    if path.exists() and not force:
        existing = fingerprint(load_signing_key(path).public_key())
        raise WorkbenchError(
            f"{path}: a signing key exists already (fingerprint {existing}); --force replaces it, "
            "and packets signed with the old key then verify only against the old .pub"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # created with 0600 from the start: the key is never readable by others, not even briefly
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    os.chmod(path, 0o600)
    _public_path(path).write_text(public_key_pem(key.public_key()))
    return path, fingerprint(key.public_key())


def load_signing_key(path: Path | None = None) -> Ed25519PrivateKey:
    """The unit's private key; a clear error if it is missing, unreadable or open to others."""
    path = path or signing_key_path()
    if not path.is_file():
        raise WorkbenchError(
            f"{path}: no signing key; run `workbench keys init` once (or set WORKBENCH_SIGNING_KEY)"
        )
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise WorkbenchError(f"{path}: the signing key is readable by others; run `chmod 600 {path}`")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise WorkbenchError(f"{path}: not a PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise WorkbenchError(f"{path}: not an Ed25519 key")
    return key


def load_public_key(data: bytes | str, where: str = "public key") -> Ed25519PublicKey:
    """An Ed25519 public key from PEM text; a clear error naming ``where`` otherwise."""
    try:
        key = serialization.load_pem_public_key(data.encode() if isinstance(data, str) else data)
    except (ValueError, TypeError):
        raise WorkbenchError(f"{where}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise WorkbenchError(f"{where}: not an Ed25519 public key")
    return key


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key in groups of four hex digits, to read out in a cover letter."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return "SHA256:" + " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def signature_valid(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
