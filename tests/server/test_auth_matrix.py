"""Every route × every kind of caller: allowed, forbidden, unauthenticated, and nothing changes when refused.

The table must name every route of the OpenAPI schema; a new route without a
row fails ``test_matrix_covers_every_route``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
from docx import Document as read_docx
from litestar.exceptions import WebSocketDisconnect
from pypdf import PdfReader

from tests.server.conftest import PASSWORD, App, unique
from tests.support import pdfs, speech

ROLES = ("anon", "outsider", "sec2", "guest", "del1", "chair", "sec", "root")
PARTICIPANTS = {"guest", "del1", "chair", "sec"}
EVERYONE = set(ROLES) - {"anon"}
VIEWERS = PARTICIPANTS | {"root"}
MANAGERS = {"chair", "sec", "root"}
STAFF = {"sec", "sec2", "root"}


@dataclass
class Case:
    """What one call needs: ids filled into the path, and a body."""

    meeting_id: int = 0
    item_id: int = 0
    participant_id: int = 0
    user_id: int = 0
    reorder: list[int] = field(default_factory=list)
    document_id: int = 0
    request_id: int = 0  # a speaker request by del1
    opinion_request_id: int = 0
    task_id: int = 0  # a task assigned to del1
    poll_id: int = 0
    option_id: int = 0  # the poll's "yes"
    transcript_id: int = 0
    turn_id: int = 0  # the transcript's first turn
    speaker_user_id: int = 0  # del1, whom a turn is reassigned to
    recording_id: int = 0
    number: int = 1  # a minutes version
    minutes_content: dict[str, Any] = field(default_factory=dict)
    ticket: str = ""  # a login's second-factor ticket
    code: str = ""  # and a code that completes it


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    allowed: set[str]
    meeting_scoped: bool = True
    live: bool = False
    body: Callable[[Case], Any] | None = None
    upload: bool = False  # send a small PDF as multipart instead of a JSON body
    params: Callable[[Case], dict[str, Any]] | None = None  # query string
    setup: Callable[[App, Case], None] | None = None  # what must exist before the call (fills the case)
    refused: tuple[tuple[str, int], ...] = ()  # roles refused with another status than the usual one
    files: dict[str, Any] | None = None  # multipart files other than the small PDF
    content: bytes | None = None  # a raw body (application/octet-stream)


def _speaker_request(app: App, case: Case) -> None:
    request = app.users["del1"].ok("POST", f"/api/meetings/{case.meeting_id}/speakers", json={})
    case.request_id = request["id"]


def _speaking(app: App, case: Case) -> None:
    _speaker_request(app, case)
    app.users["sec"].ok("POST", f"/api/meetings/{case.meeting_id}/speakers/{case.request_id}/start")


def _opinion_request(app: App, case: Case) -> None:
    body = {"agenda_item_id": case.item_id, "question": "Ý kiến về dự thảo?"}
    case.opinion_request_id = app.users["sec"].ok(
        "POST", f"/api/meetings/{case.meeting_id}/opinion-requests", json=body
    )["id"]


def _task(app: App, case: Case) -> None:
    body = {"title": "Báo cáo tiến độ", "assignee_id": app.users["del1"].user["id"], "deadline": "2030-01-31"}
    case.task_id = app.users["sec"].ok("POST", f"/api/meetings/{case.meeting_id}/tasks", json=body)["id"]


def _draft_poll(app: App, case: Case) -> None:
    poll = app.users["sec"].ok("POST", f"/api/meetings/{case.meeting_id}/polls", json={"title": "Thông qua tờ trình"})
    case.poll_id, case.option_id = poll["id"], poll["options"][0]["id"]


def _quorate_poll(app: App, case: Case) -> None:
    """A draft poll in a meeting with quorum: chair, secretary and delegate checked in."""
    for username in ("chair", "sec", "del1"):
        app.users[username].ok("POST", f"/api/meetings/{case.meeting_id}/checkin")
    _draft_poll(app, case)


def _open_poll(app: App, case: Case) -> None:
    _quorate_poll(app, case)
    app.users["sec"].ok("POST", f"/api/polls/{case.poll_id}/open")


TRANSCRIPT = {"file": ("hop.txt", "Chủ tọa: Khai mạc.\nThư ký: Đủ số lượng.\n".encode(), "text/plain")}
TRANSCRIPT_READERS = VIEWERS - {"guest"}


def _transcript(app: App, case: Case) -> None:
    path = f"/api/meetings/{case.meeting_id}/transcripts"
    case.transcript_id = app.users["sec"].ok("POST", path, files=TRANSCRIPT)["id"]


def _turn(app: App, case: Case) -> None:
    _transcript(app, case)
    path = f"/api/meetings/{case.meeting_id}/transcripts/{case.transcript_id}"
    case.turn_id = app.users["sec"].ok("GET", path)["turns"][0]["id"]
    case.speaker_user_id = app.users["del1"].user["id"]


RECORDING = {"file": ("phong-hop.wav", speech.silence_wav(), "audio/wav")}
RECORDING_UPLOADERS = {"sec", "root"}  # the meeting's secretary and an administrator, not the chair


def _recording(app: App, case: Case) -> None:
    """A recording transcribed to the end, so no event of it lands between a test's two snapshots."""
    path = f"/api/meetings/{case.meeting_id}/recordings"
    case.recording_id = app.users["sec"].ok("POST", path, files=RECORDING)["id"]
    speech.wait_transcribed(app.users["sec"], case.meeting_id, case.recording_id)


@functools.cache
def _spoken_sentence() -> bytes:
    """One sentence of espeak-ng speech as a WAV, made once for the matrix."""
    with tempfile.TemporaryDirectory() as folder:
        return speech.conversation(Path(folder), speech.SENTENCES[:1], name="cau-noi.wav").path.read_bytes()


def _recorded_turn(app: App, case: Case) -> None:
    """A recording of one spoken sentence, transcribed: its transcript and first turn (which has sound)."""
    path = f"/api/meetings/{case.meeting_id}/recordings"
    files = {"file": ("cau-noi.wav", _spoken_sentence(), "audio/wav")}
    recording_id = app.users["sec"].ok("POST", path, files=files)["id"]
    case.transcript_id = speech.wait_transcribed(app.users["sec"], case.meeting_id, recording_id)["transcript_id"]
    detail = app.users["sec"].ok("GET", f"/api/meetings/{case.meeting_id}/transcripts/{case.transcript_id}")
    case.turn_id = detail["turns"][0]["id"]


def _live_recording(app: App, case: Case) -> None:
    path = f"/api/meetings/{case.meeting_id}/recordings/live"
    case.recording_id = app.users["sec"].ok("POST", path, json={})["id"]


