"""Identity in a real browser: a directory (slapd) user signs in through the login page and lands with the role
of their group, a disabled one is told so, and an administrator required to use a second factor enrols an
authenticator app (QR code, secret, first code, recovery codes) and signs in with a code afterwards."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_browser import browser, log_in, new_page  # noqa: F401  (browser is a fixture)
from tests.support.server import ServerProcess, run_cli
from tests.support.slapd import SLAPD, Directory, password_of, running_slapd

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ADMIN_PASSWORD = "quan-tri-vien-42"


@pytest.fixture
def directory(tmp_path: Path) -> Iterator[Directory]:
    if not SLAPD.exists():
        pytest.skip("Debian's slapd is not installed (make system-deps)")
    with running_slapd(tmp_path / "slapd") as running:
        yield running


def start_server(data_dir: Path, **settings: str) -> ServerProcess:
    created = run_cli(data_dir, "user", "add", "root", "--role", "admin", "--password-stdin", stdin=ADMIN_PASSWORD)
    assert created.returncode == 0, created.stderr
    return ServerProcess(data_dir, **settings).start()


def test_a_directory_user_signs_in_with_the_role_of_their_group(
    browser: Browser,  # noqa: F811
    directory: Directory,
    tmp_path: Path,
) -> None:
    server = start_server(tmp_path / "data", **directory.env())
    try:
        console = new_page(browser)
        log_in(console, f"{server.url}/console", "binh.tran", password_of("binh.tran"))
        user_name = console.get_by_test_id("user-name")
        expect(user_name).to_have_text("Trần Thị Bình")
        expect(user_name).to_have_attribute("data-role", "secretary")
        expect(console.get_by_test_id("create-meeting")).to_be_visible()  # a secretary creates meetings
        console.context.close()

        refused = new_page(browser)
        log_in(refused, f"{server.url}/console", "dung.pham", password_of("dung.pham"))
        expect(refused.get_by_test_id("login-error")).to_contain_text("khoá")
        expect(refused.get_by_test_id("user-name")).to_have_count(0)
        refused.context.close()

        local = new_page(browser)
        log_in(local, f"{server.url}/console", "root", ADMIN_PASSWORD)
        expect(local.get_by_test_id("user-name")).to_have_attribute("data-role", "admin")
        local.context.close()
    finally:
        server.stop()


def test_an_administrator_enrols_a_second_factor_and_signs_in_with_a_code(
    browser: Browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    server = start_server(tmp_path / "data", require_2fa="true")
    try:
        page = new_page(browser)
        log_in(page, f"{server.url}/console", "root", ADMIN_PASSWORD)
        expect(page.get_by_test_id("enrol-qr").locator("svg")).to_be_visible()
        secret = page.get_by_test_id("enrol-secret").inner_text()
        totp = pyotp.TOTP(secret)
        page.get_by_test_id("enrol-code").fill("000000" if totp.now() != "000000" else "111111")
        page.get_by_test_id("enrol-confirm").click()
        expect(page.get_by_test_id("enrol-error")).to_be_visible()
        page.get_by_test_id("enrol-code").fill(totp.now())
        page.get_by_test_id("enrol-confirm").click()
        expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
        page.get_by_test_id("enrol-continue").click()
        expect(page.get_by_test_id("user-name")).to_have_attribute("data-role", "admin")

        page.get_by_test_id("logout").click()
        log_in(page, f"{server.url}/console", "root", ADMIN_PASSWORD)
        expect(page.get_by_test_id("login-code")).to_be_visible()
        page.get_by_test_id("login-code").fill(totp.at(time.time() + 30))  # newer than the enrolment's code
        page.get_by_test_id("login-code-submit").click()
        expect(page.get_by_test_id("user-name")).to_have_attribute("data-role", "admin")
        assert secret not in server.log_path.read_text()
        page.context.close()
    finally:
        server.stop()
