"""Pictures of the tablet's assistant at 1024x768 and 1280x800: an answer from a transcript with its span
of turns, the transcript opened at that span, an answer from a conclusion and its task, a question the
materials do not answer, and a search narrowed to transcripts and conclusions.

Run by hand after a change to how the assistant looks (not by ``make test``)::

    python -m tests.support.assistant_screenshots   # writes docs/screenshots/tablet-assistant-*.png
"""

from __future__ import annotations

import sys
import time

from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support import assistant_scene
from tests.support.api import Api
from tests.support.screenshots import CHROMIUM, CHROMIUM_ARGS, OUT, demo_server, shoot
from tests.support.server import ServerProcess

SIZES = [(1024, 768), (1280, 800)]
MEETING = 1  # the demo meeting
TIMEOUT_MS = 30_000
CONCLUSION_QUESTION = "Kết luận về camera giám sát giao thông là gì?"


def wait_searchable(api: Api) -> None:
    deadline = time.monotonic() + 120
    while not all(d["searchable"] for d in api.ok("GET", f"/api/meetings/{MEETING}/documents")):
        if time.monotonic() > deadline:
            raise RuntimeError("the demo documents are not searchable")
        time.sleep(0.5)


def add_conclusion(secretary: Api) -> None:
    item = secretary.ok("GET", f"/api/meetings/{MEETING}/agenda")[-1]["id"]
    text = "Thống nhất lắp đặt camera giám sát giao thông tại 120 nút giao, ưu tiên các nút gần trường học"
    secretary.ok("PUT", f"/api/meetings/{MEETING}/agenda/{item}/conclusion", json={"text": text})
    task = {"title": "Lập dự án lắp đặt camera giám sát giao thông", "assigned_unit": "Sở Giao thông vận tải"}
    secretary.ok(
        "POST", f"/api/meetings/{MEETING}/tasks", json={**task, "agenda_item_id": item, "deadline": "2027-03-31"}
    )


def tablet(browser: Browser, server: ServerProcess, size: tuple[int, int]) -> Page:
    page = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="vi-VN").new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server.url}/")
    page.get_by_test_id("login-username").fill("daibieu1")
    page.get_by_test_id("login-password").fill("daibieu-demo-1")
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id(f"meeting-{MEETING}").click()
    return page


def ask(page: Page, question: str) -> None:
    page.get_by_test_id("assistant-input").fill(question)
    page.get_by_test_id("assistant-input").press("Enter")
    expect(page.get_by_test_id("assistant-busy")).to_have_count(0)
    expect(page.get_by_test_id("assistant-question")).to_contain_text(question)
    page.wait_for_timeout(800)  # the smooth scroll to the panel


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_server() as server:
        secretary = Api.login(server.url, "thuky", "thuky-demo-1")
        wait_searchable(secretary)
        add_conclusion(secretary)
        assistant_scene.upload_transcript(secretary, MEETING)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for width, height in SIZES:
                page = tablet(browser, server, (width, height))
                ask(page, assistant_scene.QUESTION)
                shoot(page, f"tablet-assistant-transcript-{width}x{height}")
                page.locator("[data-testid=assistant-citation][data-kind=transcript]").first.click()
                expect(page.get_by_test_id("transcript-dialog")).to_be_visible()
                page.wait_for_timeout(300)
                shoot(page, f"tablet-assistant-transcript-open-{width}x{height}")
                page.get_by_test_id("transcript-close").click()
                ask(page, CONCLUSION_QUESTION)
                shoot(page, f"tablet-assistant-conclusion-{width}x{height}")
                page.get_by_test_id("assistant-citations").scroll_into_view_if_needed()
                page.get_by_test_id("assistant-citations").evaluate("(el) => el.scrollIntoView({block: 'start'})")
                shoot(page, f"tablet-assistant-conclusion-sources-{width}x{height}")
                ask(page, assistant_scene.DECLINED)
                shoot(page, f"tablet-assistant-declined-{width}x{height}")
                page.get_by_test_id("assistant-mode-search").click()
                page.get_by_test_id("search-kind-transcript").click()
                page.get_by_test_id("search-kind-conclusion").click()
                page.get_by_test_id("assistant-input").fill("camera giám sát giao thông")
                page.get_by_test_id("assistant-input").press("Enter")
                expect(page.get_by_test_id("search-hits")).to_be_visible()
                page.wait_for_timeout(800)  # the smooth scroll to the hits
                shoot(page, f"tablet-assistant-search-{width}x{height}")
                page.context.close()
            browser.close()
        secretary.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
