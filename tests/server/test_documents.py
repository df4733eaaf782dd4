"""Documents through the HTTP API: intake of real and bad PDFs, reading, versions, permissions, follow-me."""

from __future__ import annotations

import io
import re
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from tests.server.conftest import App, Client, build_app
from tests.support import pdfs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IHANOI = FIXTURES / "bao-cao-ihanoi.pdf"


@pytest.fixture(scope="module")
def docs_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    with build_app(tmp_path_factory.mktemp("docs"), max_upload_mb=2, max_pages=50) as world:
        yield world


def upload(client: Client, meeting_id: int, path: Path, **fields: str) -> Any:
    with path.open("rb") as handle:
        return client.request(
            "POST",
            f"/api/meetings/{meeting_id}/documents",
            files={"file": (path.name, handle, "application/pdf")},
            data=fields,
        )


def wait_ready(client: Client, document_id: int) -> dict[str, Any]:
    for _ in range(200):
        document = client.ok("GET", f"/api/documents/{document_id}")
        if document["status"] != "processing":
            return document
        time.sleep(0.05)
    raise AssertionError(f"document {document_id} still processing")


def stored_files(app: App) -> set[str]:
    root = app.http.app.state.settings.blob_dir
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_a_real_vietnamese_report_is_read_page_by_page(docs_app: App) -> None:
    sec = docs_app.users["sec"]
    meeting_id, items = docs_app.new_meeting()
    response = upload(
        sec, meeting_id, IHANOI, title="Báo cáo iHanoi", agenda_item_id=str(items[0]), classification="public"
    )
    assert response.status_code == 202, response.text
    created = response.json()
    assert created["status"] == "processing" and created["title"] == "Báo cáo iHanoi"
    document = wait_ready(sec, created["id"])
    assert document["status"] == "ready" and document["page_count"] >= 2
    assert document["versions"][0]["sha256"] and document["versions"][0]["filename"] == IHANOI.name

    text = docs_app.users["del1"].ok("GET", f"/api/documents/{created['id']}/text")
    assert [p["page"] for p in text["pages"]] == list(range(1, document["page_count"] + 1))
    assert "iHanoi" in text["pages"][0]["text"]

    image = docs_app.users["guest"].request("GET", f"/api/documents/{created['id']}/pages/1?width=600")
    assert image.status_code == 200 and image.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(image.content)).size[0] == 600
    png = docs_app.users["guest"].request("GET", f"/api/documents/{created['id']}/pages/2?width=300&format=png")
    assert Image.open(io.BytesIO(png.content)).format == "PNG"
    original = docs_app.users["del1"].request("GET", f"/api/documents/{created['id']}/file")
    assert original.status_code == 200 and original.content == IHANOI.read_bytes()

    assert docs_app.users["del1"].request("GET", f"/api/documents/{created['id']}/pages/999").status_code == 404
    listed = docs_app.users["del1"].ok("GET", f"/api/meetings/{meeting_id}/documents")
    assert [d["id"] for d in listed] == [created["id"]]
    snapshot = docs_app.users["del1"].ok("GET", f"/api/meetings/{meeting_id}/snapshot")
    assert [d["id"] for d in snapshot["state"]["documents"]] == [created["id"]]

    views = docs_app.users["root"].ok("GET", f"/api/audit?meeting_id={meeting_id}&action=document.view_page")
    assert {v["detail"]["page"] for v in views} >= {1, 2}


BAD_FILES = [
    ("empty", lambda d: pdfs.empty_file(d / "empty.pdf"), 400),
    ("garbage", lambda d: pdfs.garbage_pdf(d / "garbage.pdf"), 400),
    ("truncated", lambda d: pdfs.truncated_pdf(IHANOI, d / "truncated.pdf"), 400),
    ("encrypted", lambda d: pdfs.encrypted_pdf(IHANOI, d / "locked.pdf", "secret"), 400),
    ("docx", lambda d: pdfs.docx_like(d / "report.docx"), 415),
    ("ole", lambda d: pdfs.ole_like(d / "report.doc"), 415),
    ("png", lambda d: pdfs.png_file(d / "photo.png"), 400),
    ("too many pages", lambda d: pdfs.many_pages_pdf(d / "long.pdf", 60), 400),
    ("too large", lambda d: _big(d / "big.pdf"), 413),
]


