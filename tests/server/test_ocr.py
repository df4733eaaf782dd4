"""Scanned documents through the HTTP API: OCR reads them in the background, page by page, and from then on
they are text like any other (``source: "ocr"`` with a confidence), searchable and cited by page.

The scans are made here from the real Vietnamese reports: each page rendered at 200 dpi, turned 0.6 degrees
and speckled, wrapped back into a PDF with no text layer.
"""

from __future__ import annotations

import io
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from documents.extract import extract_pages
from documents.ocr import OcrFailed, OcrPage, ocr_page
from tests.server.conftest import App, Client, build_app
from tests.server.test_assistant import ask, wait_searchable
from tests.server.test_documents import upload
from tests.support.pdfs import text_pdf
from tests.support.scans import mixed_pdf, require_tesseract, scanned_pdf

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IHANOI = FIXTURES / "bao-cao-ihanoi.pdf"
DE_AN_06 = FIXTURES / "so-ket-de-an-06-2022.pdf"
WORD = re.compile(r"\w+")
SHORT_PAGE = "Đề nghị báo cáo kết quả chuyển đổi số trước ngày 15 tháng 12 năm 2024."


def words(text: str) -> list[str]:
    return WORD.findall(unicodedata.normalize("NFC", text).lower())


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def found_share(expected: list[str], read: list[str], key: Any = lambda w: w) -> float:
    """The share of the expected words (with repeats) that OCR read, compared by `key`."""
    pool: dict[str, int] = {}
    for word in read:
        pool[key(word)] = pool.get(key(word), 0) + 1
    hits = 0
    for word in expected:
        if pool.get(key(word), 0) > 0:
            pool[key(word)] -= 1
            hits += 1
    return hits / len(expected)


