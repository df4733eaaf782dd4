"""A demo meeting in full swing, made through the API: started, an item under way, everyone checked in,
a delegate speaking with another waiting, and a vote open with some ballots. The room-screen tests, the
accessibility checks and the screenshot script all look at this one scene."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.support.api import Api

DEMO_MEETING = 1
PARKING = "Tờ trình về phí trông giữ xe trên địa bàn thành phố"
VOTE_TITLE = "Thông qua mức phí trông giữ xe ô tô 30.000 đồng/lượt"
PASSWORDS = {
    "thuky": "thuky-demo-1",
    "chutich": "chutich-demo-1",
    "daibieu1": "daibieu-demo-1",
    "daibieu2": "daibieu-demo-2",
    "daibieu3": "daibieu-demo-3",
    "khach": "khach-demo-1",
}


@dataclass
class Scene:
    secretary: Api
    item_ids: dict[str, int]
    speech_id: int | None = None
    poll_id: int | None = None


def login(url: str, username: str) -> Api:
    return Api.login(url, username, PASSWORDS[username])


def start_meeting(url: str, item_title: str = PARKING) -> Scene:
    """Start the demo meeting, check everyone in and make ``item_title`` current."""
    secretary = login(url, "thuky")
    secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/start")
    for username in PASSWORDS:
        person = login(url, username)
        person.ok("POST", f"/api/meetings/{DEMO_MEETING}/checkin")
        person.close()
    items = {item["title"]: item["id"] for item in secretary.ok("GET", f"/api/meetings/{DEMO_MEETING}/agenda")}
    secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/agenda/{items[item_title]}/current")
    return Scene(secretary, items)


def ask_for_floor(url: str, username: str) -> dict[str, Any]:
    person = login(url, username)
    try:
        request: dict[str, Any] = person.ok("POST", f"/api/meetings/{DEMO_MEETING}/speakers", json={})
        return request
    finally:
        person.close()


def add_speaker(scene: Scene, url: str, limit_seconds: int = 180) -> None:
    """daibieu1 speaks on the current item (with a limit, so the countdown shows); daibieu2 waits."""
    item_id = scene.item_ids[PARKING]
    scene.secretary.ok(
        "PATCH", f"/api/meetings/{DEMO_MEETING}/agenda/{item_id}", json={"speaking_limit_seconds": limit_seconds}
    )
    speech = ask_for_floor(url, "daibieu1")
    ask_for_floor(url, "daibieu2")
    scene.secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/speakers/{speech['id']}/start")
    scene.speech_id = speech["id"]


def open_vote(scene: Scene, url: str) -> None:
    """An open yes/no/abstain vote on the current item, with two ballots in (yes, no)."""
    poll = scene.secretary.ok(
        "POST",
        f"/api/meetings/{DEMO_MEETING}/polls",
        json={"title": VOTE_TITLE, "agenda_item_id": scene.item_ids[PARKING]},
    )
    scene.secretary.ok("POST", f"/api/polls/{poll['id']}/open")
    options = [option["id"] for option in poll["options"]]
    for username, option in (("daibieu1", options[0]), ("daibieu2", options[1])):
        voter = login(url, username)
        voter.ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": option})
        voter.close()
    scene.poll_id = poll["id"]


def open_projector(
    browser: Browser, url: str, size: tuple[int, int], timeout_ms: float, *, bypass_csp: bool = False
) -> Page:
    """The room screen on its own machine, signed in as the secretary through its login form (the session is
    the HttpOnly cookie: no token can be handed to the page). ``bypass_csp`` lets a test inject a checker
    (axe-core) as a script tag, which the page's policy rightly refuses."""
    width, height = size
    viewport = {"width": width, "height": height}
    page = browser.new_context(viewport=viewport, locale="vi-VN", bypass_csp=bypass_csp).new_page()
    page.set_default_timeout(timeout_ms)
    page.goto(f"{url}/projector/{DEMO_MEETING}")
    page.get_by_test_id("login-username").fill("thuky")
    page.get_by_test_id("login-password").fill(PASSWORDS["thuky"])
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("meeting-status")).to_have_attribute("data-status", "live")
    return page
