"""One app page under Streamlit's AppTest as a given signed-in user (tests and the app benchmark)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from workbench.access import User

__all__ = ["page_test", "PAGE_FUNCTIONS"]

# page module -> its drawing function
PAGE_FUNCTIONS = {
    "overview": "overview_page",
    "rings": "rings_page",
    "network": "network_page",
    "upstream": "upstream_page",
    "ring_map": "map_page",
    "leads": "leads_page",
    "hotspots": "hotspots_page",
    "audit": "audit_page",
    "watch": "watch_page",
}


def page_test(
    name: str, role: str = "lead", user: str = "tester", timeout: int = 120, language: str = "en"
) -> AppTest:
    """Page ``name`` ready to ``run()``, for ``user`` in ``role`` as the sign-in would leave it, in
    ``language`` (as the sidebar's switch would set it)."""
    function = PAGE_FUNCTIONS[name]
    at = AppTest.from_string(
        "from workbench.i18n import set_language\n"
        f"set_language({language!r})\n"
        f"from workbench.app.pages.{name} import {function}\n{function}()",
        default_timeout=timeout,
    )
    at.session_state["user"] = User(user, role, "password")
    return at
