"""Single sign-on (OpenID Connect) against a real provider (npm's oidc-provider on Node.js), over HTTP: the flow
through to a session, and every way a callback may be forged, replayed or refused.

Who is in which group: ``tests/support/oidc_provider.py``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import click
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from litestar.testing import TestClient
from pydantic import ValidationError
from sqlalchemy import make_url

from server.app import create_app
from server.auth.oidc import OpenIdProvider as SingleSignOnProvider
from server.auth.oidc import SignInRefused
from server.cli import check_single_sign_on
from server.log_redaction import RedactTokens
from server.settings import Settings
from tests.server.conftest import PASSWORD, App, build_app
from tests.support.oidc_provider import OpenIdProvider, provider_available, running_provider
from tests.support.server import free_port

pytestmark = pytest.mark.skipif(not provider_available(), reason="Node.js or oidc-provider missing (make node-deps)")

CALLBACK = "http://testserver.local/api/auth/oidc/callback"  # where the in-process app's test client is


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIdProvider]:
    with running_provider(tmp_path_factory.mktemp("oidc"), [CALLBACK]) as running:
        yield running


@pytest.fixture(scope="module")
def app(provider: OpenIdProvider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    with build_app(tmp_path_factory.mktemp("data"), **provider.settings()) as world:
        yield world


def start(app: App, next_path: str = "/console") -> str:
    """A fresh browser (no cookies) starts a sign-in: where it is sent at the provider."""
    app.http.cookies.clear()
    response = app.http.get("/api/auth/oidc/start", params={"next": next_path}, follow_redirects=False)
    assert response.status_code == 302, response.text
    return str(response.headers["location"])


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode({**query_of(url), **changes})))


def come_back(app: App, callback_url: str) -> Any:
    """The browser arrives at i-Cabinet's callback with what the provider gave it."""
    parts = urlsplit(callback_url)
    return app.http.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def sign_in(app: App, provider: OpenIdProvider, username: str) -> Any:
    """The whole flow up to the callback's answer (a redirect back to the console)."""
    return come_back(app, provider.sign_in(start(app), username))


def finish(app: App) -> Any:
    return app.http.post("/api/auth/oidc/finish")


def usernames(app: App) -> set[str]:
    return {user["username"] for user in app.users["root"].ok("GET", "/api/users")}


def failures(app: App) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = app.users["root"].ok("GET", "/api/audit", params={"action": "auth.login_failed"})
    return rows


def test_the_login_page_learns_of_the_provider(app: App) -> None:
    methods = app.anonymous().ok("GET", "/api/auth/methods")
    assert methods == {
        "password": True,
        "single_sign_on": {"name": "Keycloak Thành phố", "start": "/api/auth/oidc/start"},
    }


def test_the_way_out_carries_state_nonce_and_a_pkce_challenge_and_no_secret(app: App, provider: OpenIdProvider) -> None:
    location = start(app)
    query = query_of(location)
    assert location.startswith(f"{provider.issuer}/auth?")
    assert query["response_type"] == "code" and query["client_id"] == "icabinet"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert query["redirect_uri"] == CALLBACK and query["scope"].startswith("openid")
    assert provider.client_secret not in location
    cookie = next(c for c in app.http.cookies.jar if c.name == "icabinet_oidc")
    assert query["state"] not in cookie.value and query["nonce"] not in cookie.value  # sealed, not in clear
    assert cookie.path == "/api/auth/oidc" and cookie.has_nonstandard_attr("HttpOnly")


@pytest.mark.parametrize(
    ("username", "role", "full_name", "unit"),
    [
        ("an.nguyen", "admin", "Nguyễn Văn An", "Văn phòng UBND"),  # the group as a Keycloak path
        ("binh.tran", "secretary", "Trần Thị Bình", "Sở Nội vụ"),
        ("chi.le", "member", "Lê Minh Chi", "Sở Tài chính"),  # in no mapped group: ICABINET_OIDC_UNMAPPED=member
    ],
)
def test_a_person_signs_in_with_the_role_of_their_group(
    app: App, provider: OpenIdProvider, username: str, role: str, full_name: str, unit: str
) -> None:
    back = sign_in(app, provider, username)
    assert back.status_code == 303, back.text
    assert back.headers["location"] == "/console?sso=done"
    response = finish(app)
    assert response.status_code == 200, response.text
    body = response.json()
    user = body["user"]
    assert (user["username"], user["role"], user["full_name"], user["unit"], user["source"]) == (
        username,
        role,
        full_name,
        unit,
        "oidc",
    )
    assert "icabinet_token" in response.cookies
    me = app.http.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"}).json()
    assert me["role"] == role
    assert finish(app).status_code == 401, "the sign-in's cookie is spent"

    sign_in(app, provider, username)
    again = finish(app).json()["user"]
    assert again["id"] == user["id"], "the second sign-in reuses the local user"
    logins = app.users["root"].ok("GET", "/api/audit", params={"action": "auth.login"})
    assert any(row["detail"] == {"source": "oidc", "factor": "oidc"} for row in logins)


