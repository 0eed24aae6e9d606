"""The app's pages, routed by st.navigation; pages only draw, logic lives in the package."""

from __future__ import annotations

import streamlit as st

from workbench.app.pages.hotspots import hotspots_page
from workbench.app.pages.rings import rings_page


def run() -> None:
    st.set_page_config(page_title="Counterfeit Ring Workbench", layout="wide")
    page = st.navigation(
        [
            st.Page(rings_page, title="Rings", url_path="rings", default=True),
            st.Page(hotspots_page, title="Hotspots", url_path="hotspots"),
        ]
    )
    page.run()
