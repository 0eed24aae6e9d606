"""Sign-in through an organisation's identity provider, in a real browser: Streamlit's built-in
OIDC (st.login) against an OpenID provider on loopback (oidc-provider-mock), the role taken from
the users file, everything else a viewer."""

from __future__ import annotations

import secrets

import pytest

from tests.e2e.conftest import ARTIFACTS, serve_app
from workbench.access import add_user
from workbench.pipeline import analyze
from workbench.store import MemoryStore
from workbench.store.local_neo4j import free_port


@pytest.fixture(scope="module")
def oidc_app(marketplace, tmp_path_factory):
    import oidc_provider_mock

    root = tmp_path_factory.mktemp("oidc")
    store = root / "store"
    with MemoryStore(store) as graph_store:
        analyze(marketplace, root / "out", graph_store)
    users = root / "users.json"
    add_user("li.wei@psb.example", None, "investigator", users)
    port = free_port()
    with oidc_provider_mock.run_server_in_thread() as provider:
        issuer = f"http://127.0.0.1:{provider.server_port}"
        (root / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(16)}"\n'
            'client_id = "workbench"\n'
            'client_secret = "not-a-secret"\n'
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        )
        env = {"WORKBENCH_STORE": str(store), "WORKBENCH_USERS": str(users), "WORKBENCH_AUTH": "oidc"}
        with serve_app(env, "--secrets.files", str(root / "secrets.toml"), port=port) as url:
            yield url, store


def _sign_in(browser, url: str, who: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url, wait_until="networkidle")
    page.get_by_role("button", name="Sign in with your organisation's account").click()
    page.locator("input[name='sub']").fill(who)  # the provider's own form
    page.get_by_role("button", name="Authorize").click()
    page.get_by_text("Signed in:").wait_for(timeout=60000)
    return page


def test_oidc_sign_in_gives_the_role_of_the_users_file(oidc_app, browser):
    url, store = oidc_app
    page = browser.new_page()
    page.goto(url, wait_until="networkidle")
    page.get_by_role("button", name="Sign in with your organisation's account").wait_for(timeout=60000)
    assert (
        page.get_by_text("The queue: flagged and over the referral threshold").count() == 0
    )  # nothing before sign-in
    page.close()

    page = _sign_in(browser, url, "li.wei@psb.example")
    page.get_by_text("li.wei@psb.example").first.wait_for(timeout=30000)
    assert "(investigator)" in page.locator("[data-testid='stSidebar']").inner_text()
    page.get_by_text("The queue: flagged and over the referral threshold").wait_for(timeout=60000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "oidc_signed_in.png"))
    page.close()

    stranger = _sign_in(browser, url, "someone@elsewhere.example")
    assert "(viewer)" in stranger.locator("[data-testid='stSidebar']").inner_text()
    stranger.close()
    log = MemoryStore(store).audit_log()
    signed = log[log["action"] == "signed_in"]
    assert {("li.wei@psb.example", "investigator"), ("someone@elsewhere.example", "viewer")} <= set(
        zip(signed["actor"], signed["role"], strict=True)
    )