def _minutes(app: App, case: Case) -> None:
    minutes = app.users["sec"].ok("POST", f"/api/meetings/{case.meeting_id}/minutes/draft", json={})
    case.minutes_content = minutes["content"]


def _closed_minutes(app: App, case: Case) -> None:
    app.users["sec"].ok("POST", f"/api/meetings/{case.meeting_id}/start")
    app.users["sec"].ok("POST", f"/api/meetings/{case.meeting_id}/close")
    _minutes(app, case)


def _approved_minutes(app: App, case: Case) -> None:
    _closed_minutes(app, case)
    app.users["chair"].ok("POST", f"/api/meetings/{case.meeting_id}/minutes/approve", json={"base_version": 1})


def _second_factor_ticket(app: App, case: Case) -> None:
    """A fresh user with a second factor, past the password step: the ticket, and one of their recovery codes."""
    username = unique("tfa")
    app.users["root"].ok("POST", "/api/users", json={"username": username, "password": PASSWORD})
    client = app.login(username)
    secret = client.ok("POST", "/api/auth/second-factor/enrolment", json={})["secret"]
    codes = client.ok("POST", "/api/auth/second-factor/confirm", json={"code": pyotp.TOTP(secret).now()})
    app.http.cookies.clear()
    step = app.http.post("/api/auth/login", json={"username": username, "password": PASSWORD}).json()
    case.ticket, case.code = step["ticket"], codes["recovery_codes"][0]


def _enrolments_waiting(app: App, case: Case) -> None:
    """Every role's user has an enrolment waiting for its first code."""
    for role in EVERYONE:
        app.users[role].ok("POST", "/api/auth/second-factor/enrolment", json={})


NOT_SET_UP = tuple((role, 404) for role in ROLES)  # a route of a feature this installation does not use
DRAFT_READERS_ONLY = (("del1", 404), ("guest", 404))  # a draft is the chair's and secretary's: others see none


def _participant_of(app: App, meeting_id: int, username: str) -> int:
    people = app.users["root"].ok("GET", f"/api/meetings/{meeting_id}/participants")
    return next(p["id"] for p in people if p["username"] == username)


