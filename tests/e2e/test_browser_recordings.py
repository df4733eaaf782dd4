"""Recordings in a real browser: the secretary uploads one through the console for an item, watches it go from
queued to done live, and reads the words that were spoken; a file that is not audio is refused on the form;
the console records the room's (fake) microphone while the floor and the agenda move."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_browser import (  # noqa: F401  (browser, data_dir, demo_server are fixtures)
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_MEETING,
    DIGITAL,
    PARKING,
    REPORT,
    browser,
    data_dir,
    demo_server,
    item_ids,
    log_in,
    new_page,
)
from tests.support import page_checks, room, speech
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
    expect(panel.get_by_test_id("recording-english-only")).to_contain_text("ICABINET_ASR_BASE_URL")

    # the transcript form beside it (the same upload helper): a text transcript filed under the report
    transcript = tmp_path / "bien-ban-ghi.txt"
    transcript.write_text("Chủ tọa: Khai mạc cuộc họp.\nThư ký: Đủ số lượng đại biểu.\n", encoding="utf-8")
    console.get_by_test_id("transcript-file").set_input_files(str(transcript))
    console.get_by_test_id("transcript-item").select_option(str(report))
    console.get_by_test_id("transcript-upload").click()
    expect(console.get_by_test_id("console-transcripts-list")).to_contain_text("bien-ban-ghi.txt")

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

    # the secretary corrects what the recogniser heard; the original stays readable under "Các bản trước"
    first = console.get_by_test_id("transcript-turn-0")
    heard = first.locator(".transcript-text").inner_text()
    console.get_by_test_id("turn-edit-0").click()
    console.get_by_test_id("turn-text-0").fill("Đề nghị tăng ngân sách cho công viên công cộng.")
    console.get_by_test_id("turn-save-0").click()
    expect(first.locator(".transcript-text")).to_have_text("Đề nghị tăng ngân sách cho công viên công cộng.")
    expect(console.get_by_test_id("turn-edited-0")).to_have_text("Đã sửa 1 lần")
    console.get_by_test_id("turn-show-history-0").click()
    expect(console.get_by_test_id("turn-history-0")).to_contain_text(
        f"Bản gốc ({first.locator('.transcript-speaker').inner_text()}) {heard}"
    )

    # each recorded turn plays its own sound in place
    console.get_by_test_id("turn-listen-1").click()
    player = console.get_by_test_id("turn-player-1")
    expect(player).to_be_visible()
    assert (player.get_attribute("src") or "").startswith("blob:")  # fetched with the session, no token in a URL


def wait_captured(secretary: Api, recording_id: int, duration_ms: int) -> None:
    """Until the server holds ``duration_ms`` of the microphone's sound (the fake device plays in real time)."""
    path = f"/api/meetings/{DEMO_MEETING}/recordings/{recording_id}"
    for _ in range(3000):
        if secretary.ok("GET", path)["duration_ms"] >= duration_ms:
            return
        time.sleep(0.05)
    raise AssertionError(f"the console did not send {duration_ms} ms of sound")