def _big(path: Path) -> Path:
    shutil.copy(IHANOI, path)
    with path.open("ab") as handle:
        handle.write(b"%" + b"x" * (3 * 1024 * 1024))
    return path


@pytest.mark.parametrize(("kind", "make", "status"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_is_refused_and_leaves_no_trace(
    docs_app: App, tmp_path: Path, kind: str, make: Any, status: int
) -> None:
    meeting_id, _ = docs_app.new_meeting()
    path = make(tmp_path)
    files_before = stored_files(docs_app)
    snapshot_before = docs_app.snapshot(meeting_id)
    response = upload(docs_app.users["sec"], meeting_id, path)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == status and body["detail"]
    if kind in ("docx", "ole"):
        assert "PDF" in body["detail"]
    assert docs_app.snapshot(meeting_id) == snapshot_before, "no row, no event"
    assert stored_files(docs_app) == files_before, "no file kept"


def test_an_encrypted_pdf_that_opens_without_a_password_is_accepted(docs_app: App, tmp_path: Path) -> None:
    meeting_id, _ = docs_app.new_meeting()
    path = pdfs.encrypted_pdf(IHANOI, tmp_path / "empty-password.pdf", "")
    response = upload(docs_app.users["sec"], meeting_id, path)
    assert response.status_code == 202, response.text
    assert wait_ready(docs_app.users["sec"], response.json()["id"])["status"] == "ready"


def test_same_file_twice_is_stored_once_and_versions_stay_readable(docs_app: App, tmp_path: Path) -> None:
    sec = docs_app.users["sec"]
    meeting_id, _ = docs_app.new_meeting()
    first = upload(sec, meeting_id, IHANOI).json()
    second = upload(sec, meeting_id, IHANOI).json()
    assert first["id"] != second["id"]
    shas = {wait_ready(sec, d["id"])["versions"][0]["sha256"] for d in (first, second)}
    assert len(shas) == 1
    sha = shas.pop()
    assert sum(1 for name in stored_files(docs_app) if sha in name) == 1

    revised = pdfs.text_pdf(tmp_path / "v2.pdf", ["Dự thảo lần 2: phí trông giữ xe", "Trang hai"])
    with revised.open("rb") as handle:
        response = sec.request(
            "POST", f"/api/documents/{first['id']}/versions", files={"file": ("v2.pdf", handle, "application/pdf")}
        )
    assert response.status_code == 202, response.text
    document = wait_ready(sec, first["id"])
    assert document["current_version"] == 2 and [v["number"] for v in document["versions"]] == [1, 2]
    now = sec.ok("GET", f"/api/documents/{first['id']}/text")
    before = sec.ok("GET", f"/api/documents/{first['id']}/text?version=1")
    assert "phí trông giữ xe" in now["pages"][0]["text"] and "iHanoi" in before["pages"][0]["text"]


def test_deleting_removes_the_file_when_no_other_document_uses_it(docs_app: App, tmp_path: Path) -> None:
    sec = docs_app.users["sec"]
    meeting_id, _ = docs_app.new_meeting()
    path = pdfs.text_pdf(tmp_path / "once.pdf", ["Tài liệu dùng một lần"])
    document = wait_ready(sec, upload(sec, meeting_id, path).json()["id"])
    sha = document["versions"][0]["sha256"]
    assert any(sha in name for name in stored_files(docs_app))
    sec.ok("DELETE", f"/api/documents/{document['id']}")
    assert not any(sha in name for name in stored_files(docs_app))
    assert sec.request("GET", f"/api/documents/{document['id']}").status_code == 404


READ_ROUTES = ["", "/text", "/file", "/pages/1?width=200"]
CAN_READ = {
    "public": {"guest", "del1", "chair", "sec", "root"},
    "internal": {"del1", "chair", "sec", "root"},
    "confidential": {"chair", "sec", "named"},
}


@pytest.mark.parametrize("classification", sorted(CAN_READ))
def test_who_reads_what(docs_app: App, classification: str) -> None:
    sec = docs_app.users["sec"]
    meeting_id, _ = docs_app.new_meeting()
    # del1 is "named" on the confidential document
    fields = {"classification": classification}
    if classification == "confidential":
        fields["allowed_usernames"] = "del1"
    document = wait_ready(sec, upload(sec, meeting_id, IHANOI, **fields).json()["id"])
    allowed = CAN_READ[classification] | ({"del1"} if classification == "confidential" else set())
    for role in ("guest", "del1", "chair", "sec", "root", "outsider", "sec2"):
        client = docs_app.users[role]
        listed = (
            {d["id"] for d in client.ok("GET", "/api/meetings/" + str(meeting_id) + "/documents")}
            if role not in ("outsider", "sec2")
            else set()
        )
        assert (document["id"] in listed) == (role in allowed and role not in ("outsider", "sec2")), role
        for route in READ_ROUTES:
            status = client.request("GET", f"/api/documents/{document['id']}{route}").status_code
            assert (status == 200) == (role in allowed), f"{role} {classification} {route}: {status}"
            if role not in allowed:
                assert status == 404
        if role not in ("outsider", "sec2"):
            snapshot = client.ok("GET", f"/api/meetings/{meeting_id}/snapshot")["state"]["documents"]
            assert (document["id"] in {d["id"] for d in snapshot}) == (role in allowed)


def test_confidential_copies_carry_the_readers_name(docs_app: App) -> None:
    sec = docs_app.users["sec"]
    meeting_id, _ = docs_app.new_meeting()
    document = wait_ready(
        sec, upload(sec, meeting_id, IHANOI, classification="confidential", allowed_usernames="del1").json()["id"]
    )
    from pypdf import PdfReader

    copy = docs_app.users["del1"].request("GET", f"/api/documents/{document['id']}/file")
    assert copy.status_code == 200 and copy.content != IHANOI.read_bytes()
    assert "del1" in PdfReader(io.BytesIO(copy.content)).pages[0].extract_text()
    assert copy.headers["cache-control"] == "private, no-store"
    first = docs_app.users["del1"].request("GET", f"/api/documents/{document['id']}/pages/1?width=400").content
    plain = docs_app.users["sec"].request("GET", f"/api/documents/{document['id']}/pages/1?width=400").content
    assert first != plain, "each reader gets their own stamped image"
    downloads = docs_app.users["root"].ok("GET", f"/api/audit?meeting_id={meeting_id}&action=document.download")
    assert downloads and downloads[0]["actor_id"] == docs_app.users["del1"].user["id"]


def test_the_stamp_dates_a_copy_in_the_organisations_time_zone(docs_app: App) -> None:
    """The reader's stamp gives the time as they read it (Hà Nội by default, dd/mm/yyyy 24 h), not UTC."""
    from pypdf import PdfReader

    from documents.watermark import METADATA_KEY

    sec = docs_app.users["sec"]
    meeting_id, _ = docs_app.new_meeting()
    document = wait_ready(
        sec, upload(sec, meeting_id, IHANOI, classification="confidential", allowed_usernames="del1").json()["id"]
    )
    before = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).replace(second=0, microsecond=0, tzinfo=None)
    copy = docs_app.users["del1"].request("GET", f"/api/documents/{document['id']}/file")
    after = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).replace(tzinfo=None)
    stamp = str(PdfReader(io.BytesIO(copy.content)).metadata[METADATA_KEY])
    assert "UTC" not in stamp, stamp
    found = re.search(r"· (\d\d/\d\d/\d{4} \d\d:\d\d) GMT\+7 ·", stamp)
    assert found, stamp
    assert before <= datetime.strptime(found.group(1), "%d/%m/%Y %H:%M") <= after, stamp


