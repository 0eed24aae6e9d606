"""Sign-in for the app: nobody reaches a page before it says who they are and in which role.

Three ways, chosen once per process: the organisation's identity provider through Streamlit's
built-in OIDC (``st.login``, when ``.streamlit/secrets.toml`` has an ``[auth]`` section), the local
users file (``workbench users add``), or, only while the app listens on loopback and no users are
configured, the machine's own operator as lead. An app served beyond loopback with neither
refuses to show anything.
"""

from __future__ import annotations

import getpass
import os
import time

import streamlit as st

from workbench.access import User, check_password, is_loopback, oidc_role, read_users
from workbench.errors import WorkbenchError
from workbench.i18n import _

__all__ = ["signed_in_user", "sign_in_mode", "audit_once"]


def sign_in_mode() -> str:
    """``oidc``, ``users`` or ``loopback`` (WORKBENCH_AUTH may name one; else what is configured)."""
    chosen = os.environ.get("WORKBENCH_AUTH", "").strip().lower()
    if chosen:
        if chosen not in ("oidc", "users", "none"):
            raise WorkbenchError(f"WORKBENCH_AUTH={chosen!r}: choose oidc, users or none")
        return "loopback" if chosen == "none" else chosen
    try:
        if "auth" in st.secrets:
            return "oidc"
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        pass
    return "users" if read_users() else "loopback"


def _served_host() -> str:
    return str(st.get_option("server.address") or "")


def signed_in_user(store) -> User | None:
    """The user of this session, after sign-in where it is needed; None while signing in (the
    page then shows only the sign-in form or a refusal)."""
    try:
        mode = sign_in_mode()
    except WorkbenchError as exc:
        st.error(str(exc))
        return None
    if mode == "loopback":
        host = _served_host()
        if not is_loopback(host):
            st.error(
                _(
                    "This app listens on {host} and nobody is set up to sign in: "
                    "add users with `workbench users add NAME --role ROLE` (or configure OIDC in "
                    ".streamlit/secrets.toml), or serve it on 127.0.0.1 only."
                ).format(host=host or _("every interface"))
            )
            return None
        return User(f"local:{getpass.getuser()}", "lead", "loopback")
    if mode == "oidc":
        if not st.user.is_logged_in:
            st.title(_("Counterfeit Ring Workbench"))
            st.button(_("Sign in with your organisation's account"), on_click=st.login)
            return None
        user = User(str(st.user.get("email") or st.user.get("sub")), "viewer", "oidc")
        user = User(user.name, oidc_role(user.name), "oidc")
    else:
        user = st.session_state.get("signed_in")
        if user is None:
            _password_form(store)
            return None
    if st.session_state.get("audited_sign_in") != user.name and store is not None:
        store.audit(user.name, "signed_in", "", {"by": user.signed_in_by}, role=user.role)
        st.session_state["audited_sign_in"] = user.name
    return user


def _password_form(store) -> None:
    st.title(_("Counterfeit Ring Workbench"))
    with st.form("sign_in"):
        name = st.text_input(_("User name"))
        password = st.text_input(_("Password"), type="password")
        if st.form_submit_button(_("Sign in")):
            user = check_password(name.strip(), password)
            if user is None:
                if store is not None:
                    store.audit(name.strip()[:128], "sign_in_failed", "", {})
                time.sleep(1)  # slows guessing from a browser; argon2 slows it further
                st.error(_("Unknown user name or wrong password."))
            else:
                st.session_state["signed_in"] = user
                st.rerun()


def sign_out() -> None:
    if st.session_state.get("signed_in") is not None:
        st.session_state.pop("signed_in")
        st.session_state.pop("audited_sign_in", None)
    elif sign_in_mode() == "oidc":
        st.logout()


def audit_once(store, user: User, action: str, subject: str, detail: dict | None = None) -> None:
    """Audit a view once per session and subject (a page redraws on every click)."""
    key = f"audited:{action}:{subject}"
    if not st.session_state.get(key):
        store.audit(user.name, action, subject, detail or {}, role=user.role)
        st.session_state[key] = True
