"""Single sign-on in a real browser against a real OpenID provider (npm's oidc-provider on Node.js): the login
page's button leads to the provider's login form, and back in the product the person has the name from the ID
token and the role their group maps to; a sign-in cancelled at the provider is explained on the login page; an
administrator required to use a second factor enrols one after the provider's sign-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_browser import NAVIGATION_TIMEOUT_MS, VIEWPORT, browser, new_page  # noqa: F401  (browser is a fixture)
from tests.support.oidc_provider import OpenIdProvider, provider_available, running_provider
from tests.support.page_checks import axe_violations
from tests.support.server import ServerProcess, free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.skipif(not provider_available(), reason="Node.js or oidc-provider missing (make node-deps)"),
]


@pytest.fixture
def server_port() -> int:
    return free_port()


@pytest.fixture
def provider(tmp_path: Path, server_port: int) -> Iterator[OpenIdProvider]:
    callback = f"http://127.0.0.1:{server_port}/api/auth/oidc/callback"
    with running_provider(tmp_path / "oidc", [callback]) as running:
        yield running


def new_sso_page(chromium: Browser) -> Page:
    """A fresh browser context whose steps may each wait for a round trip through the provider and back (the
    server exchanging the code with it), on a loaded machine."""
    page = new_page(chromium)
    page.set_default_timeout(NAVIGATION_TIMEOUT_MS)
    return page


def sign_in_at_provider(page: Page, username: str) -> None:
    """The provider's own login form (its development one takes any password for a known person)."""
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill("mat-khau-o-nha-cung-cap")
    page.locator("button[type=submit]").click()


def test_a_person_signs_in_through_the_provider_with_the_role_of_their_group(
    browser: Browser,  # noqa: F811
    provider: OpenIdProvider,
    server_port: int,
    tmp_path: Path,
) -> None:
    server = ServerProcess(tmp_path / "data", port=server_port, **provider.env()).start()
    try:
        page = new_sso_page(browser)
        page.goto(f"{server.url}/console")
        button = page.get_by_test_id("login-sso")
        expect(button).to_have_text("Đăng nhập bằng Keycloak Thành phố")
        expect(button).to_have_attribute("href", "/api/auth/oidc/start?next=%2Fconsole")
        button.click()
        page.wait_for_url(f"{provider.issuer}/**")
        sign_in_at_provider(page, "an.nguyen")
        user_name = page.get_by_test_id("user-name")
        expect(user_name).to_have_text("Nguyễn Văn An")
        expect(user_name).to_have_attribute("data-role", "admin")  # the group /icabinet-admins
        assert page.url == f"{server.url}/console", "the page's address keeps no sign-in leftovers"
        page.reload()  # the session is the usual HttpOnly cookie: a reload stays signed in
        expect(page.get_by_test_id("user-name")).to_have_attribute("data-role", "admin")
        page.context.close()

        # the login page with its button, for axe-core (injected: a context that lets the test's script in)
        checked = browser.new_context(viewport=VIEWPORT, locale="vi-VN", bypass_csp=True).new_page()
        checked.goto(f"{server.url}/console")
        expect(checked.get_by_test_id("login-sso")).to_be_visible()
        assert axe_violations(checked) == []
        checked.context.close()

        tablet = new_sso_page(browser)  # the delegate's tablet, in English
        tablet.goto(f"{server.url}/")
        tablet.get_by_test_id("lang-switch").click()
        expect(tablet.get_by_test_id("login-sso")).to_have_text("Sign in with Keycloak Thành phố")
        tablet.get_by_test_id("login-sso").click()
        tablet.get_by_role("link", name="[ Cancel ]").click()  # changed their mind at the provider
        expect(tablet.get_by_test_id("login-error")).to_contain_text("cancelled")
        expect(tablet.get_by_test_id("user-name")).to_have_count(0)

        tablet.get_by_test_id("login-sso").click()
        sign_in_at_provider(tablet, "chi.le")
        expect(tablet.get_by_test_id("user-name")).to_have_text("Lê Minh Chi")  # a member: no mapped group
        tablet.context.close()
        assert provider.client_secret not in server.log_path.read_text()
    finally:
        server.stop()


def test_an_administrator_enrols_a_second_factor_after_the_providers_sign_in(
    browser: Browser,  # noqa: F811
    provider: OpenIdProvider,
    server_port: int,
    tmp_path: Path,
) -> None:
    server = ServerProcess(tmp_path / "data", port=server_port, require_2fa="true", **provider.env()).start()
    try:
        page = new_sso_page(browser)
        page.goto(f"{server.url}/console")
        page.get_by_test_id("login-sso").click()
        sign_in_at_provider(page, "an.nguyen")
        expect(page.get_by_test_id("enrol-qr").locator("svg")).to_be_visible()
        expect(page.get_by_test_id("user-name")).to_have_count(0)
        page.context.close()
    finally:
        server.stop()


def test_without_single_sign_on_the_login_page_has_no_button(
    browser: Browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    server = ServerProcess(tmp_path / "data").start()
    try:
        page = new_page(browser)
        page.goto(f"{server.url}/")
        expect(page.get_by_test_id("login-submit")).to_be_visible()
        page.wait_for_load_state("networkidle")
        expect(page.get_by_test_id("login-sso")).to_have_count(0)
        page.context.close()
    finally:
        server.stop()
