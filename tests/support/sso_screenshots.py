"""Pictures of the tablet's login page with the single sign-on button at 1024x768 and 1280x800, in Vietnamese,
and the same page telling of a sign-in cancelled at the provider.

Run by hand after a change to how the login page looks (not by ``make test``)::

    python -m tests.support.sso_screenshots   # writes docs/screenshots/login-sso*.png

It starts its own server, pointed at a real oidc-provider (Node.js), in a temporary directory.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.support.oidc_provider import running_provider
from tests.support.screenshots import CHROMIUM, CHROMIUM_ARGS, OUT, shoot
from tests.support.server import ServerProcess, free_port

SIZES = [(1024, 768), (1280, 800)]
TIMEOUT_MS = 60_000


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        callback = f"http://127.0.0.1:{port}/api/auth/oidc/callback"
        with running_provider(Path(folder) / "oidc", [callback]) as provider:
            server = ServerProcess(Path(folder) / "data", port=port, **provider.env()).start()
            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    for width, height in SIZES:
                        page = browser.new_context(
                            viewport={"width": width, "height": height}, locale="vi-VN"
                        ).new_page()
                        page.set_default_timeout(TIMEOUT_MS)
                        page.goto(f"{server.url}/")
                        expect(page.get_by_test_id("login-sso")).to_be_visible()
                        shoot(page, f"login-sso-{width}x{height}", settle_ms=300)
                        page.context.close()
                    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN").new_page()
                    page.set_default_timeout(TIMEOUT_MS)
                    page.goto(f"{server.url}/")
                    page.get_by_test_id("login-sso").click()
                    page.get_by_role("link", name="[ Cancel ]").click()
                    expect(page.get_by_test_id("login-error")).to_be_visible()
                    shoot(page, "login-sso-cancelled-1280x800", settle_ms=300)
                    browser.close()
            finally:
                server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
