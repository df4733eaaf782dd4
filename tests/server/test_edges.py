"""The edges: input no route can use gets a clear 400/404 and changes nothing; every response carries the
hardening headers. Run on PostgreSQL too: ICABINET_TEST_DATABASE_URL=postgresql+asyncpg://root@127.0.0.1:5432/test
(NUL characters and ids beyond 32 bits are what asyncpg refuses)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.conftest import PASSWORD, App, build_app

HUGE_IDS = [2**31, 2**63 + 5, 10**30]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    with build_app(tmp_path_factory.mktemp("edges"), cookie_secure=True) as world:
        yield world


@pytest.fixture(scope="module")
def meeting(app: App) -> tuple[int, list[int]]:
    return app.new_meeting()


def assert_json_error(response: object, status: int) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.json()["status_code"] == status and response.json()["detail"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("huge", HUGE_IDS)
@pytest.mark.parametrize(
    "path",
    [
        "/api/meetings/{huge}",
        "/api/meetings/{huge}/agenda",
        "/api/meetings/{meeting}/agenda/{huge}",
        "/api/documents/{huge}",
        "/projector/{huge}",
    ],
)
def test_ids_beyond_the_integer_range_are_not_found(
    app: App, meeting: tuple[int, list[int]], path: str, huge: int
) -> None:
    response = app.users["sec"].request("GET", path.format(huge=huge, meeting=meeting[0]))
    assert response.status_code in (404, 405), response.text
    if response.status_code == 404:
        assert_json_error(response, 404)


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_numbers_beyond_the_integer_range_in_a_body_or_query_are_refused(
    app: App, meeting: tuple[int, list[int]], huge: int
) -> None:
    meeting_id, _ = meeting
    before = app.snapshot(meeting_id)
    added = app.users["sec"].request(
        "POST", f"/api/meetings/{meeting_id}/participants", json={"user_id": huge, "role": "delegate"}
    )
    assert added.status_code in (400, 404), added.text
    assert_json_error(added, added.status_code)
    audit = app.users["root"].request("GET", "/api/audit", params={"meeting_id": huge})
    assert audit.status_code in (200, 400), audit.text
    assert app.snapshot(meeting_id)["state"] == before["state"]


def test_nul_characters_are_refused_everywhere(app: App, meeting: tuple[int, list[int]]) -> None:
    meeting_id, items = meeting
    sec = app.users["sec"]
    before = app.snapshot(meeting_id)
    assert_json_error(sec.request("POST", f"/api/meetings/{meeting_id}/agenda", json={"title": "Khai\x00mạc"}), 400)
    assert_json_error(sec.request("PATCH", f"/api/meetings/{meeting_id}", json={"title": "\x00"}), 400)
    assert_json_error(sec.request("POST", "/api/meetings", json={"title": "Họp", "location": "a\x00b"}), 400)
    assert_json_error(app.users["root"].request("GET", "/api/audit", params={"action": "auth\x00login"}), 400)
    assert app.snapshot(meeting_id)["state"] == before["state"]
    # an escaped backslash before u0000 is the text "\u0000", not a NUL: accepted
    literal = sec.request(
        "POST",
        f"/api/meetings/{meeting_id}/agenda",
        content=b'{"title": "C:\\\\u0000 path"}',
        headers={"Content-Type": "application/json"},
    )
    assert literal.status_code == 201 and literal.json()["title"] == "C:\\u0000 path"


@pytest.mark.parametrize(
    "payload", [{"username": "del1\x00", "password": PASSWORD}, {"username": "del1", "password": "x\x00y"}]
)
def test_a_nul_in_a_login_is_a_bad_request(app: App, payload: dict[str, str]) -> None:
    app.http.cookies.clear()
    assert_json_error(app.http.post("/api/auth/login", json=payload), 400)


def test_a_nul_in_a_form_field_is_refused(app: App, meeting: tuple[int, list[int]]) -> None:
    meeting_id, _ = meeting
    pdf = (Path(__file__).parents[1] / "fixtures").glob("*.pdf")
    sample = next(pdf, None)
    if sample is None:
        pytest.skip("no PDF fixture")
    response = app.users["sec"].request(
        "POST",
        f"/api/meetings/{meeting_id}/documents",
        files={"file": (sample.name, sample.read_bytes(), "application/pdf")},
        data={"title": "Báo\x00cáo"},
    )
    assert_json_error(response, 400)


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_is_a_bad_request(
    app: App, meeting: tuple[int, list[int]], depth: int, content_type: str
) -> None:
    meeting_id, _ = meeting
    for body in ("[" * depth + "]" * depth, '{"title": ' + '{"a": ' * depth + "1" + "}" * depth + "}"):
        response = app.users["sec"].request(
            "POST",
            f"/api/meetings/{meeting_id}/agenda",
            content=body.encode(),
            headers={"Content-Type": content_type},
        )
        assert_json_error(response, 400)


def test_pages_carry_a_policy_without_inline_scripts_and_every_response_the_hardening_headers(app: App) -> None:
    http = app.http
    for path, frame in (("/", "'none'"), ("/console", "'none'"), ("/projector/1", "'self'"), ("/schema", "'none'")):
        response = http.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        policy = response.headers["content-security-policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'" and "'unsafe-inline'" not in policy and "unsafe-eval" not in policy
        assert directives["frame-ancestors"] == frame
        assert directives["object-src"] == "'none'"
    for path in ("/", "/health", "/api/me", "/static/js/tablet.js", "/nowhere"):
        response = http.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["strict-transport-security"] == "max-age=31536000"  # the cookie is secure here


def test_no_hsts_without_a_secure_cookie(tmp_path: Path) -> None:
    with build_app(tmp_path) as world:
        response = world.http.get("/")
        assert "strict-transport-security" not in response.headers
        assert response.headers["x-content-type-options"] == "nosniff"


def test_the_api_page_loads_its_scripts_from_the_server(app: App) -> None:
    page = app.http.get("/schema/swagger").text
    assert "<script>" not in page and "<style>" not in page and "cdn" not in page.lower()
    scripts = [part.split('"', 1)[0] for part in page.split('src="')[1:]] + [
        part.split('"', 1)[0] for part in page.split('href="')[1:]
    ]
    assert scripts and all(url.startswith("/schema/assets/") for url in scripts)
    for url in scripts:
        assert app.http.get(url).status_code == 200, url
