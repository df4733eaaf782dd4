"""The TOTP second factor over HTTP: enrolment, login with a code, wrong and replayed codes, recovery codes,
ICABINET_REQUIRE_2FA sending administrators and chairs to enrol, and the secret never at rest in clear."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from cryptography.exceptions import InvalidTag
from litestar.testing import TestClient

from server.app import create_app
from server.auth.sealing import SecretBox
from server.auth.service import TokenHasher
from server.auth.tickets import Tickets
from server.cli import create_user_sync
from server.errors import Unauthorized
from server.settings import Settings
from tests.server.conftest import PASSWORD, App, Client, build_app, unique


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    with build_app(tmp_path_factory.mktemp("data")) as world:
        yield world


def new_user(app: App, role: str = "member") -> tuple[str, Client]:
    username = unique("otp")
    app.users["root"].ok("POST", "/api/users", json={"username": username, "password": PASSWORD, "role": role})
    return username, app.login(username)


def password_step(app: App, username: str, password: str = PASSWORD) -> Any:
    app.http.cookies.clear()
    response = app.http.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def code_step(app: App, ticket: str, code: str) -> Any:
    app.http.cookies.clear()
    return app.http.post("/api/auth/login/second-factor", json={"ticket": ticket, "code": code})


def enrol(client: Client) -> tuple[pyotp.TOTP, list[str]]:
    """Enrol through the caller's session; returns the app's TOTP and the recovery codes."""
    started = client.ok("POST", "/api/auth/second-factor/enrolment", json={})
    totp = pyotp.TOTP(started["secret"])
    done = client.ok("POST", "/api/auth/second-factor/confirm", json={"code": totp.now()})
    return totp, done["recovery_codes"]


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30 seconds: accepted now (one step of drift), and newer than the enrolment's."""
    return totp.at(time.time() + 30)