def test_the_console_records_the_room_while_the_floor_and_the_agenda_move(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Chromium's fake microphone plays two sentences; between them the agenda moves on and the floor passes
    from daibieu1 to daibieu2. Each one's words come back under their name and the item of their moment."""
    spoken = speech.conversation(tmp_path, speech.SENTENCES[:2], pause_ms=6000, name="phong-hop.wav")
    (first, _, end_first), (second, start_second, end_second) = spoken.sentences
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    scene = room.start_meeting(demo_server.url)  # the parking fee item is current
    items = item_ids(secretary)
    speech_one = room.ask_for_floor(demo_server.url, "daibieu1")
    secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/speakers/{speech_one['id']}/start")
    names = {p["username"]: p["full_name"] for p in secretary.ok("GET", f"/api/meetings/{DEMO_MEETING}/participants")}

    args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
    args.append(f"--use-file-for-fake-audio-capture={spoken.path}%noloop")
    # a Chromium of its own, whose microphone plays the WAV file (the suite's browser has none)
    with contextlib.closing(browser.browser_type.launch(executable_path=CHROMIUM, args=args)) as mic_browser:
        console = new_page(mic_browser)
        log_in(console, f"{demo_server.url}/console", "thuky", "thuky-demo-1")
        console.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
        delegate = new_page(mic_browser)
        log_in(delegate, f"{demo_server.url}/", "daibieu3", "daibieu-demo-3")
        delegate.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
        expect(delegate.get_by_test_id("meeting-status")).to_be_visible()
        expect(delegate.get_by_test_id("recording-on")).to_have_count(0)
        console.get_by_test_id("recording-live-start").click()
        expect(console.get_by_test_id("recording-live-stop")).to_be_visible()
        expect(delegate.get_by_test_id("recording-on")).to_be_visible()  # the red dot, live
        row = console.locator("li.recording-row").first
        expect(row).to_have_attribute("data-status", "capturing")
        recording_id = int((row.get_attribute("data-testid") or "").rsplit("-", 1)[1])

        wait_captured(secretary, recording_id, end_first + 1500)  # in the pause between the sentences
        secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/agenda/{items[DIGITAL]}/current")
        speech_two = room.ask_for_floor(demo_server.url, "daibieu2")
        secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/speakers/{speech_two['id']}/start")
        wait_captured(secretary, recording_id, end_second + 2000)
        console.get_by_test_id("recording-live-stop").click()
        expect(console.get_by_test_id("recording-live-start")).to_be_visible()
        expect(delegate.get_by_test_id("recording-on")).to_have_count(0)
        expect(row).to_have_attribute("data-status", "done", timeout=TRANSCRIBED_TIMEOUT_MS)
    scene.secretary.close()

    recording = secretary.ok("GET", f"/api/meetings/{DEMO_MEETING}/recordings/{recording_id}")
    transcript = secretary.ok("GET", f"/api/meetings/{DEMO_MEETING}/transcripts/{recording['transcript_id']}")
    secretary.close()
    heard: dict[tuple[str, int], list[str]] = {}
    for turn in transcript["turns"]:
        heard.setdefault((turn["speaker"], turn["agenda_item_id"]), []).append(turn["text"])
    assert set(heard) == {(names["daibieu1"], items[PARKING]), (names["daibieu2"], items[DIGITAL])}, heard
    assert speech.word_error_rate(first, " ".join(heard[(names["daibieu1"], items[PARKING])])) <= 0.2
    assert speech.word_error_rate(second, " ".join(heard[(names["daibieu2"], items[DIGITAL])])) <= 0.2


def test_tablets_and_the_room_screen_show_live_captions(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
    tmp_path: Path,
) -> None:
    """While the room is recorded the tablet whose reader turned captions on, and the room screen set to show
    them, show the last two lines of what was said, in a polite live region; a guest's tablet has no toggle."""
    spoken = speech.conversation(tmp_path, speech.SENTENCES[:3], name="phong-hop.wav")
    scene = room.start_meeting(demo_server.url)
    delegate = new_page(browser)
    log_in(delegate, f"{demo_server.url}/", "daibieu1", "daibieu-demo-1")
    delegate.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    toggle = delegate.get_by_test_id("captions-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")  # off by default on a tablet
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    guest = new_page(browser)
    log_in(guest, f"{demo_server.url}/", "khach", "khach-demo-1")
    guest.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    expect(guest.get_by_test_id("meeting-status")).to_be_visible()
    screen = room.open_projector(browser, demo_server.url, (1920, 1080), TRANSCRIBED_TIMEOUT_MS)
    screen.goto(f"{demo_server.url}/projector/{DEMO_MEETING}?captions=1")  # the screen set to show captions

    base = f"/api/meetings/{DEMO_MEETING}/recordings"
    live = scene.secretary.ok("POST", f"{base}/live", json={})
    expect(delegate.get_by_test_id("recording-on")).to_be_visible()
    strip = delegate.get_by_test_id("captions")
    expect(strip).to_be_visible()
    expect(strip.get_by_test_id("caption-lines")).to_have_attribute("aria-live", "polite")
    samples = speech.pcm16k(spoken.path) + bytes(2 * 32_000)
    headers = {"Content-Type": "application/octet-stream"}
    for start in range(0, len(samples), 32_000):
        chunk = samples[start : start + 32_000]
        scene.secretary.ok("POST", f"{base}/{live['id']}/audio", content=chunk, headers=headers)
    lines = strip.get_by_test_id("caption-line")
    expect(lines.last).to_contain_text("teachers", timeout=TRANSCRIBED_TIMEOUT_MS)
    expect(lines).to_have_count(2)  # the last two of the three sentences
    expect(lines.first).to_contain_text("bridge")
    room_lines = screen.get_by_test_id("captions").get_by_test_id("caption-line")
    expect(room_lines.last).to_contain_text("teachers")
    # readable: every caption text at least 4.5:1 against what is behind it, and large on the room screen
    for page, smallest in ((delegate, 18), (screen, 28)):
        measured = page_checks.texts(page, "[data-testid=captions]")
        assert measured, "no caption text measured"
        for text in measured:
            assert text["ratio"] >= 4.5 and text["size"] >= smallest, text
    expect(guest.get_by_test_id("captions-toggle")).to_have_count(0)
    expect(guest.get_by_test_id("caption-line")).to_have_count(0)
    scene.secretary.ok("POST", f"{base}/{live['id']}/stop")
    scene.secretary.close()