def test_reclassifying_hides_the_document_from_those_who_lose_access(docs_app: App) -> None:
    sec = docs_app.users["sec"]
    meeting_id, _ = docs_app.new_meeting()
    document = wait_ready(sec, upload(sec, meeting_id, IHANOI, classification="public").json()["id"])
    assert docs_app.users["guest"].request("GET", f"/api/documents/{document['id']}").status_code == 200
    sec.ok("PATCH", f"/api/documents/{document['id']}", json={"classification": "internal"})
    assert docs_app.users["guest"].request("GET", f"/api/documents/{document['id']}").status_code == 404
    assert docs_app.users["del1"].request("GET", f"/api/documents/{document['id']}").status_code == 200


def test_follow_me(docs_app: App) -> None:
    sec = docs_app.users["sec"]
    meeting_id, items = docs_app.new_meeting(live=True)
    document = wait_ready(sec, upload(sec, meeting_id, IHANOI, classification="public").json()["id"])
    base = f"/api/meetings/{meeting_id}/present"
    assert (
        docs_app.users["del1"].request("POST", base, json={"document_id": document["id"], "page": 2}).status_code == 403
    )
    assert sec.request("POST", base, json={"document_id": document["id"], "page": 999}).status_code == 400
    assert sec.ok("POST", base, json={"document_id": document["id"], "page": 2}) == {
        "document_id": document["id"],
        "page": 2,
    }
    state = docs_app.users["guest"].ok("GET", f"/api/meetings/{meeting_id}/snapshot")["state"]
    assert state["presenting"] == {"document_id": document["id"], "page": 2}
    # the presenter of the current item may present too
    sec.ok(
        "PATCH",
        f"/api/meetings/{meeting_id}/agenda/{items[1]}",
        json={"presenter_user_id": docs_app.users["del1"].user["id"]},
    )
    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/{items[1]}/current")
    assert docs_app.users["del1"].ok("POST", base, json={"document_id": document["id"], "page": 1})["page"] == 1
    sec.ok("POST", base, json={"document_id": None})
    assert docs_app.users["guest"].ok("GET", f"/api/meetings/{meeting_id}/snapshot")["state"]["presenting"] == {
        "document_id": None,
        "page": None,
    }


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"classification": "secret"}, 400),
        ({"agenda_item_id": "999999"}, 404),
        ({"agenda_item_id": "abc"}, 400),
        ({"classification": "confidential", "allowed_usernames": "nobody-here"}, 404),
    ],
)
def test_bad_upload_fields_are_refused_and_leave_nothing(docs_app: App, fields: dict, status: int) -> None:
    meeting_id, _ = docs_app.new_meeting()
    before, files = docs_app.snapshot(meeting_id), stored_files(docs_app)
    response = upload(docs_app.users["sec"], meeting_id, IHANOI, **fields)
    assert response.status_code == status, response.text
    assert docs_app.snapshot(meeting_id) == before and stored_files(docs_app) == files