ROUTES = [
    Route("GET", "/health", set(ROLES), meeting_scoped=False),
    Route(
        "POST",
        "/api/auth/login",
        set(ROLES),
        meeting_scoped=False,
        body=lambda c: {"username": "del1", "password": PASSWORD},
    ),
    Route("POST", "/api/auth/logout", EVERYONE, meeting_scoped=False),
    Route(
        "POST",
        "/api/auth/login/second-factor",
        set(ROLES),  # whoever holds the ticket and a code: the session is the ticket's user's
        meeting_scoped=False,
        setup=_second_factor_ticket,
        body=lambda c: {"ticket": c.ticket, "code": c.code},
    ),
    # single sign-on: the matrix's app has none set up, so its routes answer 404 to everyone (the flow itself,
    # with a real provider, is tests/server/test_single_sign_on.py's)
    Route("GET", "/api/auth/methods", set(ROLES), meeting_scoped=False),
    Route("GET", "/api/auth/oidc/start", set(), meeting_scoped=False, refused=NOT_SET_UP),
    Route("GET", "/api/auth/oidc/callback", set(), meeting_scoped=False, refused=NOT_SET_UP),
    Route("POST", "/api/auth/oidc/finish", set(), meeting_scoped=False, refused=NOT_SET_UP),
    Route("GET", "/api/auth/second-factor", EVERYONE, meeting_scoped=False),
    Route("POST", "/api/auth/second-factor/enrolment", EVERYONE, meeting_scoped=False, body=lambda c: {}),
    Route(
        # a code that is no code: each caller reaches their own waiting enrolment and is told so (the right code
        # is tests/server/test_second_factor.py's)
        "POST",
        "/api/auth/second-factor/confirm",
        set(),
        meeting_scoped=False,
        setup=_enrolments_waiting,
        body=lambda c: {"code": "not-a-code"},
        refused=tuple((role, 400) for role in sorted(EVERYONE)),
    ),
    Route("DELETE", "/api/users/{user_id}/second-factor", {"root"}, meeting_scoped=False),
    Route("GET", "/api/me", EVERYONE, meeting_scoped=False),
    Route("GET", "/api/users", STAFF, meeting_scoped=False),
    Route(
        "POST",
        "/api/users",
        STAFF,
        meeting_scoped=False,
        body=lambda c: {"username": unique("u"), "password": PASSWORD, "role": "member"},
    ),
    Route("PATCH", "/api/users/{user_id}", {"root"}, meeting_scoped=False, body=lambda c: {"full_name": "Đổi tên"}),
    Route("GET", "/api/meetings", EVERYONE, meeting_scoped=False),
    Route("POST", "/api/meetings", STAFF, meeting_scoped=False, body=lambda c: {"title": "Họp mới"}),
    Route("GET", "/api/meetings/{meeting_id}", VIEWERS),
    Route("PATCH", "/api/meetings/{meeting_id}", MANAGERS, body=lambda c: {"location": "Phòng 2"}),
    Route("DELETE", "/api/meetings/{meeting_id}", MANAGERS),
    Route("POST", "/api/meetings/{meeting_id}/start", MANAGERS),
    Route("POST", "/api/meetings/{meeting_id}/close", MANAGERS, live=True),
    Route("GET", "/api/meetings/{meeting_id}/snapshot", VIEWERS),
    Route("GET", "/api/meetings/{meeting_id}/participants", VIEWERS),
    Route(
        "POST",
        "/api/meetings/{meeting_id}/participants",
        MANAGERS,
        body=lambda c: {"username": "outsider", "role": "delegate"},
    ),
    Route(
        "PATCH",
        "/api/meetings/{meeting_id}/participants/{participant_id}",
        MANAGERS,
        body=lambda c: {"attendance": "excused"},
    ),
    Route("DELETE", "/api/meetings/{meeting_id}/participants/{participant_id}", MANAGERS),
    Route("POST", "/api/meetings/{meeting_id}/checkin", PARTICIPANTS),
    Route("GET", "/api/meetings/{meeting_id}/agenda", VIEWERS),
    Route("POST", "/api/meetings/{meeting_id}/agenda", MANAGERS, body=lambda c: {"title": "Mục mới"}),
    Route(
        "POST",
        "/api/meetings/{meeting_id}/agenda/reorder",
        MANAGERS,
        body=lambda c: {"parent_id": None, "item_ids": c.reorder},
    ),
    Route(
        "PATCH", "/api/meetings/{meeting_id}/agenda/{item_id}", MANAGERS, body=lambda c: {"presenter": "Sở Tài chính"}
    ),
    Route("DELETE", "/api/meetings/{meeting_id}/agenda/{item_id}", MANAGERS),
    Route("POST", "/api/meetings/{meeting_id}/agenda/{item_id}/current", MANAGERS, live=True),
    Route("GET", "/api/audit", {"root"}, meeting_scoped=False),
    Route("POST", "/api/meetings/{meeting_id}/documents", MANAGERS, upload=True),
    Route("GET", "/api/meetings/{meeting_id}/documents", VIEWERS),
    Route("GET", "/api/documents/{document_id}", VIEWERS),
    Route("PATCH", "/api/documents/{document_id}", MANAGERS, body=lambda c: {"title": "Tên mới"}),
    Route("DELETE", "/api/documents/{document_id}", MANAGERS),
    Route("POST", "/api/documents/{document_id}/versions", MANAGERS, upload=True),
    Route("GET", "/api/documents/{document_id}/pages/{page}", VIEWERS),
    Route("GET", "/api/documents/{document_id}/text", VIEWERS),
    Route("GET", "/api/documents/{document_id}/file", VIEWERS),
    Route("POST", "/api/meetings/{meeting_id}/present", MANAGERS, body=lambda c: {"document_id": c.document_id}),
    Route(
        "POST",
        "/api/assistant/ask",
        VIEWERS,
        body=lambda c: {"question": "Báo cáo ngắn nói gì?", "meeting_id": c.meeting_id},
    ),
    Route("GET", "/api/assistant/history", EVERYONE, meeting_scoped=False),
    Route("GET", "/api/search", VIEWERS, params=lambda c: {"q": "báo cáo", "meeting_id": c.meeting_id}),
    Route("GET", "/api/documents/{document_id}/summary", VIEWERS),
    Route("GET", "/api/meetings/{meeting_id}/speakers", VIEWERS),
    Route("POST", "/api/meetings/{meeting_id}/speakers", {"del1", "chair", "sec"}, body=lambda c: {}),
    Route(
        "POST",
        "/api/meetings/{meeting_id}/speakers/reorder",
        MANAGERS,
        setup=_speaker_request,
        body=lambda c: {"request_ids": [c.request_id]},
    ),
    Route("DELETE", "/api/meetings/{meeting_id}/speakers/{request_id}", MANAGERS | {"del1"}, setup=_speaker_request),
    Route(
        "POST", "/api/meetings/{meeting_id}/speakers/{request_id}/start", MANAGERS, live=True, setup=_speaker_request
    ),
    Route(
        "POST", "/api/meetings/{meeting_id}/speakers/{request_id}/end", MANAGERS | {"del1"}, live=True, setup=_speaking
    ),
    Route("GET", "/api/meetings/{meeting_id}/opinions", VIEWERS),
    Route(
        "PUT",
        "/api/meetings/{meeting_id}/opinions",
        {"del1", "chair", "sec"},
        body=lambda c: {"agenda_item_id": c.item_id, "stance": "agree"},
    ),
    Route("GET", "/api/meetings/{meeting_id}/opinions/summary", MANAGERS),
    Route(
        "POST",
        "/api/meetings/{meeting_id}/opinion-requests",
        MANAGERS,
        body=lambda c: {"agenda_item_id": c.item_id, "deadline": "2030-01-01T17:00:00+07:00"},
    ),
    Route(
        "PATCH",
        "/api/meetings/{meeting_id}/opinion-requests/{opinion_request_id}",
        MANAGERS,
        setup=_opinion_request,
        body=lambda c: {"question": "Câu hỏi mới"},
    ),
    Route("GET", "/api/documents/{document_id}/notes", VIEWERS),
    Route("PUT", "/api/documents/{document_id}/notes/{page}", VIEWERS, body=lambda c: {"text": "Ghi chú riêng"}),
    Route("GET", "/api/meetings/{meeting_id}/conclusions", VIEWERS),
    Route(
        "PUT",
        "/api/meetings/{meeting_id}/agenda/{item_id}/conclusion",
        MANAGERS,
        body=lambda c: {"text": "Thống nhất thông qua"},
    ),
    Route("GET", "/api/tasks", EVERYONE, meeting_scoped=False),
    Route("GET", "/api/meetings/{meeting_id}/tasks", VIEWERS),
    Route(
        "POST",
        "/api/meetings/{meeting_id}/tasks",
        MANAGERS,
        body=lambda c: {"title": "Rà soát đề án", "assigned_unit": "Sở Nội vụ", "deadline": "2030-03-01"},
    ),
    # staff see every task (so a secretary of another meeting gets 403, not 404); the assignee sets the status
    Route(
        "PATCH",
        "/api/tasks/{task_id}",
        MANAGERS | {"del1"},
        setup=_task,
        body=lambda c: {"status": "in_progress"},
        refused=(("sec2", 403),),
    ),
    Route("DELETE", "/api/tasks/{task_id}", MANAGERS, setup=_task, refused=(("sec2", 403),)),
    Route("POST", "/api/meetings/{meeting_id}/transcripts", MANAGERS, files=TRANSCRIPT),
    Route("GET", "/api/meetings/{meeting_id}/transcripts", TRANSCRIPT_READERS),
    Route("GET", "/api/meetings/{meeting_id}/transcripts/{transcript_id}", TRANSCRIPT_READERS, setup=_transcript),
    Route("DELETE", "/api/meetings/{meeting_id}/transcripts/{transcript_id}", MANAGERS, setup=_transcript),
    Route(
        "PATCH",
        "/api/meetings/{meeting_id}/transcripts/{transcript_id}/turns/{turn_id}",
        RECORDING_UPLOADERS,
        setup=_turn,
        body=lambda c: {"speaker_user_id": c.speaker_user_id, "text": "Tôi đề nghị lấy ý kiến nhân dân."},
    ),
    Route(
        "GET",
        "/api/meetings/{meeting_id}/transcripts/{transcript_id}/turns/{turn_id}/revisions",
        TRANSCRIPT_READERS,
        setup=_turn,
    ),
    Route(
        "GET",
        "/api/meetings/{meeting_id}/transcripts/{transcript_id}/turns/{turn_id}/audio",
        TRANSCRIPT_READERS,
        setup=_recorded_turn,
    ),
    Route("POST", "/api/meetings/{meeting_id}/recordings", RECORDING_UPLOADERS, files=RECORDING),
    Route("GET", "/api/meetings/{meeting_id}/recordings", TRANSCRIPT_READERS, setup=_recording),
    Route("POST", "/api/meetings/{meeting_id}/recordings/live", RECORDING_UPLOADERS, body=lambda c: {}),
    Route(
        "POST",
        "/api/meetings/{meeting_id}/recordings/{recording_id}/audio",
        RECORDING_UPLOADERS,
        setup=_live_recording,
        content=bytes(3200),  # 0.1 s of silence
    ),
    Route(
        "POST", "/api/meetings/{meeting_id}/recordings/{recording_id}/stop", RECORDING_UPLOADERS, setup=_live_recording
    ),
    Route("GET", "/api/meetings/{meeting_id}/recordings/{recording_id}", TRANSCRIPT_READERS, setup=_recording),
    Route("POST", "/api/meetings/{meeting_id}/minutes/draft", MANAGERS, body=lambda c: {}),
    Route("GET", "/api/meetings/{meeting_id}/minutes", MANAGERS, setup=_minutes, refused=DRAFT_READERS_ONLY),
    Route(
        "PUT",
        "/api/meetings/{meeting_id}/minutes",
        MANAGERS,
        setup=_minutes,
        body=lambda c: {"base_version": 1, "content": c.minutes_content},
    ),
    Route("GET", "/api/meetings/{meeting_id}/minutes/versions", MANAGERS, setup=_minutes),
    Route("GET", "/api/meetings/{meeting_id}/minutes/versions/{number}", MANAGERS, setup=_minutes),
    Route("GET", "/api/meetings/{meeting_id}/minutes.docx", MANAGERS, setup=_minutes, refused=DRAFT_READERS_ONLY),
    Route("GET", "/api/meetings/{meeting_id}/minutes.pdf", VIEWERS, setup=_approved_minutes),
    Route(
        "POST",
        "/api/meetings/{meeting_id}/minutes/approve",
        {"chair"},
        setup=_closed_minutes,
        body=lambda c: {"base_version": 1},
    ),
    Route(
        "POST",
        "/api/meetings/{meeting_id}/minutes/reopen",
        {"chair"},
        setup=_approved_minutes,
        body=lambda c: {"reason": "Bổ sung ý kiến"},
    ),
    Route(
        # this app approves with the organisation's key (personal signatures off): the secretary and the chair
        # are told so; personal signing by role and turn: tests/server/test_minutes_signing.py
        "POST",
        "/api/meetings/{meeting_id}/minutes/sign",
        set(),
        setup=_approved_minutes,
        body=lambda c: {"pin": "123456"},
        refused=(("sec", 409), ("chair", 409)),
    ),
    Route("POST", "/api/minutes/verify", EVERYONE, meeting_scoped=False, upload=True),
    Route("GET", "/api/meetings/{meeting_id}/attendance", VIEWERS),
    Route("GET", "/api/meetings/{meeting_id}/polls", VIEWERS, setup=_draft_poll),
    Route("POST", "/api/meetings/{meeting_id}/polls", MANAGERS, body=lambda c: {"title": "Biểu quyết mới"}),
    Route("GET", "/api/polls/{poll_id}", VIEWERS, setup=_draft_poll),
    Route("PATCH", "/api/polls/{poll_id}", MANAGERS, setup=_draft_poll, body=lambda c: {"title": "Tên mới"}),
    Route("DELETE", "/api/polls/{poll_id}", MANAGERS, setup=_draft_poll),
    Route("POST", "/api/polls/{poll_id}/open", MANAGERS, live=True, setup=_quorate_poll),
    Route("POST", "/api/polls/{poll_id}/close", MANAGERS, live=True, setup=_open_poll),
    # present voting members only: the guest and an administrator who is not a participant get 403
    Route(
        "POST",
        "/api/polls/{poll_id}/ballot",
        {"del1", "chair", "sec"},
        live=True,
        setup=_open_poll,
        body=lambda c: {"option_id": c.option_id},
    ),
]


