"""Directory login against a real OpenLDAP (Debian's slapd, StartTLS under a CA made by the fixture), over HTTP.

Who is in which group: ``tests/support/slapd.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import PASSWORD, App, build_app
from tests.support.server import free_port, run_cli
from tests.support.slapd import ADMIN_DN, ADMIN_PASSWORD, SLAPD, Directory, group_dn, password_of, running_slapd

pytestmark = pytest.mark.skipif(not SLAPD.exists(), reason="Debian's slapd is not installed (make system-deps)")


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Directory]:
    with running_slapd(tmp_path_factory.mktemp("slapd")) as running:
        yield running


@pytest.fixture(scope="module")
def app(directory: Directory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    with build_app(tmp_path_factory.mktemp("data"), **directory.settings()) as world:
        yield world


def login(app: App, username: str, password: str) -> Any:
    app.http.cookies.clear()
    return app.http.post("/api/auth/login", json={"username": username, "password": password})


def audit(app: App, action: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = app.users["root"].ok("GET", "/api/audit", params={"action": action})
    return rows


@pytest.mark.parametrize(
    ("username", "role", "full_name", "unit"),
    [
        ("an.nguyen", "admin", "Nguyễn Văn An", "Văn phòng UBND"),
        ("binh.tran", "secretary", "Trần Thị Bình", "Sở Nội vụ"),
        ("giang.vo", "member", "Võ Hương Giang", "Văn phòng UBND"),
        ("chi.le", "member", "Lê Minh Chi", "Sở Tài chính"),  # in no mapped group: ICABINET_LDAP_UNMAPPED=member
    ],
)
def test_a_directory_user_signs_in_with_the_role_of_their_group(
    app: App, username: str, role: str, full_name: str, unit: str
) -> None:
    response = login(app, username, password_of(username))
    assert response.status_code == 200, response.text
    user = response.json()["user"]
    assert (user["username"], user["role"], user["full_name"], user["unit"], user["source"]) == (
        username,
        role,
        full_name,
        unit,
        "directory",
    )
    session = app.login(username, password_of(username))
    assert session.ok("GET", "/api/me")["role"] == role
    assert session.user["id"] == user["id"], "the second login reuses the local user"
    # the role counts: an administrator from the directory lists the users, a member may not
    assert session.request("GET", "/api/audit").status_code == (200 if role == "admin" else 403)


def test_the_name_is_matched_without_case(app: App) -> None:
    first = login(app, "binh.tran", password_of("binh.tran")).json()["user"]
    again = login(app, "Binh.Tran", password_of("binh.tran")).json()["user"]
    assert again["id"] == first["id"] and again["username"] == "binh.tran"


@pytest.mark.parametrize("username", ["dung.pham", "hoa.dang"])  # the disabled group; AD's userAccountControl
def test_a_disabled_directory_account_is_refused(app: App, username: str) -> None:
    response = login(app, username, password_of(username))
    assert response.status_code == 401, response.text
    assert "khoá" in response.json()["detail"] or "disabled" in response.json()["detail"]
    usernames = {user["username"] for user in app.users["root"].ok("GET", "/api/users")}
    assert username not in usernames
    failed = [row for row in audit(app, "auth.login_failed") if row["detail"]["username"] == username]
    assert failed and failed[0]["detail"]["reason"] == "disabled"


@pytest.mark.parametrize(
    ("username", "password"),
    [("an.nguyen", "not-the-password"), ("an.nguyen", password_of("binh.tran")), ("nobody.here", "whatever-pass")],
)
def test_a_wrong_password_or_an_unknown_name_is_refused(app: App, username: str, password: str) -> None:
    response = login(app, username, password)
    assert response.status_code == 401, response.text
    assert "token" not in response.json()
    assert password not in str(audit(app, "auth.login_failed"))


def test_a_filter_or_dn_in_the_name_finds_nobody(app: App) -> None:
    for username in ("*", "an.nguyen,ou=people", "an.nguyen)(uid=*"):
        assert login(app, username, password_of("an.nguyen")).status_code == 401, username


def test_the_local_administrator_still_signs_in(app: App) -> None:
    response = login(app, "root", PASSWORD)
    assert response.status_code == 200, response.text
    assert response.json()["user"]["source"] == "local"
    assert login(app, "root", "not-the-password").status_code == 401


def test_a_locally_disabled_directory_user_stays_refused(app: App) -> None:
    user = login(app, "giang.vo", password_of("giang.vo")).json()["user"]
    app.users["root"].ok("PATCH", f"/api/users/{user['id']}", json={"is_active": False})
    try:
        assert login(app, "giang.vo", password_of("giang.vo")).status_code == 401
    finally:
        app.users["root"].ok("PATCH", f"/api/users/{user['id']}", json={"is_active": True})


def test_a_group_change_in_the_directory_counts_at_the_next_login(app: App, directory: Directory) -> None:
    session = app.login("chi.le", password_of("chi.le"))
    assert session.ok("GET", "/api/me")["role"] == "member"
    directory.change_membership("icabinet-secretaries", "chi.le", add=True)
    try:
        assert login(app, "chi.le", password_of("chi.le")).json()["user"]["role"] == "secretary"
        assert session.ok("GET", "/api/me")["role"] == "secretary", "the session open before sees the new role"
    finally:
        directory.change_membership("icabinet-secretaries", "chi.le", add=False)
    assert login(app, "chi.le", password_of("chi.le")).json()["user"]["role"] == "member"


def test_a_name_changed_in_the_directory_reaches_the_meetings_at_the_next_login(app: App, directory: Directory) -> None:
    first = login(app, "binh.tran", password_of("binh.tran")).json()["user"]
    sec = app.users["sec"]
    meeting_id, _ = app.new_meeting()
    sec.ok("POST", f"/api/meetings/{meeting_id}/participants", json={"username": "binh.tran", "role": "delegate"})
    before = app.snapshot(meeting_id)["seq"]
    directory.rename("binh.tran", "Trần Thị Bình Minh")
    try:
        assert login(app, "binh.tran", password_of("binh.tran")).json()["user"]["full_name"] == "Trần Thị Bình Minh"
        after = app.snapshot(meeting_id)
        # an event of the meeting: tablets connected hear of it, and a snapshot cached at the old seq is not served
        assert after["seq"] == before + 1
        names = {p["user_id"]: p["full_name"] for p in after["state"]["participants"]}
        assert names[first["id"]] == "Trần Thị Bình Minh"
    finally:
        directory.rename("binh.tran", "Trần Thị Bình")
        login(app, "binh.tran", password_of("binh.tran"))


def test_an_account_switched_off_in_the_directory_loses_its_open_sessions(app: App, directory: Directory) -> None:
    session = app.login("giang.vo", password_of("giang.vo"))
    assert session.request("GET", "/api/me").status_code == 200
    directory.change_membership("disabled", "giang.vo", add=True)
    try:
        assert login(app, "giang.vo", password_of("giang.vo")).status_code == 401
        assert session.request("GET", "/api/me").status_code == 401
    finally:
        directory.change_membership("disabled", "giang.vo", add=False)
    assert login(app, "giang.vo", password_of("giang.vo")).status_code == 200, "switched on again: signs in"


def test_a_local_account_is_never_taken_over_by_the_directory(app: App) -> None:
    """``Root`` is not the directory's: the local account ``root`` keeps its own password and stays local."""
    assert login(app, "ROOT", PASSWORD).status_code == 401
    assert login(app, "root", PASSWORD).json()["user"]["source"] == "local"


