"""Recordings in a real browser: the secretary uploads one through the console for an item, watches it go from
queued to done live, and reads the words that were spoken; a file that is not audio is refused on the form."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_browser import (  # noqa: F401  (browser, data_dir, demo_server are fixtures)
    DEMO_MEETING,
    REPORT,
    browser,
    data_dir,
    demo_server,
    item_ids,
    log_in,
    new_page,
)
from tests.support import speech
from tests.support.api import Api
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TRANSCRIBED_TIMEOUT_MS = 120_000  # the speech model loads on the first recording


def test_the_console_uploads_a_recording_and_shows_its_words(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
    tmp_path: Path,
) -> None:
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    report = item_ids(secretary)[REPORT]
    secretary.close()
    spoken = speech.conversation(tmp_path, speech.SENTENCES[:2], name="bao-cao.wav")
    not_audio = tmp_path / "ghi-chu.wav"
    not_audio.write_text("Chủ tọa: khai mạc cuộc họp.\n" * 10)

    console = new_page(browser)
    log_in(console, f"{demo_server.url}/console", "thuky", "thuky-demo-1")
    console.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    panel = console.get_by_test_id("console-recordings")
    expect(panel.get_by_test_id("recording-english-only")).to_contain_text("chỉ hiểu tiếng Anh")

    console.get_by_test_id("recording-file").set_input_files(str(not_audio))
    console.get_by_test_id("recording-upload").click()
    expect(console.get_by_text("không phải bản ghi âm").first).to_be_visible()
    expect(panel.get_by_test_id("console-recordings-list").locator("li.recording-row")).to_have_count(0)

    console.get_by_test_id("recording-file").set_input_files(str(spoken.path))
    console.get_by_test_id("recording-item").select_option(str(report))
    console.get_by_test_id("recording-upload").click()
    row = panel.locator("li.recording-row").first
    expect(row).to_contain_text("bao-cao.wav")
    expect(row).to_have_attribute("data-status", "done", timeout=TRANSCRIBED_TIMEOUT_MS)
    expect(row).to_contain_text("Đã xong")
    row.locator("button").click()
    turns = console.get_by_test_id("transcript-turns")
    expect(turns).to_contain_text("budget for public parks")
    expect(turns).to_contain_text("bridge")