@functools.cache
def small_pdf() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "small.pdf"
        # enough letters to count as a text page: a shorter text would be queued for OCR, whose document.ocr
        # event could land between a test's two snapshots
        pdfs.text_pdf(path, ["Báo cáo ngắn về chuyển đổi số của thành phố"])
        return path.read_bytes()


def vectors_done(document: dict[str, Any]) -> bool:
    """Its meaning vectors are all there (or there is no model): its ``document.vectors`` event has gone out,
    so no event of it lands between a test's two snapshots."""
    vectors = document["vectors"]
    return vectors is None or bool(vectors["done"] == vectors["total"])


def public_document(app: App, meeting_id: int) -> int:
    """A ready and searchable public document in the meeting, uploaded by its secretary (nothing more is
    coming for it, so the meeting's snapshot stays as it is)."""
    sec = app.users["sec"]
    response = sec.request(
        "POST",
        f"/api/meetings/{meeting_id}/documents",
        data={"classification": "public"},
        files={"file": ("bao-cao.pdf", small_pdf(), "application/pdf")},
    )
    assert response.status_code == 202, response.text
    document_id: int = response.json()["id"]
    for _ in range(15000):  # the first document waits for the model to load
        document = sec.ok("GET", f"/api/documents/{document_id}")
        if document["status"] == "ready" and document["searchable"] and vectors_done(document):
            return document_id
        time.sleep(0.02)
    raise AssertionError("document not ready")


def expected_refusal(route: Route, role: str) -> int:
    if role in dict(route.refused):
        return dict(route.refused)[role]
    if role == "anon":
        return 401
    if route.meeting_scoped and role not in VIEWERS:
        return 404  # an outsider must not learn that the meeting exists
    if route.path.endswith("/checkin") and role == "root":
        return 400  # an administrator who is not a participant has nobody to check in
    return 403


def _client(app: App, role: str) -> Any:
    return app.anonymous() if role == "anon" else app.users[role]


def _prepared(app: App, route: Route, joins: str | None = None) -> tuple[int, str, dict[str, Any]]:
    """A fresh meeting (``joins`` added to it as a guest) with what ``route`` needs: its id, the path, the
    request's arguments."""
    meeting_id, items = app.new_meeting(live=route.live)
    if joins:
        body = {"username": joins, "role": "guest"}
        app.users["sec"].ok("POST", f"/api/meetings/{meeting_id}/participants", json=body)
    case = Case(meeting_id=meeting_id, item_id=items[0], participant_id=_participant_of(app, meeting_id, "guest"))
    case.reorder = list(reversed(items))  # type: ignore[attr-defined]
    case.user_id = app.users["root"].ok("POST", "/api/users", json={"username": unique("t"), "password": PASSWORD})[
        "id"
    ]
    if "document" in route.path or route.path.endswith("/present"):
        case.document_id = public_document(app, meeting_id)
    if route.setup:
        route.setup(app, case)
    path = route.path.format(page=1, **vars(case))
    kwargs: dict[str, Any] = {"json": route.body(case)} if route.body else {}
    if route.params:
        kwargs["params"] = route.params(case)
    if route.upload:
        kwargs["files"] = {"file": ("tai-lieu.pdf", small_pdf(), "application/pdf")}
    if route.files:
        kwargs["files"] = route.files
    if route.content is not None:
        kwargs["content"] = route.content
        kwargs["headers"] = {"Content-Type": "application/octet-stream"}
    return meeting_id, path, kwargs