def test_unmapped_users_may_be_refused_and_an_unreachable_directory_answers_503(
    directory: Directory, tmp_path: Path
) -> None:
    with build_app(tmp_path / "refuse", **directory.settings(ldap_unmapped="refuse")) as world:
        assert login(world, "chi.le", password_of("chi.le")).status_code == 401
        assert login(world, "binh.tran", password_of("binh.tran")).status_code == 200
        reasons = [row["detail"]["reason"] for row in audit(world, "auth.login_failed")]
        assert "no_role" in reasons
    closed = f"ldap://127.0.0.1:{free_port()}"
    with build_app(tmp_path / "closed", **directory.settings(ldap_url=closed, ldap_timeout_seconds=5)) as world:
        assert login(world, "binh.tran", password_of("binh.tran")).status_code == 503
        assert login(world, "root", PASSWORD).status_code == 200


def test_a_service_account_finds_the_user_when_dns_follow_no_template(directory: Directory, tmp_path: Path) -> None:
    search = directory.settings(
        ldap_search_base="dc=example,dc=org",
        ldap_user_filter="(&(objectClass=inetOrgPerson)(uid={username}))",
        ldap_bind_dn=ADMIN_DN,
        ldap_bind_password=ADMIN_PASSWORD,
    )
    del search["ldap_user_dn_template"]
    with build_app(tmp_path / "search", **search) as world:
        user = login(world, "an.nguyen", password_of("an.nguyen")).json()["user"]
        assert (user["role"], user["full_name"]) == ("admin", "Nguyễn Văn An")
        assert login(world, "an.nguyen", "not-the-password").status_code == 401
        assert login(world, "*", password_of("an.nguyen")).status_code == 401