def audit(app: App, action: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = app.users["root"].ok("GET", "/api/audit", params={"action": action})
    return rows


def test_enrolment_shows_a_qr_code_and_the_secret_and_needs_a_right_code(app: App) -> None:
    username, client = new_user(app)
    assert client.ok("GET", "/api/auth/second-factor") == {
        "enrolled": False,
        "required": False,
        "recovery_codes_left": 0,
    }
    started = client.ok("POST", "/api/auth/second-factor/enrolment", json={})
    assert started["qr_svg"].startswith("<svg") and "<script" not in started["qr_svg"]
    # a viewBox and no fixed size: the page scales the whole code, quiet zone included, to its box
    assert 'viewBox="0 0 ' in started["qr_svg"] and ' width="' not in started["qr_svg"].split(">")[0]
    assert started["uri"].startswith("otpauth://totp/i-Cabinet:") and f"secret={started['secret']}" in started["uri"]
    totp = pyotp.TOTP(started["secret"])
    wrong = str((int(totp.now()) + 1) % 1_000_000).zfill(6)
    refused = client.request("POST", "/api/auth/second-factor/confirm", json={"code": wrong})
    assert refused.status_code == 400, refused.text
    assert client.ok("GET", "/api/auth/second-factor")["enrolled"] is False
    done = client.ok("POST", "/api/auth/second-factor/confirm", json={"code": totp.now()})
    codes = done["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10 and done["login"] is None
    assert client.ok("GET", "/api/auth/second-factor") == {
        "enrolled": True,
        "required": False,
        "recovery_codes_left": 10,
    }
    again = client.request("POST", "/api/auth/second-factor/enrolment", json={})
    assert again.status_code == 409, "an enrolled factor is not replaced behind the user's back"
    user_id = client.user["id"]
    assert any(row["target_id"] == user_id for row in audit(app, "auth.2fa_enrolled"))


def test_login_asks_for_the_code_and_refuses_a_wrong_or_replayed_one(app: App) -> None:
    username, client = new_user(app)
    totp, _ = enrol(client)
    step = password_step(app, username)
    assert step["second_factor"] == "totp" and "token" not in step
    code = next_code(totp)
    wrong = str((int(code) + 1) % 1_000_000).zfill(6)
    assert code_step(app, step["ticket"], wrong).status_code == 401
    accepted = code_step(app, step["ticket"], code)
    assert accepted.status_code == 200, accepted.text
    session = Client(app.http, accepted.json()["token"])
    assert session.ok("GET", "/api/me")["username"] == username
    replay = code_step(app, password_step(app, username)["ticket"], code)
    assert replay.status_code == 401, "the same time step is accepted once"
    logins = [row for row in audit(app, "auth.login") if row["target_id"] == client.user["id"]]
    assert logins[0]["detail"]["factor"] == "totp"
    failures = [row for row in audit(app, "auth.login_failed") if row["detail"]["username"] == username]
    assert [row["detail"]["reason"] for row in failures] == ["code", "code"]
    assert code not in str(failures) and wrong not in str(failures)


def test_the_enrolment_code_cannot_be_replayed_at_login(app: App) -> None:
    username, client = new_user(app)
    started = client.ok("POST", "/api/auth/second-factor/enrolment", json={})
    totp = pyotp.TOTP(started["secret"])
    code = totp.now()
    client.ok("POST", "/api/auth/second-factor/confirm", json={"code": code})
    assert code_step(app, password_step(app, username)["ticket"], code).status_code == 401


def test_a_recovery_code_works_once(app: App) -> None:
    username, client = new_user(app)
    _, codes = enrol(client)
    first = code_step(app, password_step(app, username)["ticket"], codes[0].upper())
    assert first.status_code == 200, first.text
    assert code_step(app, password_step(app, username)["ticket"], codes[0]).status_code == 401
    assert code_step(app, password_step(app, username)["ticket"], codes[1]).status_code == 200
    status = Client(app.http, first.json()["token"]).ok("GET", "/api/auth/second-factor")
    assert status["recovery_codes_left"] == 8
    used = [row for row in audit(app, "auth.recovery_code_used") if row["target_id"] == client.user["id"]]
    assert [row["detail"]["left"] for row in used] == [8, 9]
    assert codes[0] not in str(audit(app, "auth.login"))


def test_a_ticket_opens_only_its_own_step(app: App) -> None:
    username, client = new_user(app)
    totp, _ = enrol(client)
    ticket = password_step(app, username)["ticket"]
    for forged in (ticket[:-1] + ("0" if ticket[-1] != "0" else "1"), ticket.replace("totp.", "enrol.", 1), "x"):
        assert code_step(app, forged, next_code(totp)).status_code == 401
    app.http.cookies.clear()
    enrolling = app.http.post("/api/auth/second-factor/enrolment", json={"ticket": ticket})
    assert enrolling.status_code == 401, "a code ticket is no enrolment ticket"
    assert app.http.post("/api/auth/second-factor/enrolment", json={}).status_code == 401


def test_an_administrator_resets_a_lost_factor(app: App) -> None:
    username, client = new_user(app)
    enrol(client)
    assert app.users["del1"].request("DELETE", f"/api/users/{client.user['id']}/second-factor").status_code == 403
    assert app.users["root"].ok("DELETE", f"/api/users/{client.user['id']}/second-factor") == {"removed": True}
    assert "token" in password_step(app, username)
    assert any(row["target_id"] == client.user["id"] for row in audit(app, "auth.2fa_reset"))


def test_the_secret_is_not_in_the_database_files_in_clear(app: App) -> None:
    _, client = new_user(app)
    started = client.ok("POST", "/api/auth/second-factor/enrolment", json={})
    client.ok("POST", "/api/auth/second-factor/confirm", json={"code": pyotp.TOTP(started["secret"]).now()})
    data_dir: Path = app.http.app.state.settings.data_dir
    stored = b"".join(path.read_bytes() for path in data_dir.glob("icabinet.db*"))
    assert b"totp_factor" in stored
    assert started["secret"].encode() not in stored and started["secret"].lower().encode() not in stored


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:  # type: ignore[type-arg]
    """An app with ICABINET_REQUIRE_2FA: its administrator, a chair of a meeting and a delegate."""
    app = create_app(Settings(data_dir=tmp_path, require_2fa=True))
    with TestClient(app=app) as http:
        create_user_sync(app.state.settings, "root", PASSWORD, "admin")
        create_user_sync(app.state.settings, "sec", PASSWORD, "secretary")
        for username in ("chair", "del1"):
            create_user_sync(app.state.settings, username, PASSWORD, "member")
        yield http, tmp_path


def _login(http: TestClient, username: str) -> Any:  # type: ignore[type-arg]
    http.cookies.clear()
    response = http.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()


def test_required_2fa_sends_administrators_and_chairs_to_enrol(strict: tuple[TestClient, str]) -> None:  # type: ignore[type-arg]
    http, _ = strict
    assert "token" in _login(http, "del1") and "token" in _login(http, "chair")
    sec = _login(http, "sec")
    headers = {"Authorization": f"Bearer {sec['token']}"}
    meeting = http.post("/api/meetings", json={"title": "Họp"}, headers=headers).json()
    http.post(
        f"/api/meetings/{meeting['id']}/participants", json={"username": "chair", "role": "chair"}, headers=headers
    )
    for username in ("root", "chair"):
        step = _login(http, username)
        assert step["second_factor"] == "enrol" and "token" not in step, username
        http.cookies.clear()
        started = http.post("/api/auth/second-factor/enrolment", json={"ticket": step["ticket"]}).json()
        totp = pyotp.TOTP(started["secret"])
        done = http.post("/api/auth/second-factor/confirm", json={"ticket": step["ticket"], "code": totp.now()})
        assert done.status_code == 200, done.text
        body = done.json()
        assert len(body["recovery_codes"]) == 10 and body["login"]["user"]["username"] == username
        assert done.cookies.get("icabinet_token") == body["login"]["token"]
        me = http.get("/api/me", headers={"Authorization": f"Bearer {body['login']['token']}"})
        assert me.json()["username"] == username
        assert _login(http, username)["second_factor"] == "totp"
    assert "token" in _login(http, "del1"), "a delegate is not asked"
    reused = http.post("/api/auth/second-factor/enrolment", json={"ticket": step["ticket"]})
    assert reused.status_code == 409, "an enrolment ticket does not replace a factor once set"


def test_an_expired_ticket_and_a_secret_moved_to_another_user_do_not_open() -> None:
    hasher = TokenHasher("a-secret-key")
    expired = Tickets(hasher, lifetime_seconds=-1).issue(7, "totp")
    with pytest.raises(Unauthorized):
        Tickets(hasher).read(expired, "totp")
    assert Tickets(hasher).read(Tickets(hasher).issue(7, "totp"), "totp") == 7
    with pytest.raises(Unauthorized):
        Tickets(TokenHasher("another-installation")).read(Tickets(hasher).issue(7, "totp"), "totp")
    box = SecretBox("a-secret-key", "totp")
    sealed = box.seal("JBSWY3DPEHPK3PXP", "totp:7")
    assert box.open(sealed, "totp:7") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(InvalidTag):
        box.open(sealed, "totp:8")
    with pytest.raises(InvalidTag):
        SecretBox("another-key", "totp").open(sealed, "totp:7")
