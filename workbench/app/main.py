"""The app's pages, routed by st.navigation; pages only draw, what they show is computed in the package."""

from __future__ import annotations

import streamlit as st

from workbench.app.common import store_at, store_location
from workbench.app.pages.hotspots import hotspots_page
from workbench.app.pages.leads import leads_page
from workbench.app.pages.network import network_page
from workbench.app.pages.overview import overview_page
from workbench.app.pages.ring_map import map_page
from workbench.app.pages.rings import rings_page
from workbench.app.pages.upstream import upstream_page


def run() -> None:
    st.set_page_config(page_title="Counterfeit Ring Workbench", layout="wide")
    page = st.navigation(
        [
            st.Page(overview_page, title="Overview", url_path="overview", default=True),
            st.Page(rings_page, title="Rings", url_path="rings"),
            st.Page(network_page, title="Network", url_path="network"),
            st.Page(upstream_page, title="Upstream", url_path="upstream"),
            st.Page(map_page, title="Map", url_path="map"),
            st.Page(leads_page, title="Leads", url_path="leads"),
            st.Page(hotspots_page, title="Hotspots", url_path="hotspots"),
        ]
    )
    st.sidebar.caption(f"Store: {store_location() or 'none'}")
    if st.sidebar.button("Reload the store", help="After `workbench analyze` ran again on this store"):
        st.cache_data.clear()
        store_at.clear()
    page.run()
