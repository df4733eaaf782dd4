"""The kiosk's session in a real browser: no token in the page, and a session ended elsewhere ends the tablet's
live meeting at once (its socket is closed with 4401 and the tablet goes back to the login)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_browser import (  # noqa: F401  (browser, data_dir, demo_server are fixtures)
    browser,
    data_dir,
    demo_server,
    open_meeting_on_tablet,
)
from tests.support.api import Api
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_a_logout_elsewhere_sends_the_tablet_to_the_login(browser: Browser, demo_server: ServerProcess) -> None:  # noqa: F811
    tablet = open_meeting_on_tablet(browser, demo_server, "daibieu1", "daibieu-demo-1")
    cookie = next(c for c in tablet.context.cookies() if c["name"] == "icabinet_token")
    assert cookie["httpOnly"] and cookie["value"] not in tablet.evaluate("JSON.stringify(localStorage)")
    # the session ends through another client (an administrator's console, say): the open socket is closed
    session = Api(demo_server.url, cookie["value"])
    session.ok("POST", "/api/auth/logout")
    session.close()
    expect(tablet.get_by_test_id("login-username")).to_be_visible()
    tablet.context.close()
