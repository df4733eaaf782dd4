"""The pages under their Content-Security-Policy in a real browser: the kiosk works with nothing refused, and
the API page runs Swagger UI from the server itself, with no request to any other site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from tests.e2e.test_browser import (  # noqa: F401  (browser, data_dir and demo_server are fixtures)
    DEMO_MEETING,
    browser,
    data_dir,
    demo_server,
    new_page,
    open_meeting_on_tablet,
)
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


# Swagger UI is 1.7 MB of script to load and run: on 2 shared cores that takes longer than a kiosk page
SWAGGER_TIMEOUT_MS = 30_000
# Chromium's console text for a CSP refusal ("Refused to load/execute/apply ...")
REFUSED = "Refused to"


def watch(page: Page, origin: str) -> tuple[list[str], list[str]]:
    """Collect what the page's policy refused, and every request to another origin (aborted: an offline network)."""
    refused: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if REFUSED in message.text else None)

    def route(request_route, request: Request) -> None:  # type: ignore[no-untyped-def]
        target = urlsplit(request.url)
        if f"{target.scheme}://{target.netloc}" != origin and target.scheme in ("http", "https"):
            foreign.append(request.url)
            request_route.abort()
        else:
            request_route.continue_()

    page.route("**/*", route)
    return refused, foreign


def test_the_kiosk_pages_run_under_their_policy(browser: Browser, demo_server: ServerProcess) -> None:  # noqa: F811
    response = new_page(browser).goto(f"{demo_server.url}/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    tablet = open_meeting_on_tablet(browser, demo_server, "daibieu1", "daibieu-demo-1")
    refused, foreign = watch(tablet, demo_server.url)
    tablet.reload()
    expect(tablet.get_by_test_id("meeting-title")).to_contain_text("Phiên họp thường kỳ")
    for path in ("/console", f"/projector/{DEMO_MEETING}"):
        page = new_page(browser)
        page_refused, page_foreign = watch(page, demo_server.url)
        page.goto(f"{demo_server.url}{path}")
        page.wait_for_load_state("networkidle")
        refused += page_refused
        foreign += page_foreign
    assert refused == [] and foreign == []


def test_the_api_page_loads_swagger_from_the_server(browser: Browser, demo_server: ServerProcess) -> None:  # noqa: F811
    page = new_page(browser)
    page.set_default_timeout(SWAGGER_TIMEOUT_MS)
    refused, foreign = watch(page, demo_server.url)
    response = page.goto(f"{demo_server.url}/schema/swagger")
    assert response is not None and "content-security-policy" in response.headers
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("i-Cabinet")
    expect(page.locator(".opblock-summary-path").filter(has_text="/api/auth/login").first).to_be_visible()
    assert refused == [] and foreign == []