def _check_refused(app: App, response: Any, status: int, meeting_id: int, before: Any, users_before: Any) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == response.status_code and body["detail"]
    assert app.snapshot(meeting_id) == before, "a refused request changed the meeting"
    assert app.users["root"].ok("GET", "/api/users") == users_before, "a refused request changed the users"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_by_role(app: App, route: Route, role: str) -> None:
    meeting_id, path, kwargs = _prepared(app, route)
    # logging out would end the shared session of this role
    client = app.login(role) if route.path.endswith("logout") and role != "anon" else _client(app, role)
    before = app.snapshot(meeting_id)
    users_before = app.users["root"].ok("GET", "/api/users")
    response = client.request(route.method, path, **kwargs)
    if role in route.allowed:
        assert response.status_code < 300, f"{role} {route.method} {path}: {response.status_code} {response.text}"
        return
    _check_refused(app, response, expected_refusal(route, role), meeting_id, before, users_before)


# -- the recorder: a room PC's account (system role ``recorder``) taking part in a meeting as a guest --

RECORDER_ROUTES = {
    ("POST", "/api/meetings/{meeting_id}/recordings"),
    ("POST", "/api/meetings/{meeting_id}/recordings/live"),
    ("POST", "/api/meetings/{meeting_id}/recordings/{recording_id}/audio"),
    ("POST", "/api/meetings/{meeting_id}/recordings/{recording_id}/stop"),
    ("GET", "/api/meetings/{meeting_id}/recordings"),  # their status, never their words
    ("GET", "/api/meetings/{meeting_id}/recordings/{recording_id}"),
}
# what a recorder must be checked on: recordings and transcripts, and running the meeting
RECORDER_CHECKED = [
    route
    for route in ROUTES
    if "/recordings" in route.path
    or "/transcripts" in route.path
    or (route.allowed == MANAGERS and route.method != "GET")
]


@pytest.fixture(scope="module")
def recorder(app: App) -> Any:
    app.users["root"].ok("POST", "/api/users", json={"username": "rec", "password": PASSWORD, "role": "recorder"})
    return app.login("rec")


@pytest.mark.parametrize("route", RECORDER_CHECKED, ids=lambda r: f"{r.method} {r.path}")
def test_a_recorder_records_the_meeting_but_neither_runs_it_nor_reads_its_words(
    app: App, recorder: Any, route: Route
) -> None:
    """The recorder may open, feed and stop a live capture, upload a recording and follow their status;
    otherwise it is the guest it takes part as: no transcript, no agenda, no floor, no vote."""
    meeting_id, path, kwargs = _prepared(app, route, joins="rec")
    before = app.snapshot(meeting_id)
    users_before = app.users["root"].ok("GET", "/api/users")
    response = recorder.request(route.method, path, **kwargs)
    if (route.method, route.path) in RECORDER_ROUTES or "guest" in route.allowed:
        assert response.status_code < 300, f"recorder {route.method} {path}: {response.status_code} {response.text}"
        return
    _check_refused(app, response, dict(route.refused).get("guest", 403), meeting_id, before, users_before)


def test_a_recorder_records_only_the_meetings_it_takes_part_in(app: App, recorder: Any) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    response = recorder.request("POST", f"/api/meetings/{meeting_id}/recordings/live", json={})
    assert response.status_code == 404  # it does not learn that the meeting exists
    app.users["sec"].ok("POST", f"/api/meetings/{meeting_id}/participants", json={"username": "rec", "role": "guest"})
    live = recorder.ok("POST", f"/api/meetings/{meeting_id}/recordings/live", json={})
    me = recorder.ok("GET", f"/api/meetings/{meeting_id}/snapshot")["state"]["me"]
    assert me["can_record"] and not me["can_manage"] and me["meeting_role"] == "guest"
    recorder.ok("POST", f"/api/meetings/{meeting_id}/recordings/{live['id']}/stop")


def test_private_notes_reach_nobody_else_through_any_route(app: App) -> None:
    """del1's note on a page: no other caller (not the secretary, not an administrator) reads it anywhere."""
    meeting_id, items = app.new_meeting(live=True)
    case = Case(meeting_id=meeting_id, item_id=items[0], participant_id=_participant_of(app, meeting_id, "guest"))
    case.document_id = public_document(app, meeting_id)
    case.user_id = app.users["del1"].user["id"]
    for setup in (_speaker_request, _opinion_request, _task):
        setup(app, case)
    marker = "PRIVATE-NOTE-" + unique("x")
    app.users["del1"].ok("PUT", f"/api/documents/{case.document_id}/notes/1", json={"text": marker})
    assert marker in app.users["del1"].request("GET", f"/api/documents/{case.document_id}/notes").text
    for route in ROUTES:
        if route.method != "GET":
            continue
        path = route.path.format(page=1, **vars(case))
        params = route.params(case) if route.params else None
        for role in set(ROLES) - {"del1"}:
            response = _client(app, role).request("GET", path, params=params)
            assert marker.encode() not in response.content, f"{role} read del1's note through GET {path}"


def test_matrix_covers_every_route(app: App) -> None:
    schema = app.anonymous().request("GET", "/schema/openapi.json").json()
    served = {
        (method.upper(), path.replace(":int", "").rstrip("/") or "/")
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "patch", "put", "delete")
    }
    covered = {(route.method, route.path) for route in ROUTES}
    assert served == covered, f"routes missing from the matrix: {served - covered}; stale rows: {covered - served}"


# -- the live feed: every kind of caller on every way into a meeting's feed --

WS_ROLES = (*ROLES, "revoked")  # revoked: a token of del1's that was logged out
WS_PATHS = ("snapshot", "since", "resume")  # connect; connect with ?since=0; a resume message after connecting


def _ws_headers(app: App, role: str) -> dict[str, str]:
    if role == "anon":
        return {}
    if role == "revoked":
        client = app.login("del1")
        client.ok("POST", "/api/auth/logout")
        return {"Authorization": f"Bearer {client.token}"}
    return {"Authorization": f"Bearer {app.users[role].token}"}


