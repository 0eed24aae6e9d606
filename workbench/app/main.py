"""The app's pages, routed by st.navigation; pages only draw, what they show is computed in the package."""

from __future__ import annotations

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

ICON = Path(__file__).resolve().parent / "static" / "icon.png"


def _overview_at_its_address() -> None:
    overview_page()


def run() -> None:
    # the product's own icon (a file: an emoji icon would be fetched from a CDN)
    st.set_page_config(page_title="Counterfeit Ring Workbench", page_icon=str(ICON), layout="wide")
    # less empty space above each page, so a ring's card fits one screen (1400 x 1000)
    st.markdown("<style>.block-container {padding-top: 2rem;}</style>", unsafe_allow_html=True)
    user = signed_in_user(open_store_quietly())
    if user is None:
        return  # the sign-in form, or why nobody can sign in, is all this session sees
    st.session_state["user"] = user
    pages = [
        st.Page(overview_page, title="Overview", default=True),
        st.Page(rings_page, title="Rings", url_path="rings"),
        st.Page(network_page, title="Network", url_path="network"),
        st.Page(upstream_page, title="Upstream", url_path="upstream"),
        st.Page(map_page, title="Map", url_path="map"),
        st.Page(leads_page, title="Leads", url_path="leads"),
        st.Page(hotspots_page, title="Hotspots", url_path="hotspots"),
        st.Page(watch_page, title="Watch", url_path="watch"),
    ]
    # pages open each other on the ring in hand (the ring card's buttons, a hit's ring)
    st.session_state["_pages"] = {page.url_path or "overview": page for page in pages}
    if allowed(user, "read_audit"):
        pages.append(st.Page(audit_page, title="Audit trail", url_path="audit"))
    # the default page lives at "/"; Streamlit ignores its url_path, so "/overview" (a link someone
    # saved or sent) is a second, unlisted page drawing the same Overview
    by_address = st.Page(_overview_at_its_address, title="Overview", url_path="overview")
    page = st.navigation([*pages, by_address], position="hidden")
    for listed in pages:
        st.sidebar.page_link(listed, label=listed.title)
    st.sidebar.markdown(f"Signed in: **{user.name}** ({user.role})")
    if user.signed_in_by != "loopback" and st.sidebar.button("Sign out"):
        sign_out()
        st.rerun()
    st.sidebar.caption(f"Store: {store_location() or 'none'}")
    if st.sidebar.button("Reload the store", help="After `workbench analyze` ran again on this store"):
        st.cache_data.clear()
        store_at.clear()
    page.run()
