"""Files and pages a reader gets through the HTTP API: safe download names, PDFs without active content,
page images within a pixel budget, failed renders remembered, the page-image cache bounded in bytes."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from pypdf import PdfReader

from documents.sanitize import active_content
from tests.server.conftest import App, Client, build_app
from tests.support import pdfs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IHANOI = FIXTURES / "bao-cao-ihanoi.pdf"


@pytest.fixture(scope="module")
def files_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    with build_app(tmp_path_factory.mktemp("files"), max_upload_mb=2, max_pages=50) as world:
        yield world


def upload(client: Client, meeting_id: int, path: Path, filename: str | None = None, **fields: str) -> Any:
    with path.open("rb") as handle:
        response = client.request(
            "POST",
            f"/api/meetings/{meeting_id}/documents",
            files={"file": (filename or path.name, handle, "application/pdf")},
            data=fields,
        )
    assert response.status_code == 202, response.text
    return wait_ready(client, response.json()["id"])


def wait_ready(client: Client, document_id: int) -> dict[str, Any]:
    for _ in range(400):
        document = client.ok("GET", f"/api/documents/{document_id}")
        if document["status"] != "processing":
            return document
        time.sleep(0.05)
    raise AssertionError(f"document {document_id} still processing")


def disposition(header: str) -> tuple[str, dict[str, str]]:
    """The type and parameters of a Content-Disposition (RFC 6266 grammar; `filename*` decoded per RFC 5987)."""
    token = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
    match = re.fullmatch(rf"({token})((?:\s*;\s*{token}\s*=\s*(?:{token}|\"(?:[^\"\\]|\\.)*\"))*)\s*", header)
    assert match, f"not an RFC 6266 header: {header!r}"
    params: dict[str, str] = {}
    for key, value in re.findall(rf"({token})\s*=\s*({token}|\"(?:[^\"\\]|\\.)*\")", match.group(2)):
        assert key.lower() not in params, f"{key} given twice: {header!r}"
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if key.lower() == "filename*":
            charset, _, encoded = value.split("'", 2)
            assert charset.lower() == "utf-8"
            value = unquote(encoded, encoding="utf-8", errors="strict")
        params[key.lower()] = value
    return match.group(1).lower(), params


NAMES = [
    ("Tờ trình mật.pdf", "To trinh mat.pdf"),
    ('Báo cáo "quý 3".pdf', "Bao cao _quy 3_.pdf"),
    ('a"; filename=evil.exe; x=".pdf', "a__ filename=evil.exe_ x=_.pdf"),
]


@pytest.mark.parametrize("classification", ["public", "confidential"])
@pytest.mark.parametrize(("name", "fallback"), NAMES)
def test_a_download_carries_its_name_whatever_its_letters(
    files_app: App, classification: str, name: str, fallback: str
) -> None:
    meeting_id, _ = files_app.new_meeting()
    document = upload(
        files_app.users["sec"], meeting_id, IHANOI, name, classification=classification, allowed_usernames="del1"
    )
    assert document["versions"][0]["filename"] == name
    response = files_app.users["del1"].request("GET", f"/api/documents/{document['id']}/file")
    assert response.status_code == 200, response.text
    header = response.headers["content-disposition"]
    assert header.isascii() and "\r" not in header and "\n" not in header
    kind, params = disposition(header)
    assert kind == "inline"
    assert params == {"filename": fallback, "filename*": name}


def test_control_characters_in_a_name_cannot_start_a_header(files_app: App) -> None:
    meeting_id, _ = files_app.new_meeting()
    document = upload(files_app.users["sec"], meeting_id, IHANOI, "x.pdf", classification="public")
    # multipart clients escape CR/LF in a filename; a rename through the API is the other way in
    files_app.users["sec"].ok("PATCH", f"/api/documents/{document['id']}", json={"title": "t\r\nSet-Cookie: a=b"})
    name = "Biên bản\r\nSet-Cookie: session=stolen\x00.pdf"
    document = upload(files_app.users["sec"], meeting_id, IHANOI, name, classification="confidential")
    stored = document["versions"][0]["filename"]
    response = files_app.users["sec"].request("GET", f"/api/documents/{document['id']}/file")
    assert response.status_code == 200, response.text
    assert "set-cookie" not in response.headers
    kind, params = disposition(response.headers["content-disposition"])
    assert kind == "inline"
    assert not any(char in params["filename*"] + params["filename"] for char in "\r\n\x00")
    assert params["filename*"] == "".join(char for char in stored if char not in "\r\n\x00")


def test_minutes_exports_name_their_file_the_same_way(files_app: App) -> None:
    meeting_id, _ = files_app.new_meeting()
    sec = files_app.users["sec"]
    for fmt in ("docx", "pdf"):
        response = sec.request("GET", f"/api/meetings/{meeting_id}/minutes.{fmt}")
        if response.status_code != 200:
            continue  # no minutes drafted: nothing to name
        kind, params = disposition(response.headers["content-disposition"])
        assert kind == "attachment" and params["filename*"].endswith(f".{fmt}")


def stored_original(app: App, sha256: str) -> Path:
    return Path(app.http.app.state.blobs.path_for(sha256))


@pytest.mark.parametrize("classification", ["public", "confidential"])
def test_readers_download_a_pdf_without_active_content_and_the_original_is_kept(
    files_app: App, tmp_path: Path, classification: str
) -> None:
    hostile = pdfs.active_content_pdf(IHANOI, tmp_path / "hostile.pdf")
    assert active_content(hostile)
    meeting_id, _ = files_app.new_meeting()
    document = upload(files_app.users["sec"], meeting_id, hostile, classification=classification)
    assert document["status"] == "ready"
    for reader in ("del1", "sec") if classification == "public" else ("sec", "chair"):
        response = files_app.users[reader].request("GET", f"/api/documents/{document['id']}/file")
        assert response.status_code == 200, response.text
        downloaded = tmp_path / f"{reader}.pdf"
        downloaded.write_bytes(response.content)
        assert active_content(downloaded) == []
        assert len(PdfReader(downloaded).pages) == document["page_count"]
        assert b"payload.exe" not in response.content and b"MZ\x90" not in response.content
    assert stored_original(files_app, document["versions"][0]["sha256"]).read_bytes() == hostile.read_bytes()


def test_a_clean_pdf_downloads_byte_for_byte(files_app: App) -> None:
    meeting_id, _ = files_app.new_meeting()
    document = upload(files_app.users["sec"], meeting_id, IHANOI, classification="public")
    response = files_app.users["del1"].request("GET", f"/api/documents/{document['id']}/file")
    assert response.status_code == 200 and response.content == IHANOI.read_bytes()


def test_a_pdf_header_after_other_bytes_is_refused(files_app: App, tmp_path: Path) -> None:
    meeting_id, _ = files_app.new_meeting()
    polyglot = tmp_path / "polyglot.pdf"
    polyglot.write_bytes(b"<html><script>alert(document.cookie)</script><!--\n" + IHANOI.read_bytes())
    with polyglot.open("rb") as handle:
        response = files_app.users["sec"].request(
            "POST",
            f"/api/meetings/{meeting_id}/documents",
            files={"file": (polyglot.name, handle, "application/pdf")},
        )
    assert response.status_code == 400, response.text
    assert files_app.users["sec"].ok("GET", f"/api/meetings/{meeting_id}/documents") == []