@pytest.mark.parametrize("path", WS_PATHS)
@pytest.mark.parametrize("role", WS_ROLES)
def test_websocket_by_role(app: App, role: str, path: str) -> None:
    meeting_id, _ = app.new_meeting()  # its log already holds events: participants, agenda
    headers = _ws_headers(app, role)
    app.http.cookies.clear()  # the caller is who the header says, not the last login of the test client
    query = "?since=0" if path == "since" else ""
    with app.http.websocket_connect(f"/ws/meetings/{meeting_id}{query}", headers=headers) as socket:
        if role not in VIEWERS:
            if path == "resume":
                with contextlib.suppress(Exception):  # refused already: the message may find the socket closed
                    socket.send_json({"type": "resume", "since": 0})
            with pytest.raises(WebSocketDisconnect) as closed:
                message = socket.receive_json()
                pytest.fail(f"{role} received {message['type']} on the {path} path of another's meeting")
            assert closed.value.code == (4401 if role in ("anon", "revoked") else 4404)
            return
        if path != "since":
            snapshot = socket.receive_json()
            assert snapshot["type"] == "snapshot" and snapshot["state"]["meeting"]["id"] == meeting_id
        if path == "snapshot":
            return
        if path == "resume":
            socket.send_json({"type": "resume", "since": 0})
        names = []
        while (message := socket.receive_json())["type"] != "resumed":
            assert message["type"] == "event"
            names.append(message["name"])
        assert "agenda.changed" in names


def test_websocket_ignores_a_token_in_the_url(app: App) -> None:
    """Tokens never travel in URLs (they would reach access logs): ``?token=`` authenticates nobody."""
    meeting_id, _ = app.new_meeting()
    app.http.cookies.clear()
    with app.http.websocket_connect(f"/ws/meetings/{meeting_id}?token={app.users['del1'].token}") as socket:
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
        assert closed.value.code == 4401


def test_websocket_follows_the_session_cookie(app: App) -> None:
    meeting_id, _ = app.new_meeting()
    app.http.cookies.clear()
    cookies = {"icabinet_token": app.users["del1"].token}
    with app.http.websocket_connect(f"/ws/meetings/{meeting_id}", cookies=cookies) as socket:
        assert socket.receive_json()["type"] == "snapshot"


@pytest.fixture(scope="module")
def captioned_meeting(app: App) -> int:
    """A meeting whose room was recorded live, with one spoken sentence captioned while the capture ran."""
    meeting_id, _ = app.new_meeting()
    sec, base = app.users["sec"], f"/api/meetings/{meeting_id}/recordings"
    recording_id = sec.ok("POST", f"{base}/live", json={})["id"]
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "cau-noi.wav"
        wav.write_bytes(_spoken_sentence())
        samples = speech.pcm16k(wav) + bytes(2 * 32_000)  # and the pause that closes the sentence
    headers = {"Content-Type": "application/octet-stream"}
    for start in range(0, len(samples), 32_000):
        sec.ok("POST", f"{base}/{recording_id}/audio", content=samples[start : start + 32_000], headers=headers)
    for _ in range(1200):  # the model loads on the first window
        if sec.ok("GET", f"{base}/{recording_id}")["transcript_id"] is not None:
            break
        time.sleep(0.1)
    recording = sec.ok("GET", f"{base}/{recording_id}")
    assert recording["status"] == "capturing" and recording["transcript_id"], "no caption while capturing"
    sec.ok("POST", f"{base}/{recording_id}/stop")
    speech.wait_transcribed(sec, meeting_id, recording_id)
    return meeting_id


@pytest.mark.parametrize("role", WS_ROLES)
def test_captions_reach_only_transcript_readers(app: App, captioned_meeting: int, role: str) -> None:
    """``transcript.turn_added`` (a live caption) goes to those who read the meeting's transcripts: not to
    guests, nor to anyone the meeting's feed refuses."""
    app.http.cookies.clear()
    with app.http.websocket_connect(
        f"/ws/meetings/{captioned_meeting}?since=0", headers=_ws_headers(app, role)
    ) as socket:
        if role not in VIEWERS:
            with pytest.raises(WebSocketDisconnect):
                socket.receive_json()
            return
        names = []
        while (message := socket.receive_json())["type"] != "resumed":
            names.append(message["name"])
    assert ("transcript.turn_added" in names) == (role in TRANSCRIPT_READERS), names
    assert "recording.live" in names  # the red dot reaches every viewer, guests too


# ------------------------------------------------------------------------------------------------------------
# Minutes: each line reaches exactly the callers its evidence reaches (server/minutes/audience.py), through
# GET, the DOCX, the PDF (signed only for a reader of every line) and the assistant's citations.

MINUTES_READERS = ("guest", "del1", "del2", "chair", "sec", "root")
# a line -> (its evidence, who reads it); del1 is named on the confidential document, del2 is not
MINUTES_LINES: dict[str, tuple[str, set[str]]] = {
    "Thư ký ghi nhận phương án Trường Sơn.": ("none", set(MINUTES_READERS)),
    "Tài liệu công khai nêu phương án Hoa Sen.": ("public", set(MINUTES_READERS)),
    "Tài liệu nội bộ nêu phương án Hải Đăng.": ("internal", set(MINUTES_READERS) - {"guest"}),
    "Tài liệu mật nêu phương án Sao Mai.": ("confidential", {"del1", "chair", "sec"}),
    "Phiên âm ghi phương án Thủy Tiên.": ("transcript", set(MINUTES_READERS) - {"guest"}),
    "Ý kiến riêng về phương án Bạch Đằng.": ("opinion", {"chair", "sec", "root"}),
    "Tài liệu ngoài cuộc họp nêu phương án Cửu Long.": ("elsewhere", {"chair", "sec", "root"}),
}
# what the draft itself drew from the record: an internal page, a transcript turn, an opinion's text
MINUTES_DRAFTED: dict[str, set[str]] = {
    "Khu đất Thủ Lệ": set(MINUTES_READERS) - {"guest"},
    "cửa ngõ Kim Liên": set(MINUTES_READERS) - {"guest"},
    "tác động môi trường": {"chair", "sec", "root"},
    "Kế hoạch di dời kho bạc": {"del1", "chair", "sec"},  # the confidential document's title
    "tuyến buýt số 86": set(MINUTES_READERS),  # a public document's page
    "Phiếu lấy ý kiến về Tuyến buýt: 2 phiếu": set(MINUTES_READERS),  # the opinions' count
}
FULL_READERS = {"chair", "sec"}


