"""Personal signatures in a real browser: the chair approves the demo meeting's minutes, the secretary and then
the chair sign them from their consoles with the PIN of their own SoftHSM2 token, and the console's check of
the signed PDF shows who signed and when, both chained to the test CA.

Leaves a 1280x800 picture of the check in the test's directory (``console-minutes-signatures.png``);
``ICABINET_SCREENSHOTS=1`` writes it to docs/screenshots as well.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import SIGNERS
from tests.e2e.test_browser import (  # noqa: F401  (browser and data_dir are fixtures)
    DEMO_MEETING,
    browser,
    data_dir,
    log_in,
)
from tests.support import room
from tests.support.api import Api
from tests.support.screenshots import OUT, TABLET, TIMEOUT_MS
from tests.support.server import ServerProcess
from tests.support.softhsm import SigningPki

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PEOPLE = {user: SIGNERS[user] for user in ("thuky", "chutich")}


@pytest.fixture
def signing_server(data_dir: Path, signing_pki: SigningPki) -> Iterator[tuple[ServerProcess, SigningPki]]:  # noqa: F811
    keys = {
        user: {"token_label": signing_pki.tokens[user].label, "key_label": signing_pki.tokens[user].key_label}
        for user in PEOPLE
    }
    process = ServerProcess(
        data_dir,
        personal_signatures="true",
        pkcs11_module=str(signing_pki.module),
        pkcs11_keys=json.dumps(keys),
        signing_trust_anchors=json.dumps([str(signing_pki.ca_path)]),
    ).start()  # SOFTHSM2_CONF reaches the server through its environment, set while signing_pki lasts
    try:
        yield process, signing_pki
    finally:
        process.stop()


def _console(browser: Browser, url: str, username: str) -> Page:  # noqa: F811
    page = browser.new_context(viewport={"width": TABLET[0], "height": TABLET[1]}, locale="vi-VN").new_page()
    page.set_default_timeout(TIMEOUT_MS)
    log_in(page, f"{url}/console", username, room.PASSWORDS[username])
    page.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    return page


def test_secretary_and_chair_sign_and_the_console_shows_who_signed(
    browser: Browser,  # noqa: F811
    signing_server: tuple[ServerProcess, SigningPki],
    tmp_path: Path,
) -> None:
    server, pki = signing_server
    secretary = Api.login(server.url, "thuky", room.PASSWORDS["thuky"])
    chair = Api.login(server.url, "chutich", room.PASSWORDS["chutich"])
    base = f"/api/meetings/{DEMO_MEETING}"
    secretary.ok("POST", f"{base}/start")
    secretary.ok("POST", f"{base}/close")
    version = secretary.ok("POST", f"{base}/minutes/draft", json={})["version"]
    chair.ok("POST", f"{base}/minutes/approve", json={"base_version": version})

    page = _console(browser, server.url, "thuky")
    expect(page.get_by_test_id("minutes-signing")).to_have_attribute("data-next", "secretary")
    page.get_by_test_id("minutes-sign-pin").fill("sai-ma-pin")
    page.get_by_test_id("minutes-sign").click()
    expect(page.get_by_text("Mã PIN của thiết bị ký số không đúng")).to_be_visible()
    expect(page.get_by_test_id("minutes-sign-pin")).to_have_value("")  # the PIN is not kept for a retry
    page.get_by_test_id("minutes-sign-pin").fill(pki.tokens["thuky"].pin)
    page.get_by_test_id("minutes-sign").click()
    expect(page.get_by_test_id("minutes-signing")).to_have_attribute("data-next", "chair")
    expect(page.get_by_test_id("minutes-sign")).to_have_count(0)  # the chair's turn, not hers

    page = _console(browser, server.url, "chutich")
    page.get_by_test_id("minutes-sign-pin").fill(pki.tokens["chutich"].pin)
    page.get_by_test_id("minutes-sign").click()
    expect(page.get_by_test_id("minutes-signing")).to_have_attribute("data-next", "")
    page.get_by_test_id("verify-this").click()
    expect(page.get_by_test_id("verify-verdict")).to_have_attribute("data-valid", "true")
    for field, user in (("secretary", "thuky"), ("chair", "chutich")):
        signature = page.get_by_test_id(f"verify-signature-{field}")
        expect(signature).to_have_attribute("data-valid", "true")
        expect(signature).to_contain_text(PEOPLE[user])
        expect(signature).to_contain_text("CA Thử nghiệm Chính phủ")
        expect(signature).to_contain_text("Ký lúc")
    page.get_by_test_id("minutes-verify").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    picture = tmp_path / "console-minutes-signatures.png"
    page.screenshot(path=str(picture))
    if os.environ.get("ICABINET_SCREENSHOTS"):
        shutil.copy(picture, OUT / picture.name)
