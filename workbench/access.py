"""Who may see and do what: the three roles, the one permission check every page and export goes
through, and the local users file (argon2 password hashes) for offline deployments."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .errors import WorkbenchError

__all__ = [
    "ROLES",
    "PERMISSIONS",
    "User",
    "AccessDenied",
    "allowed",
    "require",
    "users_file",
    "read_users",
    "add_user",
    "remove_user",
    "check_password",
    "oidc_role",
    "is_loopback",
]

ROLES = ("viewer", "investigator", "lead")
# action -> the roles that may do it; anything not listed here is allowed to nobody
PERMISSIONS: dict[str, frozenset[str]] = {
    "see_rings": frozenset(ROLES),
    "see_identifiers": frozenset({"investigator", "lead"}),
    "change_case": frozenset({"investigator", "lead"}),
    # record a judgement (member or not, merge, split, source or not) applied by later analyses
    "decide": frozenset({"investigator", "lead"}),
    "build_redacted_packet": frozenset({"investigator", "lead"}),
    "build_unredacted_packet": frozenset({"lead"}),
    "read_audit": frozenset({"lead"}),
}
_NAME = re.compile(r"^[\w.@+-]{1,128}$")
_HASHER = PasswordHasher()
MIN_PASSWORD = 10


@dataclass(frozen=True)
class User:
    """A signed-in person (or the local operator of a loopback-only app) and their role."""

    name: str
    role: str
    signed_in_by: str  # "password", "oidc" or "loopback" (nobody else can reach the app)


class AccessDenied(WorkbenchError):
    """The user's role does not allow the action."""


def allowed(user: User | None, action: str) -> bool:
    """Whether ``user`` may do ``action`` (unknown actions and no user: never).

    >>> allowed(User("ann", "viewer", "password"), "see_identifiers")
    False
    >>> allowed(User("lee", "lead", "password"), "build_unredacted_packet")
    True
    """
    return user is not None and user.role in PERMISSIONS.get(action, frozenset())


def require(user: User | None, action: str) -> None:
    if not allowed(user, action):
        who = f"{user.name} ({user.role})" if user else "nobody signed in"
        raise AccessDenied(f"{who} may not {action.replace('_', ' ')}")


def is_loopback(host: str) -> bool:
    """Whether an address the app listens on is reachable from this machine only.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0"), is_loopback("")
    (True, True, False, False)
    """
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# ---- the users file ------------------------------------------------------------------------------
def users_file() -> Path:
    """WORKBENCH_USERS, else ``users.json`` in the user's config folder."""
    if given := os.environ.get("WORKBENCH_USERS"):
        return Path(given).expanduser()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "counterfeit-ring-workbench" / "users.json"


def read_users(path: Path | None = None) -> dict[str, dict]:
    """``{name: {"role", "password_hash" | "oidc"}}``; empty when there is no users file."""
    path = path or users_file()
    if not path.exists():
        return {}
    try:
        users = json.loads(path.read_text())["users"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WorkbenchError(f"{path}: not a users file ({type(exc).__name__}: {exc})") from None
    if not isinstance(users, dict) or any(u.get("role") not in ROLES for u in users.values()):
        raise WorkbenchError(f"{path}: every user needs a role of {', '.join(ROLES)}")
    return users


def _write_users(users: dict[str, dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # written whole and moved into place, readable by the owner only (it holds password hashes)
    descriptor, tmp = tempfile.mkstemp(dir=path.parent, prefix=".users-")
    with os.fdopen(descriptor, "w") as file:
        json.dump({"users": users}, file, indent=2, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def add_user(name: str, password: str | None, role: str, path: Path | None = None) -> None:
    """Add or replace a user. Without a password the user signs in through the organisation's
    identity provider (OIDC) and ``name`` is their e-mail address."""
    path = path or users_file()
    if not _NAME.match(name):
        raise WorkbenchError(f"user name {name!r}: letters, digits and . @ + - _ only")
    if role not in ROLES:
        raise WorkbenchError(f"role {role!r}: choose one of {', '.join(ROLES)}")
    users = read_users(path)
    if password is None:
        users[name] = {"role": role, "oidc": True}
    else:
        if len(password) < MIN_PASSWORD:
            raise WorkbenchError(f"the password must have at least {MIN_PASSWORD} characters")
        users[name] = {"role": role, "password_hash": _HASHER.hash(password)}
    _write_users(users, path)


def remove_user(name: str, path: Path | None = None) -> None:
    path = path or users_file()
    users = read_users(path)
    if name not in users:
        raise WorkbenchError(f"{path}: no user {name!r}")
    del users[name]
    _write_users(users, path)


def check_password(name: str, password: str, path: Path | None = None) -> User | None:
    """The user if ``password`` is theirs, else None (an unknown name costs as much as a wrong one)."""
    user = read_users(path).get(name)
    stored = user.get("password_hash") if user else None
    try:
        # an unknown user is checked against a dummy hash so timing does not tell names apart
        _HASHER.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    return User(name, user["role"], "password") if stored else None


def oidc_role(email: str | None, path: Path | None = None) -> str:
    """The role of someone signed in through OIDC: theirs in the users file, else viewer."""
    user = read_users(path).get(email or "")
    return user["role"] if user else "viewer"


@cache
def _dummy_hash() -> str:
    # made on the first sign-in, not at import: the app and the CLI import this module on start
    return _HASHER.hash("not a password anyone has")
