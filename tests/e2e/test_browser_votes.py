"""A full poll in a real browser: delegates check in on their tablets, the console prepares and opens a
poll, two delegate pages vote, and the room screen shows the counts live and the result as a bar chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_browser import (  # noqa: F401  (browser, data_dir and demo_server are fixtures)
    DEMO_MEETING,
    browser,
    data_dir,
    demo_server,
    log_in,
    new_page,
    open_meeting_on_tablet,
)
from tests.support.api import Api
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TITLE = "Thông qua Tờ trình về phí trông giữ xe"


def test_console_opens_a_poll_two_tablets_vote_and_the_projector_shows_the_result(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
) -> None:
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/start")
    tablets = [
        open_meeting_on_tablet(browser, demo_server, "daibieu1", "daibieu-demo-1"),
        open_meeting_on_tablet(browser, demo_server, "daibieu2", "daibieu-demo-2"),
    ]

    console = new_page(browser)
    log_in(console, f"{demo_server.url}/console", "thuky", "thuky-demo-1")
    console.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    projector = console.context.new_page()
    projector.goto(f"{demo_server.url}/projector/{DEMO_MEETING}")
    expect(projector.get_by_test_id("quorum")).to_have_attribute("data-quorum", "false")

    # without quorum the poll does not open, and the console says why
    console.get_by_test_id("poll-title").fill(TITLE)
    console.get_by_test_id("poll-create").click()
    expect(console.locator("[data-testid^=console-poll-]")).to_have_count(1)
    poll_id = secretary.ok("GET", f"/api/meetings/{DEMO_MEETING}/polls")[-1]["id"]
    expect(console.get_by_test_id(f"poll-status-{poll_id}")).to_have_text("Nháp")
    console.get_by_test_id(f"poll-open-{poll_id}").click()
    expect(console.get_by_test_id("toast")).to_contain_text("túc số")

    # three of the five voting members check in: two on their tablets, the secretary through the API
    for tablet in tablets:
        tablet.get_by_test_id("checkin").click()
        expect(tablet.get_by_test_id("checkin-state")).to_have_attribute("data-checked-in", "true")
    secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/checkin")
    expect(console.get_by_test_id("quorum")).to_have_attribute("data-quorum", "true")
    expect(projector.get_by_test_id("quorum")).to_have_attribute("data-present", "3")

    console.get_by_test_id(f"poll-open-{poll_id}").click()
    expect(console.get_by_test_id(f"poll-status-{poll_id}")).to_have_text("Đang biểu quyết")
    poll = secretary.ok("GET", f"/api/polls/{poll_id}")
    yes, no = (next(o["id"] for o in poll["options"] if o["key"] == key) for key in ("yes", "no"))
    expect(projector.get_by_test_id("projector-poll")).to_have_attribute("data-status", "open")

    # the two delegates vote with the big buttons; the room screen counts live
    tablets[0].get_by_test_id(f"vote-option-{yes}").click()
    expect(tablets[0].get_by_test_id("poll-voted")).to_have_attribute("data-option", str(yes))
    expect(tablets[0].get_by_test_id(f"vote-option-{no}")).to_have_count(0)  # one ballot, no change allowed
    tablets[1].get_by_test_id(f"vote-option-{yes}").click()
    expect(tablets[1].get_by_test_id("poll-voted")).to_be_visible()
    expect(projector.get_by_test_id(f"poll-bar-{yes}")).to_have_attribute("data-votes", "2")
    expect(tablets[1].get_by_test_id(f"poll-bar-{yes}")).to_have_attribute("data-votes", "2")
    secretary.ok("POST", f"/api/polls/{poll_id}/ballot", json={"option_id": no})
    expect(projector.get_by_test_id(f"poll-voters-{poll_id}")).to_have_attribute("data-voters", "3")

    # 2 of 5 members is not more than half of all members: the poll fails, shown as bars and a verdict
    console.get_by_test_id(f"poll-close-{poll_id}").click()
    expect(projector.get_by_test_id("projector-poll")).to_have_attribute("data-status", "closed")
    expect(projector.get_by_test_id(f"poll-result-{poll_id}")).to_have_attribute("data-passed", "false")
    expect(projector.get_by_test_id(f"poll-bar-{yes}")).to_have_attribute("data-votes", "2")
    expect(projector.get_by_test_id(f"poll-bar-{no}")).to_have_attribute("data-votes", "1")
    bar = projector.get_by_test_id(f"poll-bar-{yes}").locator(".poll-bar-fill")
    assert bar.evaluate("el => el.getBoundingClientRect().width") > 0
    for tablet in tablets:
        expect(tablet.get_by_test_id(f"poll-result-{poll_id}")).to_have_attribute("data-passed", "false")
        expect(tablet.get_by_test_id(f"vote-option-{yes}")).to_have_count(0)
    secretary.close()


def test_a_secret_poll_shows_how_many_have_voted_until_it_closes(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
) -> None:
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/start")
    tablets = [
        open_meeting_on_tablet(browser, demo_server, "daibieu1", "daibieu-demo-1"),
        open_meeting_on_tablet(browser, demo_server, "daibieu2", "daibieu-demo-2"),
    ]
    for tablet in tablets:
        tablet.get_by_test_id("checkin").click()
        expect(tablet.get_by_test_id("checkin-state")).to_have_attribute("data-checked-in", "true")
    secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/checkin")
    console = new_page(browser)
    log_in(console, f"{demo_server.url}/console", "thuky", "thuky-demo-1")
    console.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    projector = console.context.new_page()
    projector.goto(f"{demo_server.url}/projector/{DEMO_MEETING}")
    screens = [*tablets, console, projector]

    poll = secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/polls", json={"title": TITLE, "secret": True})
    secretary.ok("POST", f"/api/polls/{poll['id']}/open")
    yes, no = (next(o["id"] for o in poll["options"] if o["key"] == key) for key in ("yes", "no"))
    tablets[0].get_by_test_id(f"vote-option-{yes}").click()
    expect(tablets[0].get_by_test_id("poll-voted")).to_be_visible()
    tablets[1].get_by_test_id(f"vote-option-{no}").click()
    expect(tablets[1].get_by_test_id("poll-voted")).to_be_visible()

    # every screen: two of the three present have voted, and no option's count
    for screen in screens:
        turnout = screen.get_by_test_id(f"poll-turnout-{poll['id']}")
        expect(turnout).to_have_attribute("data-voters", "2")
        expect(turnout).to_have_attribute("data-of", "3")
        expect(turnout).to_contain_text("2/3")
        expect(screen.locator("[data-testid^=poll-bar-]")).to_have_count(0)

    # closed: the counts appear everywhere
    console.get_by_test_id(f"poll-close-{poll['id']}").click()
    for screen in screens:
        expect(screen.get_by_test_id(f"poll-bar-{yes}")).to_have_attribute("data-votes", "1")
        expect(screen.get_by_test_id(f"poll-bar-{no}")).to_have_attribute("data-votes", "1")
        expect(screen.get_by_test_id(f"poll-turnout-{poll['id']}")).to_have_count(0)
    secretary.close()