def _ready(app: App, meeting_id: int, title: str, text: str, classification: str, item_id: int, **more: str) -> int:
    sec = app.users["sec"]
    with tempfile.TemporaryDirectory() as folder:
        path = pdfs.text_pdf(Path(folder) / "tai-lieu.pdf", [text])
        response = sec.request(
            "POST",
            f"/api/meetings/{meeting_id}/documents",
            data={"title": title, "classification": classification, "agenda_item_id": str(item_id), **more},
            files={"file": ("tai-lieu.pdf", path.read_bytes(), "application/pdf")},
        )
    assert response.status_code == 202, response.text
    for _ in range(15000):  # the first document waits for the model to load
        document = sec.ok("GET", f"/api/documents/{response.json()['id']}")
        if document["status"] == "ready" and document["searchable"] and vectors_done(document):
            return int(document["id"])
        time.sleep(0.02)
    raise AssertionError("document not ready")


def _ask(app: App, role: str, meeting_id: int, question: str) -> tuple[str, list[dict[str, Any]]]:
    reply = app.users[role].ok("POST", "/api/assistant/ask", json={"question": question, "meeting_id": meeting_id})
    return reply["answer"], reply["citations"]


@pytest.fixture(scope="module")
def minutes_world(app: App) -> dict[str, Any]:
    """An approved Biên bản whose lines cite a public, an internal and a confidential document, a transcript,
    one person's written opinion, a document of no meeting, and nothing; drafted from a real record first."""
    sec, root = app.users["sec"], app.users["root"]
    del2 = unique("del2-")
    root.ok("POST", "/api/users", json={"username": del2, "password": PASSWORD, "full_name": del2})
    meeting_id, items = app.new_meeting()
    base = f"/api/meetings/{meeting_id}"
    sec.ok("POST", f"{base}/participants", json={"username": del2, "role": "delegate"})
    app.users["del2"] = app.login(del2)
    item = items[1]  # "Báo cáo": the draft quotes a document's sentences that bear on the item's title
    documents = {
        "public": _ready(app, meeting_id, "Tuyến buýt", "Báo cáo mở rộng tuyến buýt số 86 ra sân bay.", "public", item),
        "internal": _ready(
            app, meeting_id, "Định giá đất", "Báo cáo: Khu đất Thủ Lệ được định giá 420 tỷ đồng.", "internal", item
        ),
        "confidential": _ready(
            app,
            meeting_id,
            "Kế hoạch di dời kho bạc",
            "Kho bạc chuyển về Đông Anh trong quý ba.",
            "confidential",
            item,
            allowed_usernames="del1",
        ),
    }
    sec.ok("POST", f"{base}/start")
    transcript = sec.ok(
        "POST",
        f"{base}/transcripts",
        files={"file": ("hop.txt", "del1: Tôi đề nghị thu phí ở cửa ngõ Kim Liên.\n".encode(), "text/plain")},
        data={"agenda_item_id": str(item)},
    )
    app.users["del1"].ok("PUT", f"{base}/opinions", json={"document_id": documents["public"], "stance": "agree"})
    app.users["del2"].ok(
        "PUT",
        f"{base}/opinions",
        json={"document_id": documents["public"], "stance": "other", "text": "Cần đánh giá tác động môi trường."},
    )
    sec.ok("POST", f"{base}/close")
    drafted = sec.ok("POST", f"{base}/minutes/draft", json={})
    content = drafted["content"]
    opinion_line = next(line for line in _lines(content) if "tác động môi trường" in line["text"])
    evidence = {
        "none": [],
        "public": [{"kind": "document", "id": documents["public"], "page": 1}],
        "internal": [{"kind": "document", "id": documents["internal"], "page": 1}],
        "confidential": [{"kind": "document", "id": documents["confidential"], "page": 1}],
        "transcript": [{"kind": "transcript", "id": transcript["id"], "page": 1}],
        "opinion": opinion_line["evidence"],
        "elsewhere": [{"kind": "document", "id": 10**9, "page": 1}],
    }
    section = next(s for s in content["sections"] if s["key"] == f"item-{item}")
    section["lines"] += [{"text": text, "evidence": evidence[kind]} for text, (kind, _) in MINUTES_LINES.items()]
    edited = sec.ok("PUT", f"{base}/minutes", json={"base_version": drafted["version"], "content": content})
    app.users["chair"].ok("POST", f"{base}/minutes/approve", json={"base_version": edited["version"]})
    for text in MINUTES_LINES:  # the index has every audience's passages once the secretary finds them all
        marker = text.split("phương án ")[1].rstrip(".")
        for _ in range(400):
            if any(marker in c["snippet"] for c in _ask(app, "sec", meeting_id, f"phương án {marker}")[1]):
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the assistant never found {marker}")
    return {"meeting_id": meeting_id}


