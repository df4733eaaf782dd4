"""Files and pages a reader gets through the HTTP API: safe download names, PDFs without active content,
page images within a pixel budget, failed renders remembered, the page-image cache bounded in bytes."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from PIL import Image
from pypdf import PdfReader

from documents.sanitize import active_content
from tests.server.conftest import App, Client, build_app
from tests.support import pdfs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IHANOI = FIXTURES / "bao-cao-ihanoi.pdf"


@pytest.fixture(scope="module")
def files_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    with build_app(tmp_path_factory.mktemp("files"), max_upload_mb=2, max_pages=50, ocr=False) as world:
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
    assert response.headers["x-content-type-options"] == "nosniff"
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
    sec.ok("POST", f"/api/meetings/{meeting_id}/minutes/draft", json={})
    for fmt in ("docx", "pdf"):
        response = sec.request("GET", f"/api/meetings/{meeting_id}/minutes.{fmt}")
        assert response.status_code == 200, response.text
        assert response.headers["x-content-type-options"] == "nosniff"
        kind, params = disposition(response.headers["content-disposition"])
        assert kind == "attachment" and params["filename*"] == params["filename"] == f"bien-ban-{meeting_id}-v1.{fmt}"


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


@pytest.fixture(scope="module")
def pages_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    # a small cache (a dozen pages) and a budget of 4 MP (an A4 page at 1600 px is 3.6 MP)
    with build_app(
        tmp_path_factory.mktemp("pages"),
        max_pages=50,
        ocr=False,
        page_cache_max_mb=0.15,
        page_image_max_pixels=4_000_000,
    ) as world:
        yield world


def page(client: Client, document_id: int, number: int, width: int, fmt: str = "webp") -> Any:
    return client.request("GET", f"/api/documents/{document_id}/pages/{number}?width={width}&format={fmt}")


@pytest.mark.parametrize("fmt", ["webp", "png"])
@pytest.mark.parametrize("width", [300, 3000])
def test_a_page_of_odd_shape_is_shown_within_the_pixel_budget(
    pages_app: App, tmp_path: Path, width: int, fmt: str
) -> None:
    meeting_id, _ = pages_app.new_meeting()
    strip = pdfs.tall_page_pdf(tmp_path / "strip.pdf")
    assert strip.stat().st_size < 2000
    document = upload(pages_app.users["sec"], meeting_id, strip, classification="public")
    response = page(pages_app.users["del1"], document["id"], 1, width, fmt)
    assert response.status_code == 200, response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    picture = Image.open(io.BytesIO(response.content))
    assert picture.width * picture.height <= 4_000_000
    assert picture.height / picture.width == pytest.approx(200, rel=0.05)
    ordinary = page(pages_app.users["del1"], upload_ihanoi(pages_app, meeting_id), 1, 1600, fmt)
    assert Image.open(io.BytesIO(ordinary.content)).width == 1600  # a page of ordinary shape is as asked


def upload_ihanoi(app: App, meeting_id: int) -> int:
    return int(upload(app.users["sec"], meeting_id, IHANOI, classification="public")["id"])


def test_a_page_that_fails_to_render_is_a_clear_422_and_is_not_tried_again(pages_app: App) -> None:
    meeting_id, _ = pages_app.new_meeting()
    document = upload(
        pages_app.users["sec"],
        meeting_id,
        pdfs.many_pages_pdf(Path(pages_app.http.app.state.settings.data_dir) / "src.pdf", 3),
    )
    stored = stored_original(pages_app, document["versions"][0]["sha256"])
    good = stored.read_bytes()
    stored.chmod(0o644)
    stored.write_bytes(b"%PDF-1.7\n" + bytes(len(good)))  # the disk went bad under the stored file
    try:
        for language, words in (("vi", "Không hiển thị được trang 2"), ("en", "Page 2 cannot be displayed")):
            response = pages_app.users["del1"].request(
                "GET", f"/api/documents/{document['id']}/pages/2?width=400", headers={"Accept-Language": language}
            )
            assert response.status_code == 422, response.text
            assert response.json() == {"status_code": 422, "detail": response.json()["detail"]}
            assert words in response.json()["detail"]
    finally:
        stored.write_bytes(good)
    # the file is whole again, but the page's failure was remembered: not rendered on every view
    assert page(pages_app.users["del1"], document["id"], 2, 400).status_code == 422
    assert page(pages_app.users["del1"], document["id"], 1, 400).status_code == 200


def cache_bytes(app: App) -> int:
    root = Path(app.http.app.state.settings.page_cache_dir)
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def test_the_page_image_cache_stays_within_its_bound(pages_app: App, tmp_path: Path) -> None:
    bound = 0.15 * 1024 * 1024
    meeting_id, _ = pages_app.new_meeting()
    book = upload(pages_app.users["sec"], meeting_id, pdfs.many_pages_pdf(tmp_path / "book.pdf", 16))
    favourite = upload_ihanoi(pages_app, meeting_id)
    del1 = pages_app.users["del1"]
    assert page(del1, favourite, 1, 1200).status_code == 200
    written = 0
    for number in range(1, 17):
        for width in (900, 1200):
            response = page(del1, book["id"], number, width, "png")
            assert response.status_code == 200, response.text
            written += len(response.content)
            assert cache_bytes(pages_app) <= bound
        assert page(del1, favourite, 1, 1200).status_code == 200  # viewed all along
    assert written > 2 * bound  # the cache was full more than twice over
    cached = {path.name for path in Path(pages_app.http.app.state.settings.page_cache_dir).rglob("*.webp")}
    assert "1-1200.webp" in cached  # the page viewed all along was never the least recently used


def test_deleting_a_document_deletes_its_reader_copy(files_app: App, tmp_path: Path) -> None:
    meeting_id, _ = files_app.new_meeting()
    hostile = pdfs.active_content_pdf(IHANOI, tmp_path / "once.pdf")
    hostile.write_bytes(hostile.read_bytes() + b"\n% unique to this test\n")
    document = upload(files_app.users["sec"], meeting_id, hostile, classification="public")
    assert files_app.users["del1"].request("GET", f"/api/documents/{document['id']}/file").status_code == 200
    sha256 = document["versions"][0]["sha256"]
    copies = Path(files_app.http.app.state.settings.reader_copy_dir)
    assert [path.name for path in copies.rglob(f"{sha256}.*")] == [f"{sha256}.r1.pdf"]
    files_app.users["sec"].ok("DELETE", f"/api/documents/{document['id']}")
    assert list(copies.rglob(f"{sha256}.*")) == []


def test_the_reader_copy_is_made_on_intake_not_by_the_first_download(files_app: App, tmp_path: Path) -> None:
    meeting_id, _ = files_app.new_meeting()
    hostile = pdfs.active_content_pdf(IHANOI, tmp_path / "intake.pdf")
    hostile.write_bytes(hostile.read_bytes() + b"\n% made on intake\n")
    document = upload(files_app.users["sec"], meeting_id, hostile, classification="public")
    sha256 = document["versions"][0]["sha256"]
    copies = Path(files_app.http.app.state.settings.reader_copy_dir)
    made: list[str] = []
    for _ in range(400):  # made in the background just after the document is ready
        made = [path.name for path in copies.rglob(f"{sha256}.*")]
        if made:
            break
        time.sleep(0.05)
    assert made == [f"{sha256}.r1.pdf"]