def test_a_tampered_or_missing_state_is_refused_and_changes_nothing(app: App, provider: OpenIdProvider) -> None:
    before = usernames(app)  # (an API call as root: it clears the test client's cookies)
    callback = provider.sign_in(start(app), "giang.vo")
    started = list(app.http.cookies.jar)  # the browser that started the sign-in
    state = query_of(callback)["state"]
    for forged in (with_query(callback, state=state[:-2] + "xx"), with_query(callback, state="")):
        response = come_back(app, forged)
        assert response.status_code == 400, response.text
        assert response.json()["detail"]
        assert "icabinet_oidc_login" not in response.cookies and "icabinet_token" not in response.cookies
        assert finish(app).status_code == 401
    assert usernames(app) == before

    app.http.cookies.clear()  # another browser, holding the genuine callback URL but not the sign-in's cookie
    assert come_back(app, callback).status_code == 400
    assert usernames(app) == before

    for cookie in started:  # the browser that started it: the genuine answer still goes through
        app.http.cookies.jar.set_cookie(cookie)
    assert come_back(app, callback).headers["location"] == "/console?sso=done"
    assert finish(app).json()["user"]["username"] == "giang.vo"
    assert come_back(app, callback).status_code == 400, "one state, one callback"


def test_an_id_token_with_another_nonce_is_refused(app: App, provider: OpenIdProvider) -> None:
    way_out = start(app)
    tampered = with_query(way_out, nonce="a-nonce-this-browser-never-made-" + "x" * 16)
    back = come_back(app, provider.sign_in(tampered, "binh.tran"))
    assert back.status_code == 303
    assert back.headers["location"] == "/console?sso_error=refused"
    assert "icabinet_oidc_login" not in back.cookies
    assert finish(app).status_code == 401
    assert any(row["detail"]["reason"] == "oidc:nonce" for row in failures(app))


def test_a_user_disabled_here_is_refused(app: App, provider: OpenIdProvider) -> None:
    sign_in(app, provider, "giang.vo")
    user = finish(app).json()["user"]
    app.users["root"].ok("PATCH", f"/api/users/{user['id']}", json={"is_active": False})
    try:
        back = sign_in(app, provider, "giang.vo")
        assert back.headers["location"] == "/console?sso_error=disabled"
        assert "icabinet_oidc_login" not in back.cookies
        assert finish(app).status_code == 401
        failed = [row for row in failures(app) if row["detail"]["username"] == "giang.vo"]
        assert failed and failed[-1]["detail"]["reason"] == "disabled"
    finally:
        app.users["root"].ok("PATCH", f"/api/users/{user['id']}", json={"is_active": True})


def test_a_local_account_of_the_same_name_is_not_taken_over(app: App, provider: OpenIdProvider) -> None:
    """A person at the provider named like a local account here does not sign in as that account."""
    app.users["root"].ok("POST", "/api/users", json={"username": "hanh.do", "password": PASSWORD})
    back = sign_in(app, provider, "hanh.do")
    assert back.headers["location"] == "/console?sso_error=not_linked"
    assert finish(app).status_code == 401
    assert app.login("hanh.do").user["source"] == "local", "the local account is as it was"
    failed = [row for row in failures(app) if row["detail"]["username"] == "hanh.do"]
    assert failed and failed[-1]["detail"]["reason"] == "not_linked"


def test_the_providers_error_is_told_to_the_page(app: App) -> None:
    state = query_of(start(app, "/"))["state"]
    back = app.http.get(
        "/api/auth/oidc/callback",
        params={"error": "access_denied", "error_description": "End-User aborted interaction", "state": state},
        follow_redirects=False,
    )
    assert back.status_code == 303
    assert back.headers["location"] == "/?sso_error=access_denied"
    assert "icabinet_oidc_login" not in back.cookies
    assert any(row["detail"]["reason"] == "provider:access_denied" for row in failures(app))


def test_a_page_to_come_back_to_on_another_site_is_not_followed(app: App, provider: OpenIdProvider) -> None:
    for next_path in ("//evil.example/console", "https://evil.example/", "/console?x=1"):
        callback = provider.sign_in(start(app, next_path), "chi.le")
        assert come_back(app, callback).headers["location"] == "/?sso=done"


def test_an_administrator_required_to_use_a_second_factor_is_sent_to_enrol(
    provider: OpenIdProvider, tmp_path: Path
) -> None:
    app = create_app(Settings(data_dir=tmp_path, require_2fa=True, **provider.settings()))  # type: ignore[arg-type]
    with TestClient(app=app) as http:
        world = App(http)
        assert sign_in(world, provider, "an.nguyen").headers["location"] == "/console?sso=done"
        step = finish(world)
        assert step.status_code == 200, step.text
        assert step.json()["second_factor"] == "enrol" and step.json()["ticket"]
        assert "icabinet_token" not in step.cookies, "no session before the second factor"

        sign_in(world, provider, "binh.tran")  # a secretary (no chair) needs none
        assert finish(world).json()["user"]["role"] == "secretary"