def test_upload_without_multipart_or_file(docs_app: App) -> None:
    meeting_id, _ = docs_app.new_meeting()
    sec = docs_app.users["sec"]
    assert sec.request("POST", f"/api/meetings/{meeting_id}/documents", json={"x": 1}).status_code == 415
    response = sec.request(
        "POST",
        f"/api/meetings/{meeting_id}/documents",
        data={"title": "no file"},
        files={"other": ("a.txt", b"x", "text/plain")},
    )
    assert response.status_code == 400


def test_a_shorter_new_version_moves_the_presented_page_back(docs_app: App, tmp_path: Path) -> None:
    sec = docs_app.users["sec"]
    meeting_id, _ = docs_app.new_meeting(live=True)
    document = wait_ready(sec, upload(sec, meeting_id, IHANOI, classification="public").json()["id"])
    sec.ok("POST", f"/api/meetings/{meeting_id}/present", json={"document_id": document["id"], "page": 2})
    shorter = pdfs.text_pdf(tmp_path / "one-page.pdf", ["Chỉ còn một trang"])
    with shorter.open("rb") as handle:
        response = sec.request(
            "POST",
            f"/api/documents/{document['id']}/versions",
            files={"file": ("one-page.pdf", handle, "application/pdf")},
        )
    assert response.status_code == 202, response.text
    state = docs_app.users["del1"].ok("GET", f"/api/meetings/{meeting_id}/snapshot")["state"]
    assert state["presenting"] == {"document_id": document["id"], "page": 1}


