"""Pictures of the console's recordings panel at 1280x800: one recording transcribed and one on its way, and
the transcript of the first opened from it.

Run by hand after a change to how the panel looks (not by ``make test``)::

    python -m tests.support.recording_screenshots   # writes docs/screenshots/console-recordings*.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.support import room, speech
from tests.support.screenshots import CHROMIUM, CHROMIUM_ARGS, OUT, demo_server, shoot

SIZE = (1280, 800)
TIMEOUT_MS = 120_000


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_server() as server, tempfile.TemporaryDirectory() as folder:
        scene = room.start_meeting(server.url)
        secretary, base = scene.secretary, f"/api/meetings/{room.DEMO_MEETING}/recordings"
        short = speech.conversation(Path(folder), speech.SENTENCES[:3], name="to-trinh-phi-gui-xe.wav")
        long = speech.conversation(Path(folder), speech.SENTENCES * 6, name="phien-hop-buoi-sang.wav")
        item = scene.item_ids[room.PARKING]
        done = secretary.ok(
            "POST",
            base,
            data={"agenda_item_id": str(item)},
            files={"file": (short.path.name, short.path.read_bytes(), "audio/wav")},
        )
        speech.wait_transcribed(secretary, room.DEMO_MEETING, done["id"])
        secretary.ok("POST", base, files={"file": (long.path.name, long.path.read_bytes(), "audio/wav")})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": SIZE[0], "height": SIZE[1]}, locale="vi-VN").new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{server.url}/console")
            page.get_by_test_id("login-username").fill("thuky")
            page.get_by_test_id("login-password").fill(room.PASSWORDS["thuky"])
            page.get_by_test_id("login-submit").click()
            page.get_by_test_id(f"meeting-{room.DEMO_MEETING}").click()
            panel = page.get_by_test_id("console-recordings")
            expect(panel.locator("li.recording-row")).to_have_count(2)
            # the long one once it has told how far it got (every few seconds)
            progress = panel.locator("li.recording-row").nth(1)
            expect(progress).to_contain_text("/", timeout=TIMEOUT_MS)
            expect(progress).not_to_contain_text("00:00:00 /", timeout=TIMEOUT_MS)
            # the card's top just below the console's sticky bar
            page.evaluate(
                "window.scrollTo(0, document.querySelector('[data-testid=console-recordings]')"
                ".getBoundingClientRect().top + window.scrollY - 80)"
            )
            shoot(page, "console-recordings")
            panel.locator("li.recording-row").first.locator("button").click()
            expect(page.get_by_test_id("transcript-turns")).to_be_visible()
            shoot(page, "console-recordings-transcript")
            browser.close()
        secretary.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