def test_a_first_sign_in_waits_its_turn_behind_another_writer(app: App, provider: OpenIdProvider) -> None:
    """The callback is a GET that creates an account: it must queue behind a change being written elsewhere, not
    fail with "database is locked" (a read transaction upgraded to a write while another writer commits)."""
    url = make_url(app.http.app.state.settings.resolved_database_url)
    if not url.drivername.startswith("sqlite"):
        pytest.skip("PostgreSQL writers wait on row locks; the lock upgrade is SQLite's")
    callback = provider.sign_in(start(app), "khoa.pham")
    other = sqlite3.connect(str(url.database), timeout=30, isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE user SET full_name = full_name || '.' WHERE username = 'outsider'")
        release = threading.Timer(1.0, other.execute, ["COMMIT"])
        release.start()
        back = come_back(app, callback)
        release.join()
    finally:
        other.close()
    assert back.status_code == 303, back.text
    assert finish(app).json()["user"]["username"] == "khoa.pham"


def test_half_set_single_sign_on_stops_the_server_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="ICABINET_OIDC_CLIENT_ID and ICABINET_OIDC_CLIENT_SECRET"):
        Settings(data_dir=tmp_path, oidc_issuer="https://sso.example.gov.vn/realms/icabinet")
    with pytest.raises(ValidationError, match="https://"):
        Settings(data_dir=tmp_path, oidc_issuer="http://sso.example.gov.vn", oidc_client_id="a", oidc_client_secret="b")
    settings = Settings(
        data_dir=tmp_path, oidc_issuer="https://sso.example.gov.vn", oidc_client_id="a", oidc_client_secret="s3cr3t"
    )
    assert "s3cr3t" not in repr(settings)


def test_without_single_sign_on_its_routes_are_not_there(tmp_path: Path) -> None:
    with build_app(tmp_path / "data") as world:
        assert world.anonymous().ok("GET", "/api/auth/methods")["single_sign_on"] is None
        assert world.http.get("/api/auth/oidc/start", follow_redirects=False).status_code == 404


def test_an_id_token_not_signed_by_the_provider_is_refused(provider: OpenIdProvider, tmp_path: Path) -> None:
    """Signed by a key of one's own (under a key id the provider never published), or with an HMAC keyed by the
    client secret, or not at all: refused, whatever the claims say."""
    settings = Settings(data_dir=tmp_path, **provider.settings())  # type: ignore[arg-type]
    single_sign_on = SingleSignOnProvider(settings)
    now = int(time.time())
    claims = {"iss": provider.issuer, "aud": "icabinet", "sub": "an.nguyen", "iat": now, "exp": now + 300}
    claims |= {"nonce": "n-0123456789", "preferred_username": "an.nguyen", "groups": ["icabinet-admins"]}
    own_key = RSAKey.generate_key(2048, parameters={"kid": "not-the-providers"})
    forged = [
        jwt.encode({"alg": "RS256", "kid": "not-the-providers"}, claims, own_key),
        jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(provider.client_secret.encode())),
    ]
    header, payload = (base64url({"alg": "none"}), base64url(claims))
    forged.append(f"{header}.{payload}.")
    for token in forged:
        with pytest.raises(SignInRefused) as refused:
            asyncio.run(single_sign_on.claims(token, "n-0123456789"))
        assert refused.value.reason == "id_token"


def base64url(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def test_a_provider_that_names_another_issuer_stops_the_server_at_start(
    provider: OpenIdProvider, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = Settings(data_dir=tmp_path, **provider.settings(oidc_issuer=provider.issuer + "/"))  # type: ignore[arg-type]
    with pytest.raises(click.ClickException, match="names the issuer"):
        check_single_sign_on(wrong)
    away = Settings(data_dir=tmp_path, **provider.settings(oidc_issuer=f"http://127.0.0.1:{free_port()}"))  # type: ignore[arg-type]
    check_single_sign_on(away)  # password logins still work: only a warning
    assert "cannot be reached" in capsys.readouterr().err
    check_single_sign_on(Settings(data_dir=tmp_path, **provider.settings()))  # type: ignore[arg-type]


def test_a_provider_out_of_reach_sends_the_browser_back_with_a_reason(tmp_path: Path) -> None:
    away = f"http://127.0.0.1:{free_port()}"
    settings = {"oidc_issuer": away, "oidc_client_id": "icabinet", "oidc_client_secret": "not-used-here"}
    with build_app(tmp_path / "data", **settings) as world:
        back = world.http.get("/api/auth/oidc/start", params={"next": "/console"}, follow_redirects=False)
        assert back.status_code == 303
        assert back.headers["location"] == "/console?sso_error=unavailable"
        assert "icabinet_oidc" not in back.cookies


def test_the_authorization_code_is_masked_in_the_access_log() -> None:
    line = ("127.0.0.1:5000", "GET", "/api/auth/oidc/callback?code=the-code-itself&state=s", "1.1", 303)
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d', line, None)
    RedactTokens().filter(record)
    assert "the-code-itself" not in record.getMessage() and "code=[redacted]" in record.getMessage()