def test_a_confidential_document_reaches_the_room_only_when_the_chair_or_secretary_confirms(docs_app: App) -> None:
    sec, chair, del1 = docs_app.users["sec"], docs_app.users["chair"], docs_app.users["del1"]
    meeting_id, items = docs_app.new_meeting(live=True)
    secret = wait_ready(
        sec, upload(sec, meeting_id, IHANOI, classification="confidential", allowed_usernames="del1").json()["id"]
    )
    shown = {"document_id": secret["id"], "page": 1}
    docs_app.users["guest"].ok("POST", f"/api/meetings/{meeting_id}/checkin")

    refused = sec.request("POST", f"/api/meetings/{meeting_id}/present", json=shown)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    # the guest (checked in) may not read it; del1 is on its list, the chair and secretary always may
    assert [p["role"] for p in body["confirm"]["outsiders"]] == ["guest"]
    assert body["confirm"]["outsiders"][0]["attendance"] == "present"
    assert body["confirm"]["outsiders"][0]["full_name"] in body["detail"]
    assert sec.ok("GET", f"/api/meetings/{meeting_id}/snapshot")["state"]["presenting"]["document_id"] is None

    # the item's presenter may present, but not confirm a confidential document to the room
    sec.ok("PATCH", f"/api/meetings/{meeting_id}/agenda/{items[0]}", json={"presenter_user_id": del1.user["id"]})
    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/{items[0]}/current")
    forbidden = del1.request("POST", f"/api/meetings/{meeting_id}/present", json={**shown, "confirm": True})
    assert forbidden.status_code == 403, forbidden.text

    chair.ok("POST", f"/api/meetings/{meeting_id}/present", json={**shown, "confirm": True})
    assert sec.ok("GET", f"/api/meetings/{meeting_id}/snapshot")["state"]["presenting"] == shown
    # turning its pages needs no new confirmation
    chair.ok("POST", f"/api/meetings/{meeting_id}/present", json={**shown, "page": 2})
    audit = docs_app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})
    presented = [a["detail"] for a in audit if a["action"] == "document.present"]
    guest_id = body["confirm"]["outsiders"][0]["user_id"]
    assert sorted(d["page"] for d in presented) == [1, 2]
    confirmed = [d for d in presented if d.get("confidential_confirmed")]
    assert [(d["page"], d["outsiders"]) for d in confirmed] == [(1, [guest_id])]


def test_someone_who_may_not_read_it_arriving_takes_a_confidential_document_off_the_room_screen(
    docs_app: App,
) -> None:
    sec, guest = docs_app.users["sec"], docs_app.users["guest"]
    meeting_id, _ = docs_app.new_meeting(live=True)
    secret = wait_ready(sec, upload(sec, meeting_id, IHANOI, classification="confidential").json()["id"])
    shown = {"document_id": secret["id"], "page": 1}
    sec.ok("POST", f"/api/meetings/{meeting_id}/present", json={**shown, "confirm": True})

    def presenting() -> Any:
        return sec.ok("GET", f"/api/meetings/{meeting_id}/snapshot")["state"]["presenting"]["document_id"]

    # the guest was named when it was confirmed (not yet checked in): checking in changes nothing
    guest.ok("POST", f"/api/meetings/{meeting_id}/checkin")
    assert presenting() == secret["id"]
    # a delegate added afterwards was not: the document leaves the screens, and the audit says why
    sec.ok("POST", f"/api/meetings/{meeting_id}/participants", json={"username": "outsider"})
    assert presenting() is None
    audit = docs_app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})
    withdrawn = [a["detail"] for a in audit if a["action"] == "document.present.withdrawn"]
    assert [d["document_id"] for d in withdrawn] == [secret["id"]]