def nfc(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _lines(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for section in content["sections"] for line in section["lines"]]


@pytest.mark.parametrize("role", MINUTES_READERS)
def test_minutes_lines_reach_only_their_audience(app: App, minutes_world: dict[str, Any], role: str) -> None:
    meeting_id = minutes_world["meeting_id"]
    client = app.users[role]
    minutes = client.ok("GET", f"/api/meetings/{meeting_id}/minutes")
    assert minutes["extract"] is (role not in FULL_READERS)
    assert minutes["signed"] is (role in FULL_READERS)
    shown = "\n".join([minutes["content"]["header"]["kind"], *(line["text"] for line in _lines(minutes["content"]))])
    docx = read_docx(io.BytesIO(client.request("GET", f"/api/meetings/{meeting_id}/minutes.docx").content))
    docx_text = "\n".join(p.text for p in docx.paragraphs)
    pdf = client.request("GET", f"/api/meetings/{meeting_id}/minutes.pdf").content
    pdf_text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    check = client.ok("POST", "/api/minutes/verify", files={"file": ("bb.pdf", pdf, "application/pdf")})
    assert check["valid"] is (role in FULL_READERS)  # the signed copy, or an unsigned extract
    assert ("BẢN TRÍCH" in shown) is (role not in FULL_READERS) and ("BẢN TRÍCH" in pdf_text) is (
        role not in FULL_READERS
    )
    expected = {text: readers for text, (_, readers) in MINUTES_LINES.items()} | MINUTES_DRAFTED
    for text, readers in expected.items():
        for where, found in (("GET", shown), ("DOCX", docx_text), ("PDF", pdf_text)):
            assert (nfc(text) in nfc(found)) is (role in readers), f"{role} {where}: {text}"
    for text, (_, readers) in MINUTES_LINES.items():
        marker = text.split("phương án ")[1].rstrip(".")
        answer, citations = _ask(app, role, meeting_id, f"phương án {marker}")
        cited = [c for c in citations if marker in c["snippet"] and c["kind"].startswith("minutes")]
        if role in readers:
            assert cited and all(c["meeting_id"] == meeting_id for c in cited), f"{role} assistant: {marker}"
        else:
            assert marker not in answer and not any(marker in c["snippet"] for c in citations), f"{role}: {marker}"
    for text, readers in MINUTES_DRAFTED.items():
        if role not in readers:
            answer, citations = _ask(app, role, meeting_id, text)
            assert text not in answer and not any(text in c["snippet"] for c in citations), f"{role}: {text}"


# ------------------------------------------------------------------------------------------------------------
# One search for everything the assistant reads: every caller × every kind of material, nothing they may not
# read in any hit (title or snippet), and everything they may read found.

# a made-up word per material -> (its kind, who may read it); del1 is named on the confidential document
SEARCH_MATERIALS: dict[str, tuple[str, set[str]]] = {
    "amberfox": ("document", VIEWERS),
    "bluecrane": ("document", VIEWERS - {"guest"}),
    "coralowl": ("document", {"del1", "chair", "sec"}),
    "dunemoth": ("transcript", TRANSCRIPT_READERS),
    "emberyak": ("conclusion", VIEWERS),
    "frostelk": ("task", VIEWERS),
    "galeibis": ("poll", VIEWERS),
    "hazelnewt": ("minutes", VIEWERS),  # a line of the minutes citing nothing
    "jadewren": ("minutes", VIEWERS - {"guest"}),  # citing the internal document
    "irisvole": ("minutes", {"del1", "chair", "sec"}),  # citing the confidential document
}
SEARCH_KINDS = ("document", "transcript", "conclusion", "task", "poll", "minutes")


@pytest.fixture(scope="module")
def search_world(app: App) -> dict[str, Any]:
    """A closed meeting holding one of each kind of material the assistant reads, each with its marker word,
    its minutes approved; returns the meeting id once the index holds every marker."""
    sec = app.users["sec"]
    meeting_id, items = app.new_meeting()
    base = f"/api/meetings/{meeting_id}"
    item = items[1]
    documents = {
        marker: _ready(app, meeting_id, f"Tờ trình {marker}", f"Tờ trình phương án {marker}.", level, item, **more)
        for marker, level, more in (
            ("amberfox", "public", {}),
            ("bluecrane", "internal", {}),
            ("coralowl", "confidential", {"allowed_usernames": "del1"}),
        )
    }
    sec.ok("POST", f"{base}/start")
    transcript = {"file": ("hop.txt", "del1: Tôi đề nghị phương án dunemoth.\n".encode(), "text/plain")}
    sec.ok("POST", f"{base}/transcripts", files=transcript)
    sec.ok("PUT", f"{base}/agenda/{item}/conclusion", json={"text": "Thống nhất phương án emberyak"})
    sec.ok(
        "POST",
        f"{base}/tasks",
        json={"title": "Triển khai phương án frostelk", "agenda_item_id": item, "assigned_unit": "Sở Xây dựng"},
    )
    for username in ("chair", "sec", "del1"):
        app.users[username].ok("POST", f"{base}/checkin")
    poll = sec.ok("POST", f"{base}/polls", json={"title": "Thông qua phương án galeibis"})
    sec.ok("POST", f"/api/polls/{poll['id']}/open")
    app.users["del1"].ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": poll["options"][0]["id"]})
    sec.ok("POST", f"/api/polls/{poll['id']}/close")
    sec.ok("POST", f"{base}/close")
    drafted = sec.ok("POST", f"{base}/minutes/draft", json={})
    content = drafted["content"]
    evidence = {
        "hazelnewt": [],
        "jadewren": [{"kind": "document", "id": documents["bluecrane"], "page": 1}],
        "irisvole": [{"kind": "document", "id": documents["coralowl"], "page": 1}],
    }
    section = next(s for s in content["sections"] if s["key"] == f"item-{item}")
    section["lines"] += [{"text": f"Ghi nhận phương án {m}.", "evidence": e} for m, e in evidence.items()]
    edited = sec.ok("PUT", f"{base}/minutes", json={"base_version": drafted["version"], "content": content})
    app.users["chair"].ok("POST", f"{base}/minutes/approve", json={"base_version": edited["version"]})
    for marker in SEARCH_MATERIALS:  # the chair reads every one of them once the index holds it
        for _ in range(400):
            if any(marker in hit["snippet"] for hit in _search(app, "chair", marker, None)):
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the search never found {marker}")
    return {"meeting_id": meeting_id}


def _search(app: App, role: str, query: str, kind: str | None, **params: Any) -> list[dict[str, Any]]:
    response = _client(app, role).request(
        "GET", "/api/search", params={"q": query, "limit": 50, **params, **({"kind": kind} if kind else {})}
    )
    assert response.status_code == 200, response.text
    hits: list[dict[str, Any]] = response.json()["hits"]
    return hits


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_search_of_every_kind_shows_each_caller_only_what_they_may_read(
    app: App, search_world: dict[str, Any], role: str
) -> None:
    everything = " ".join(SEARCH_MATERIALS)
    for kind in (None, *SEARCH_KINDS):
        hits = _search(app, role, everything, kind)
        for hit in hits:
            shown = f"{hit['title']} {hit['snippet']}"
            if kind:
                assert hit["kind"].startswith(kind), f"{role} kind={kind}: a {hit['kind']} hit"
            for marker, (_, readers) in SEARCH_MATERIALS.items():
                assert role in readers or marker not in shown, f"{role} kind={kind} read {marker}: {hit}"
        for marker, (material, readers) in SEARCH_MATERIALS.items():
            if kind in (None, material):
                found = [h for h in _search(app, role, marker, kind) if marker in h["snippet"]]
                assert bool(found) is (role in readers), f"{role} kind={kind}: {marker} found={bool(found)}"
                assert all(h["meeting_id"] == search_world["meeting_id"] for h in found)


@pytest.mark.parametrize("role", ROLES)
def test_search_of_a_meeting_by_kind_is_refused_to_who_does_not_see_it(
    app: App, search_world: dict[str, Any], role: str
) -> None:
    params = {"q": "phương án", "meeting_id": search_world["meeting_id"], "kind": "transcript,minutes"}
    response = _client(app, role).request("GET", "/api/search", params=params)
    if role in VIEWERS:
        assert response.status_code == 200, response.text
        return
    assert response.status_code == expected_refusal(Route("GET", "/api/search", VIEWERS), role), response.text
    assert "dunemoth" not in response.text and "hazelnewt" not in response.text