def test_groups_may_come_from_the_persons_member_of(directory: Directory, tmp_path: Path) -> None:
    """No group search: the groups are the person's ``memberOf`` (Active Directory's way; slapd's memberof
    overlay here), matched to the settings' DNs whatever their case and spacing."""
    settings = directory.settings(
        ldap_role_groups={"CN=icabinet-admins, OU=groups, DC=example, DC=org": "admin"},
        ldap_disabled_group="cn=Disabled, ou=groups, dc=example, dc=org",
    )
    del settings["ldap_group_search_base"]
    with build_app(tmp_path / "memberof", **settings) as world:
        assert login(world, "an.nguyen", password_of("an.nguyen")).json()["user"]["role"] == "admin"
        assert login(world, "binh.tran", password_of("binh.tran")).json()["user"]["role"] == "member"
        assert login(world, "dung.pham", password_of("dung.pham")).status_code == 401


def test_ldaps_works_and_a_certificate_for_another_name_is_refused(directory: Directory, tmp_path: Path) -> None:
    ldaps = directory.settings(ldap_url=directory.ldaps_url)
    del ldaps["ldap_start_tls"]  # TLS from the first byte: StartTLS does not apply
    with build_app(tmp_path / "ldaps", **ldaps) as world:
        assert login(world, "binh.tran", password_of("binh.tran")).json()["user"]["role"] == "secretary"
    with build_app(tmp_path / "name", **directory.settings(ldap_url=directory.wrong_name_url)) as world:
        # the certificate chains to the right CA but names localhost and 127.0.0.1, not 127.0.0.2
        assert login(world, "binh.tran", password_of("binh.tran")).status_code == 503


def _serve_error(tmp_path: Path, **settings: str) -> str:
    result = run_cli(tmp_path / "cli", "serve", "--port", str(free_port()), **settings)
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_wrong_directory_settings_stop_the_server_with_one_clear_line(directory: Directory, tmp_path: Path) -> None:
    env = directory.env()
    no_template = {key: value for key, value in env.items() if key != "ldap_user_dn_template"}
    assert "ICABINET_LDAP_USER_DN_TEMPLATE" in _serve_error(tmp_path, **no_template)
    assert "{username}" in _serve_error(tmp_path, **(env | {"ldap_user_dn_template": "cn=x," + group_dn("staff")}))
    assert "LDAP_URL" in _serve_error(tmp_path, **(env | {"ldap_url": "http://127.0.0.1"}))
    # the directory refuses the service account; its password is not repeated
    search = {key: value for key, value in env.items() if key != "ldap_user_dn_template"} | {
        "ldap_search_base": "ou=people,dc=example,dc=org",
        "ldap_bind_dn": "cn=admin,dc=example,dc=org",
        "ldap_bind_password": "wrong-service-secret",
    }
    line = _serve_error(tmp_path, **search)
    assert "ICABINET_LDAP_BIND_DN" in line and "wrong-service-secret" not in line
    # a certificate that does not chain to the configured CA
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_text(Path("/etc/ssl/certs/ca-certificates.crt").read_text())
    line = _serve_error(tmp_path, **(env | {"ldap_ca_file": str(other_ca)}))
    assert "TLS" in line
    assert "TLS" in _serve_error(tmp_path, **(env | {"ldap_url": directory.wrong_name_url}))
    assert "LDAP_START_TLS" in _serve_error(tmp_path, **(env | {"ldap_url": directory.ldaps_url}))
