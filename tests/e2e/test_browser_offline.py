"""A tablet through a network cut: the service worker keeps the meeting readable, and the socket catches up after."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

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
from tests.support.api import Api
from tests.support.page_checks import wait_for_true
from tests.support.server import REPO, ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PDF = REPO / "tests" / "fixtures" / "bao-cao-ihanoi.pdf"
TITLE = "Báo cáo triển khai Đề án 06"
ADDED = "Các vấn đề phát sinh"
RECONNECT_TIMEOUT_MS = 15_000


def upload_ready(secretary: Api, item_id: int) -> int:
    with PDF.open("rb") as handle:
        response = secretary.request(
            "POST",
            f"/api/meetings/{DEMO_MEETING}/documents",
            files={"file": (PDF.name, handle, "application/pdf")},
            data={"title": TITLE, "agenda_item_id": str(item_id), "classification": "internal"},
        )
    assert response.status_code == 202, response.text
    doc_id = int(response.json()["id"])
    for _ in range(300):
        if secretary.ok("GET", f"/api/documents/{doc_id}")["status"] != "processing":
            break
        time.sleep(0.1)
    assert secretary.ok("GET", f"/api/documents/{doc_id}")["status"] == "ready"
    return doc_id


def data_caches(page: Page) -> list[str]:
    names: list[str] = page.evaluate("caches.keys()")
    return [name for name in names if name.startswith("icabinet-data-")]


def read_first_page(page: Page, item_id: int, doc_id: int) -> None:
    page.get_by_test_id(f"agenda-item-{item_id}").get_by_test_id(f"doc-{doc_id}").click()
    image = page.get_by_test_id("viewer-page-image")
    expect(image).to_have_attribute("data-page", "1")
    wait_for_true(
        page,
        "() => { const img = document.querySelector('[data-testid=viewer-page-image]');"
        " return img && img.complete && img.naturalWidth > 0; }",
    )
    page.get_by_test_id("viewer-close").click()


def test_a_tablet_reads_through_a_network_cut_and_catches_up(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
) -> None:
    worker = httpx.get(f"{demo_server.url}/sw.js")
    assert worker.status_code == 200
    assert worker.headers["service-worker-allowed"] == "/"
    assert worker.headers["cache-control"] == "no-cache"
    assert "__ICABINET_BUILD__" not in worker.text and '"/static/js/tablet.js"' in worker.text

    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    report = item_ids(secretary)[REPORT]
    doc_id = upload_ready(secretary, report)

    # the tablet has opened the app once (the worker installs and takes over), then the delegate signs in
    tablet = new_page(browser)
    tablet.goto(f"{demo_server.url}/")
    wait_for_true(tablet, "navigator.serviceWorker.controller !== null")
    log_in(tablet, f"{demo_server.url}/", "daibieu1", "daibieu-demo-1")
    tablet.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    expect(tablet.get_by_test_id("meeting-title")).to_contain_text("Phiên họp thường kỳ")
    read_first_page(tablet, report, doc_id)
    assert len(data_caches(tablet)) == 1
    # the session is the HttpOnly cookie: the page's storage holds no token, so offline reading needs none
    cookie = next(c for c in tablet.context.cookies() if c["name"] == "icabinet_token")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["value"] not in tablet.evaluate("JSON.stringify(localStorage)")
    banner = tablet.get_by_test_id("conn-banner")
    expect(banner).to_be_hidden()

    tablet.context.set_offline(True)
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Mất kết nối — đang xem bản lưu")
    # within the app: the meeting list and the meeting (from the kept copy), and the page already read
    tablet.get_by_test_id("back").click()
    tablet.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    expect(tablet.get_by_test_id("meeting-title")).to_contain_text("Phiên họp thường kỳ")
    expect(tablet.get_by_test_id(f"agenda-item-{report}")).to_contain_text(REPORT)
    expect(banner).to_contain_text("đang xem bản lưu")
    read_first_page(tablet, report, doc_id)

    # a reload while offline: the shell, the meeting and the page come from the tablet
    tablet.reload()
    expect(tablet.get_by_test_id("meeting-title")).to_contain_text("Phiên họp thường kỳ")
    expect(tablet.get_by_test_id(f"agenda-item-{report}")).to_contain_text(REPORT)
    expect(banner).to_contain_text("đang xem bản lưu")
    read_first_page(tablet, report, doc_id)

    # the secretary changes the agenda meanwhile; back online, the tablet resumes and says it is up to date
    added = secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/agenda", json={"title": ADDED})
    expect(tablet.get_by_test_id(f"agenda-item-{added['id']}")).to_have_count(0)
    sockets: list[str] = []
    tablet.on("websocket", lambda socket: sockets.append(socket.url))
    tablet.context.set_offline(False)
    expect(tablet.get_by_test_id(f"agenda-item-{added['id']}")).to_contain_text(ADDED, timeout=RECONNECT_TIMEOUT_MS)
    expect(banner).to_have_attribute("data-state", "caught-up")
    expect(banner).to_have_text("Đã cập nhật")
    assert sockets and "since=" in sockets[-1]
    assert not any("token" in url for url in sockets), "a token in a websocket URL"

    # signing out leaves nothing of this user's reading on the tablet
    tablet.get_by_test_id("logout").click()
    expect(tablet.get_by_test_id("login-username")).to_be_visible()
    assert data_caches(tablet) == []
    tablet.context.close()
    secretary.close()
