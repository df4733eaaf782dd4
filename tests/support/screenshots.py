"""Pictures of the product for the README: the room screen at 1280x720, 1366x768 and 1920x1080 with a speaker
and with a vote, and a delegate's tablet during the vote: reading a document when the vote opens (its
announcement over the viewer), then on the vote it leads to.

Run by hand after a change to how the kiosk looks (not by ``make test``)::

    python -m tests.support.screenshots          # writes docs/screenshots/*.png

It starts its own server on the demo data (with the demo documents) in a temporary directory.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support import room
from tests.support.server import REPO, ServerProcess, run_cli

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
OUT = REPO / "docs" / "screenshots"
ROOM_SIZES = [(1280, 720), (1366, 768), (1920, 1080)]
TABLET = (1280, 800)
TIMEOUT_MS = 30_000


def tablet(browser: Browser, server: ServerProcess, username: str) -> Page:
    page = browser.new_context(viewport={"width": TABLET[0], "height": TABLET[1]}, locale="vi-VN").new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server.url}/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(room.PASSWORDS[username])
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id(f"meeting-{room.DEMO_MEETING}").click()
    return page


def wait_documents_ready(scene: room.Scene) -> list[dict[str, object]]:
    deadline = time.monotonic() + 120
    while True:
        documents: list[dict[str, object]] = scene.secretary.ok("GET", f"/api/meetings/{room.DEMO_MEETING}/documents")
        if documents and all(d["status"] == "ready" for d in documents):
            return documents
        if time.monotonic() > deadline:
            raise RuntimeError(f"the demo documents are not ready: {documents}")
        time.sleep(0.5)


def shoot(page: Page, name: str, settle_ms: int = 600) -> None:
    """``docs/screenshots/<name>.png`` of the page once its transitions (the vote bars' width: 600 ms) end."""
    page.wait_for_timeout(settle_ms)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    print(path.relative_to(REPO))


@contextmanager
def demo_server() -> Iterator[ServerProcess]:
    """A server on a fresh data directory holding the demo meeting (``icabinet demo``), stopped on leaving;
    a failed demo load ends the script with its error (exit code 1)."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        result = run_cli(data, "demo")
        if result.returncode != 0:
            raise SystemExit(result.stderr)
        server = ServerProcess(data).start(timeout=180)
        try:
            yield server
        finally:
            server.stop()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_server() as server:
        scene = room.start_meeting(server.url)
        documents = wait_documents_ready(scene)
        room.add_speaker(scene, server.url)
        assert scene.secretary.token
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            screens = {size: room.open_projector(browser, server.url, size, TIMEOUT_MS) for size in ROOM_SIZES}
            for (width, height), page in screens.items():
                expect(page.get_by_test_id("projector-body")).to_have_attribute("data-focus", "speaker")
                shoot(page, f"room-speaker-{width}x{height}")
            delegate = tablet(browser, server, "daibieu3")
            delegate.get_by_test_id(f"doc-{documents[0]['id']}").first.click()
            expect(delegate.get_by_test_id("viewer-page-image")).to_have_attribute("data-page", "1")
            room.open_vote(scene, server.url)
            for (width, height), page in screens.items():
                expect(page.get_by_test_id(f"poll-voters-{scene.poll_id}")).to_have_attribute("data-voters", "2")
                shoot(page, f"room-vote-{width}x{height}")
            expect(delegate.get_by_test_id("announce-vote")).to_be_visible()  # over the viewer
            shoot(delegate, "tablet-vote-viewer")
            delegate.get_by_test_id("announce-go-vote").click()
            expect(delegate.get_by_test_id(f"poll-chart-{scene.poll_id}").first).to_be_visible()
            shoot(delegate, "tablet-vote")
            browser.close()
        scene.secretary.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
