"""The app's pages, routed by st.navigation; pages only draw, what they show is computed in the package."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from workbench.access import allowed
from workbench.app.common import open_store_quietly, store_at, store_location
from workbench.app.pages.audit import audit_page
from workbench.app.pages.hotspots import hotspots_page
from workbench.app.pages.leads import leads_page
from workbench.app.pages.network import network_page
from workbench.app.pages.overview import overview_page
from workbench.app.pages.ring_map import map_page
from workbench.app.pages.rings import rings_page
from workbench.app.pages.upstream import upstream_page
from workbench.app.pages.watch import watch_page
from workbench.app.signin import sign_out, signed_in_user
from workbench.i18n import LANGUAGES, _, language_from_header, set_language

ICON = Path(__file__).resolve().parent / "static" / "icon.png"


def _import_the_hotspot_statistics() -> None:
    import esda.getisord  # noqa: F401
    import libpysal.weights  # noqa: F401


_SLOW_IMPORTS = threading.Lock()


def _import_slow_libraries_once() -> None:
    """esda pulls in scikit-learn (about 3 s): imported once the first page of this process has
    been drawn (beside it, it slowed that page by as much), so the hotspot map's first open does
    not wait for it."""
    if _SLOW_IMPORTS.acquire(blocking=False):  # never released: one import per process
        threading.Thread(
            target=_import_the_hotspot_statistics, name="import-hotspot-statistics", daemon=True
        ).start()


def _overview_at_its_address() -> None:
    overview_page()


def _language() -> str:
    """This session's language: the sidebar's choice, at first the browser's (Accept-Language)."""
    if "language" not in st.session_state:
        try:
            header = st.context.headers.get("Accept-Language")
        except Exception:  # noqa: BLE001 - no browser (a script run): the default language
            header = None
        st.session_state["language"] = language_from_header(header)
    return st.session_state["language"]


def run() -> None:
    set_language(_language())
    # the product's own icon (a file: an emoji icon would be fetched from a CDN)
    st.set_page_config(page_title=_("Counterfeit Ring Workbench"), page_icon=str(ICON), layout="wide")
    # less empty space above each page, so a ring's card fits one screen (1400 x 1000)
    st.markdown("<style>.block-container {padding-top: 2rem;}</style>", unsafe_allow_html=True)
    user = signed_in_user(open_store_quietly())
    if user is None:
        return  # the sign-in form, or why nobody can sign in, is all this session sees
    st.session_state["user"] = user
    pages = [
        st.Page(overview_page, title=_("Overview"), default=True),
        st.Page(rings_page, title=_("Rings"), url_path="rings"),
        st.Page(network_page, title=_("Network"), url_path="network"),
        st.Page(upstream_page, title=_("Upstream"), url_path="upstream"),
        st.Page(map_page, title=_("Map"), url_path="map"),
        st.Page(leads_page, title=_("Leads"), url_path="leads"),
        st.Page(hotspots_page, title=_("Hotspots"), url_path="hotspots"),
        st.Page(watch_page, title=_("Watch"), url_path="watch"),
    ]
    # pages open each other on the ring in hand (the ring card's buttons, a hit's ring)
    st.session_state["_pages"] = {page.url_path or "overview": page for page in pages}
    if allowed(user, "read_audit"):
        pages.append(st.Page(audit_page, title=_("Audit trail"), url_path="audit"))
    # the default page lives at "/"; Streamlit ignores its url_path, so "/overview" (a link someone
    # saved or sent) is a second, unlisted page drawing the same Overview
    by_address = st.Page(_overview_at_its_address, title=_("Overview"), url_path="overview")
    page = st.navigation([*pages, by_address], position="hidden")
    for listed in pages:
        st.sidebar.page_link(listed, label=listed.title)
    # the switch names each language in itself, so a reader finds theirs whatever is shown now
    st.sidebar.selectbox("Language / 语言", list(LANGUAGES), format_func=LANGUAGES.get, key="language")
    st.sidebar.markdown(_("Signed in: **{name}** ({role})").format(name=user.name, role=_(user.role)))
    if user.signed_in_by != "loopback" and st.sidebar.button(_("Sign out")):
        sign_out()
        st.rerun()
    st.sidebar.caption(_("Store: {where}").format(where=store_location() or _("none")))
    if st.sidebar.button(_("Reload the store"), help=_("After `workbench analyze` ran again on this store")):
        st.cache_data.clear()
        store_at.clear()
    page.run()
    _import_slow_libraries_once()
