"""The kiosk in a real browser: Debian Chromium driven by Playwright against a real server."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, WebSocket, expect, sync_playwright

from tests.support.api import Api
from tests.support.page_checks import wait_for_true
from tests.support.server import ServerProcess, run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 800}
DEMO_MEETING = 1
LIVE_TIMEOUT_MS = 5_000
# a killed server: the tablet retries with backoff up to 5 s, and the restart itself takes a moment
RECONNECT_TIMEOUT_MS = 15_000
# loading a page (some forty ES modules) is not what these tests time: a busy machine may take longer
NAVIGATION_TIMEOUT_MS = 30_000
# demo agenda titles (server/demo.py)
REPORT = "Báo cáo tình hình kinh tế - xã hội tháng 11 và nhiệm vụ tháng 12/2026"
BUDGET = "Kết quả thu ngân sách"  # its first sub-item: 2.1
PARKING = "Tờ trình về phí trông giữ xe trên địa bàn thành phố"
DIGITAL = "Tiến độ Đề án 06 về chuyển đổi số và dữ liệu dân cư"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian Chromium is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    result = run_cli(path, "demo", "--no-documents")
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def demo_server(data_dir: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(data_dir).start()
    try:
        yield process
    finally:
        process.stop()


def new_page(browser: Browser) -> Page:
    """A fresh browser context (its own localStorage and cookies), like a separate tablet."""
    page = browser.new_context(viewport=VIEWPORT, locale="vi-VN").new_page()
    page.set_default_timeout(LIVE_TIMEOUT_MS)
    page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return page


def log_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def open_meeting_on_tablet(browser: Browser, server: ServerProcess, username: str, password: str) -> Page:
    page = new_page(browser)
    log_in(page, f"{server.url}/", username, password)
    # the sign-in checks an argon2id hash, slow by design: on a busy machine the list came after 5 s
    page.get_by_test_id(f"meeting-{DEMO_MEETING}").click(timeout=NAVIGATION_TIMEOUT_MS)
    expect(page.get_by_test_id("meeting-title")).to_contain_text("Phiên họp thường kỳ")
    return page


def item_ids(api: Api) -> dict[str, int]:
    return {item["title"]: item["id"] for item in api.ok("GET", f"/api/meetings/{DEMO_MEETING}/agenda")}


def expect_current(page: Page, item_id: int, title: str, timeout: int = LIVE_TIMEOUT_MS) -> None:
    expect(page.get_by_test_id(f"agenda-item-{item_id}")).to_have_attribute("data-current", "true", timeout=timeout)
    expect(page.get_by_test_id("current-item-title")).to_have_text(title, timeout=timeout)


def test_secretary_runs_the_meeting_and_tablets_follow_live(browser: Browser, demo_server: ServerProcess) -> None:
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    ids = item_ids(secretary)
    report, budget = ids[REPORT], ids[BUDGET]
    tablets = [
        open_meeting_on_tablet(browser, demo_server, "daibieu1", "daibieu-demo-1"),
        open_meeting_on_tablet(browser, demo_server, "daibieu2", "daibieu-demo-2"),
    ]
    for tablet in tablets:
        expect(tablet.get_by_test_id("meeting-status")).to_have_attribute("data-status", "draft")

    console = new_page(browser)
    log_in(console, f"{demo_server.url}/console", "thuky", "thuky-demo-1")
    console.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    console.get_by_test_id("start-meeting").click()
    console.get_by_test_id(f"set-current-{report}").click()
    expect_current(console, report, REPORT)
    for tablet in tablets:
        expect(tablet.get_by_test_id("meeting-status")).to_have_attribute("data-status", "live")
        expect_current(tablet, report, REPORT)

    # the next item in reading order is the first sub-item, numbered 2.1
    console.get_by_test_id("next-item").click()
    for page in [console, *tablets]:
        expect_current(page, budget, BUDGET)
        expect(page.get_by_test_id(f"agenda-item-{report}")).to_have_attribute("data-current", "false")
        expect(page.get_by_test_id(f"agenda-item-{report}")).to_have_attribute("data-status", "done")
        expect(page.get_by_test_id("current-item-number")).to_have_text("2.1")

    # the room screen borrows the console's login on the same machine
    projector = console.context.new_page()
    projector.goto(f"{demo_server.url}/projector/{DEMO_MEETING}")
    expect(projector.get_by_test_id("current-item-title")).to_have_text(BUDGET)
    expect(projector.get_by_test_id("current-item-number")).to_have_text("2.1")
    expect(projector.get_by_test_id("next-item")).to_contain_text("Giải ngân vốn đầu tư công")

    # a delegate checks in; the secretary's participant list shows it live
    tablets[0].get_by_test_id("checkin").click()
    expect(tablets[0].get_by_test_id("checkin-state")).to_have_attribute("data-checked-in", "true")
    expect(console.locator("[data-username=daibieu1]")).to_have_class("participant attendance-present")
    expect(tablets[1].get_by_test_id("presence-count")).to_have_attribute("data-present", "1")

    for page in [console, *tablets]:
        expect(page.get_by_test_id("conn-banner")).to_be_hidden()
        page.context.close()
    secretary.close()


def test_the_tablet_takes_its_snapshot_compressed_and_shows_it(browser: Browser, demo_server: ServerProcess) -> None:
    """The kiosk asks for its snapshots as raw DEFLATE (the browser inflates them): the one binary frame it gets
    is what the page shows (that events stay text is tests/e2e/test_live.py's)."""
    page = new_page(browser)
    received: list[str | bytes] = []
    urls: list[str] = []

    def watch(socket: WebSocket) -> None:
        urls.append(socket.url)
        socket.on("framereceived", lambda payload: received.append(payload))

    page.on("websocket", watch)
    log_in(page, f"{demo_server.url}/", "daibieu1", "daibieu-demo-1")
    page.get_by_test_id(f"meeting-{DEMO_MEETING}").click(timeout=NAVIGATION_TIMEOUT_MS)
    expect(page.get_by_test_id("meeting-title")).to_contain_text("Phiên họp thường kỳ")
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    expect(page.get_by_test_id(f"agenda-item-{item_ids(secretary)[REPORT]}")).to_contain_text(REPORT)
    secretary.close()
    assert urls and all("compress=deflate-raw" in url for url in urls), urls
    snapshot = received[0]
    assert isinstance(snapshot, bytes), "the snapshot came as a binary frame"
    assert json.loads(zlib.decompress(snapshot, -zlib.MAX_WBITS))["type"] == "snapshot"
    page.context.close()


def test_tablet_reconnects_and_catches_up_after_a_server_restart(
    browser: Browser, demo_server: ServerProcess, data_dir: Path
) -> None:
    tablet = open_meeting_on_tablet(browser, demo_server, "daibieu1", "daibieu-demo-1")
    frames: list[str] = []
    sockets: list[str] = []

    def watch(socket: WebSocket) -> None:
        sockets.append(socket.url)
        socket.on("framereceived", lambda payload: frames.append(str(payload)))

    tablet.on("websocket", watch)
    banner = tablet.get_by_test_id("conn-banner")
    expect(banner).to_be_hidden()
    expect(tablet.get_by_test_id("meeting-status")).to_have_attribute("data-status", "draft")

    demo_server.kill()
    expect(banner).to_be_visible(timeout=RECONNECT_TIMEOUT_MS)
    expect(banner).to_contain_text("Đang kết nối lại")

    # while the tablet is away, the meeting moves on (through another process on the same data)
    elsewhere = ServerProcess(data_dir).start()
    try:
        secretary = Api.login(elsewhere.url, "thuky", "thuky-demo-1")
        ids = item_ids(secretary)
        secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/start")
        secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/agenda/{ids[PARKING]}/current")
        added = secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/agenda", json={"title": "Các vấn đề phát sinh"})
        secretary.close()
    finally:
        elsewhere.stop()
    expect(banner).to_be_visible()

    restarted = ServerProcess(data_dir, port=demo_server.port).start()
    try:
        expect(banner).to_be_hidden(timeout=RECONNECT_TIMEOUT_MS)
        expect(tablet.get_by_test_id("meeting-status")).to_have_attribute("data-status", "live")
        expect_current(tablet, ids[PARKING], PARKING)
        expect(tablet.get_by_test_id(f"agenda-item-{added['id']}")).to_contain_text("Các vấn đề phát sinh")
        # caught up by resuming from its last seq, not by starting over from a snapshot
        assert "since=0" in sockets[-1]
        assert any('"type":"resumed"' in frame for frame in frames)
        assert not any('"type":"snapshot"' in frame for frame in frames)
        tablet.context.close()
    finally:
        restarted.stop()


def assert_probe_matches(page: Page, snapshot: dict[str, Any]) -> None:
    wait_for_true(page, "seq => window.probe.seq >= seq", snapshot["seq"])
    live_state, expected = page.evaluate("window.probe.state"), snapshot["state"]
    assert live_state == expected


def test_live_state_after_every_kind_of_event_equals_a_fresh_snapshot(
    browser: Browser, demo_server: ServerProcess
) -> None:
    """The kiosk's reducer (kiosk/js/live.js) applies events exactly as the server changes its state."""
    console = new_page(browser)
    log_in(console, f"{demo_server.url}/console", "thuky", "thuky-demo-1")
    expect(console.get_by_test_id(f"meeting-{DEMO_MEETING}")).to_be_visible()
    console.evaluate(
        """async (meetingId) => {
            const { LiveMeeting } = await import("/static/js/live.js");
            window.probe = new LiveMeeting(meetingId).start();
        }""",
        DEMO_MEETING,
    )
    wait_for_true(console, "window.probe.status === 'open'")

    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    delegate = Api.login(demo_server.url, "daibieu3", "daibieu-demo-3")
    base = f"/api/meetings/{DEMO_MEETING}"
    ids = item_ids(secretary)
    secretary.ok("PATCH", base, json={"location": "Hội trường tầng 2", "version": 1})
    secretary.ok("POST", f"{base}/start")
    secretary.ok("POST", f"{base}/agenda/{ids[REPORT]}/current")
    secretary.ok("POST", f"{base}/agenda/{ids[BUDGET]}/current")
    added = secretary.ok("POST", f"{base}/agenda", json={"title": "Các vấn đề phát sinh", "duration_minutes": 10})
    sub = secretary.ok("POST", f"{base}/agenda", json={"title": "Ý kiến bổ sung", "parent_id": added["id"]})
    secretary.ok("PATCH", f"{base}/agenda/{ids[PARKING]}", json={"presenter": "Sở Tài chính, Công an thành phố"})
    top_level = [item["id"] for item in secretary.ok("GET", f"{base}/agenda") if item["parent_id"] is None]
    secretary.ok("POST", f"{base}/agenda/reorder", json={"parent_id": None, "item_ids": top_level[::-1]})
    # a top-level item brought in under another: reorder of a sub-level
    secretary.ok(
        "POST", f"{base}/agenda/reorder", json={"parent_id": added["id"], "item_ids": [ids[DIGITAL], sub["id"]]}
    )
    secretary.ok("POST", f"{base}/agenda/{sub['id']}/current")
    secretary.ok("DELETE", f"{base}/agenda/{ids[PARKING]}")
    guest = secretary.ok("POST", f"{base}/participants", json={"username": "admin", "role": "guest"})
    secretary.ok("PATCH", f"{base}/participants/{guest['id']}", json={"attendance": "excused"})
    delegate.ok("POST", f"{base}/checkin")
    secretary.ok("DELETE", f"{base}/participants/{guest['id']}")
    assert_probe_matches(console, secretary.ok("GET", f"{base}/snapshot"))

    secretary.ok("POST", f"{base}/close")
    closed = secretary.ok("GET", f"{base}/snapshot")
    assert_probe_matches(console, closed)
    secretary.close()
    delegate.close()
    console.context.close()