def wait_document(
    client: Client, document_id: int, done: Callable[[dict[str, Any]], bool], what: str, within: float
) -> dict[str, Any]:
    """The document once ``done`` holds for it, read every 0.1 s for at most ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        document: dict[str, Any] = client.ok("GET", f"/api/documents/{document_id}")
        if done(document):
            return document
        time.sleep(0.1)
    raise AssertionError(f"document {document_id}: {what} not so after {within}s: {document}")


def wait_ocr(client: Client, document_id: int, within: float = 120) -> dict[str, Any]:
    def finished(document: dict[str, Any]) -> bool:
        return bool(document["status"] == "ready" and document["ocr_done"] >= document["ocr_total"])

    return wait_document(client, document_id, finished, "OCR finished", within)


def wait_searchable_copy(client: Client, document_id: int, within: float = 30) -> dict[str, Any]:
    """The document once its current version's searchable copy is stored: it is written after the last page's
    OCR commits (and its ``document.ocr`` event), in the background, so a moment after ``wait_ocr``."""

    def copied(document: dict[str, Any]) -> bool:
        return bool(document["versions"][0]["searchable_copy"])

    return wait_document(client, document_id, copied, "searchable copy stored", within)


def wait_page_found(client: Client, meeting_id: int, question: str, document_id: int, within: float = 30) -> Any:
    """Ask until the answer cites `document_id` (an OCR'd page is indexed seconds after its event)."""
    deadline = time.monotonic() + within
    while True:
        reply = ask(client, question, meeting_id=meeting_id)
        if any(c["document_id"] == document_id for c in reply["citations"]) or time.monotonic() > deadline:
            return reply
        time.sleep(0.2)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    require_tesseract()
    with build_app(tmp_path_factory.mktemp("ocr"), dense_search=False) as world:
        yield world


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scans")
    return {
        "ihanoi": scanned_pdf(IHANOI, folder / "cong-van-ihanoi-scan.pdf", dpi=200),
        "mixed": mixed_pdf(DE_AN_06, folder / "so-ket-mixed.pdf", scanned={2}),
        # two short pages: quick to read
        "short": scanned_pdf(
            text_pdf(folder / "short.pdf", ["Kính gửi: Văn phòng Ủy ban nhân dân thành phố", SHORT_PAGE]),
            folder / "short-scan.pdf",
        ),
    }


def test_a_scanned_report_is_read_searchable_and_cited_by_page(app: App, scans: dict[str, Path]) -> None:
    sec, chair = app.users["sec"], app.users["chair"]
    meeting_id, _ = app.new_meeting()
    scan = upload(sec, meeting_id, scans["ihanoi"], title="Báo cáo iHanoi (bản quét)").json()
    # a text PDF sent just after the scan is readable and searchable while the scan is still being read
    text = upload(sec, meeting_id, DE_AN_06, title="Sơ kết Đề án 06").json()
    assert wait_searchable(sec, text["id"])["ocr_total"] == 0
    pending = sec.ok("GET", f"/api/documents/{scan['id']}")
    assert pending["status"] == "ready" and pending["ocr_total"] == 2 and pending["ocr_done"] < 2, pending

    done = wait_ocr(sec, scan["id"])
    assert (done["ocr_done"], done["ocr_total"], done["ocr_failed"]) == (2, 2, 0)
    pages = chair.ok("GET", f"/api/documents/{scan['id']}/text")["pages"]
    source = [page.text for page in extract_pages(IHANOI)]
    assert [p["page"] for p in pages] == [1, 2]
    for page, expected in zip(pages, source, strict=True):
        assert page["source"] == "ocr" and page["ocr_status"] == "done" and page["ocr_error"] is None
        assert 0.8 < page["confidence"] <= 1
        expected_words, read = words(expected), words(page["text"])
        accented = [w for w in expected_words if fold(w) != w]
        # Tesseract's Vietnamese keeps the diacritics: nearly every word, and nearly every accented word, exact
        assert found_share(expected_words, read) > 0.95
        assert found_share(accented, read) > 0.93
        assert found_share(expected_words, read, key=fold) > 0.97
    assert "chuyển đổi số" in pages[0]["text"] and "1.043.724" in pages[0]["text"]

    reply = wait_page_found(chair, meeting_id, "Tính đến ngày 31/10/2024, iHanoi có bao nhiêu người dùng?", scan["id"])
    assert reply["found"] and "1.043.724" in " ".join([reply["answer"], *(c["snippet"] for c in reply["citations"])])
    cited = [(c["document_id"], c["page"]) for c in reply["citations"]]
    assert (scan["id"], 1) in cited, reply
    reply = ask(chair, "Kết quả lớn nhất của việc triển khai Đề án 06 ở Hà Nội là gì?", meeting_id=meeting_id)
    assert any(c["document_id"] == scan["id"] and c["page"] == 2 for c in reply["citations"]), reply

    # downloads carry the invisible text layer; page images are the scan itself
    wait_searchable_copy(sec, scan["id"])
    download = chair.request("GET", f"/api/documents/{scan['id']}/file")
    assert download.status_code == 200
    layered = PdfReader(io.BytesIO(download.content))
    assert len(layered.pages) == 2 and "1.043.724" in (layered.pages[0].extract_text() or "")
    image = chair.request("GET", f"/api/documents/{scan['id']}/pages/2?width=400")
    assert image.status_code == 200 and image.headers["content-type"] == "image/webp"


def test_a_mixed_pdf_keeps_its_text_pages_and_reads_only_the_scanned_one(app: App, scans: dict[str, Path]) -> None:
    sec = app.users["sec"]
    meeting_id, _ = app.new_meeting()
    document = upload(sec, meeting_id, scans["mixed"]).json()
    done = wait_ocr(sec, document["id"])
    assert (done["ocr_done"], done["ocr_total"]) == (1, 1)
    pages = sec.ok("GET", f"/api/documents/{document['id']}/text")["pages"]
    source = [page.text for page in extract_pages(DE_AN_06)]
    assert [(p["source"], p["ocr_status"]) for p in pages] == [("text", None), ("ocr", "done"), ("text", None)]
    assert pages[0]["text"] == source[0] and pages[2]["text"] == source[2]
    assert pages[0]["confidence"] is None and pages[1]["confidence"] > 0.8
    assert found_share(words(source[1]), words(pages[1]["text"])) > 0.95


def test_a_page_that_cannot_be_read_is_marked_and_the_rest_goes_on(app: App, scans: dict[str, Path]) -> None:
    """Tesseract crashing on page 1 (as it may on a damaged image) fails that page only."""
    worker = app.http.app.state.ocr

    def crashes_on_page_one(path: Path, page: int, **options: Any) -> OcrPage:
        if page == 1:
            raise OcrFailed("Tesseract failed: Segmentation fault")
        return ocr_page(path, page, **options)

    sec, del1 = app.users["sec"], app.users["del1"]
    meeting_id, _ = app.new_meeting()
    worker.read_page = crashes_on_page_one
    try:
        document = upload(sec, meeting_id, scans["short"], title="Bản quét lỗi trang 1").json()
        done = wait_ocr(sec, document["id"])
    finally:
        worker.read_page = ocr_page
    assert (done["status"], done["ocr_done"], done["ocr_failed"]) == ("ready", 2, 1)
    first, second = del1.ok("GET", f"/api/documents/{document['id']}/text")["pages"]
    assert first["ocr_status"] == "failed" and first["ocr_error"] == "Tesseract failed: Segmentation fault"
    assert first["text"] == "" and first["confidence"] is None
    assert second["ocr_status"] == "done" and second["text"] == SHORT_PAGE and second["confidence"] > 0.8
    # the page that was read still gets its text layer in downloads
    wait_searchable_copy(sec, document["id"])
