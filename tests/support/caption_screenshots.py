"""Pictures of live captions with the red recording dot: a delegate's tablet at 1024x768, and the room screen
at 1920x1080 and 1280x720 (its item view, and a presented page when the demo has documents).

Run by hand after a change to how captions look (not by ``make test``)::

    python -m tests.support.caption_screenshots   # writes docs/screenshots/captions-*.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.support import room, speech
from tests.support.screenshots import CHROMIUM, CHROMIUM_ARGS, OUT, demo_server, shoot

TABLET = (1024, 768)
ROOM_SIZES = [(1920, 1080), (1280, 720)]
TIMEOUT_MS = 120_000


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_server() as server, tempfile.TemporaryDirectory() as folder:
        scene = room.start_meeting(server.url)
        room.add_speaker(scene, server.url)
        spoken = speech.conversation(Path(folder), speech.SENTENCES[:3], name="phong-hop.wav")
        base = f"/api/meetings/{room.DEMO_MEETING}/recordings"
        live = scene.secretary.ok("POST", f"{base}/live", json={})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": TABLET[0], "height": TABLET[1]}, locale="vi-VN").new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{server.url}/")
            page.get_by_test_id("login-username").fill("daibieu1")
            page.get_by_test_id("login-password").fill(room.PASSWORDS["daibieu1"])
            page.get_by_test_id("login-submit").click()
            page.get_by_test_id(f"meeting-{room.DEMO_MEETING}").click()
            page.get_by_test_id("captions-toggle").click()
            screens = []
            for width, height in ROOM_SIZES:
                screen = room.open_projector(browser, server.url, (width, height), TIMEOUT_MS)
                screen.goto(f"{server.url}/projector/{room.DEMO_MEETING}?captions=1")
                screens.append((screen, f"{width}x{height}"))
            samples = speech.pcm16k(spoken.path) + bytes(2 * 32_000)
            headers = {"Content-Type": "application/octet-stream"}
            for start in range(0, len(samples), 32_000):
                chunk = samples[start : start + 32_000]
                scene.secretary.ok("POST", f"{base}/{live['id']}/audio", content=chunk, headers=headers)
            expect(page.get_by_test_id("caption-line").last).to_contain_text("teachers")
            shoot(page, "captions-tablet-1024x768")
            for screen, size in screens:
                expect(screen.get_by_test_id("caption-line").last).to_contain_text("teachers")
                shoot(screen, f"captions-room-{size}")
            documents = scene.secretary.ok("GET", f"/api/meetings/{room.DEMO_MEETING}/documents")
            ready = [d for d in documents if d["status"] == "ready"]
            if ready:
                body = {"document_id": ready[0]["id"], "page": 1}
                scene.secretary.ok("POST", f"/api/meetings/{room.DEMO_MEETING}/present", json=body)
                for screen, size in screens:
                    expect(screen.get_by_test_id("projector-page-image")).to_be_visible()
                    shoot(screen, f"captions-room-presenting-{size}", settle_ms=1500)
            browser.close()
        scene.secretary.ok("POST", f"{base}/{live['id']}/stop")
        scene.secretary.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
