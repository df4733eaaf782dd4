"""Honest readiness through the HTTP API: a scan is `searchable` only once OCR has read every page and its
text is in the index, even when OCR fails on the last page; what it says is always what search finds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from documents.ocr import OcrFailed, OcrPage, ocr_page
from tests.server.conftest import App, Client, build_app
from tests.server.test_documents import upload
from tests.support.pdfs import text_pdf
from tests.support.scans import require_tesseract, scanned_pdf

FIRST_PAGE = "Kính gửi: Văn phòng Ủy ban nhân dân thành phố về việc tổng hợp kết quả chuyển đổi số"
SECOND_PAGE = "Đề nghị báo cáo kết quả chuyển đổi số trước ngày 15 tháng 12 năm 2024."


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    require_tesseract()
    with build_app(tmp_path_factory.mktemp("readiness"), dense_search=False) as world:
        yield world


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scans")
    return scanned_pdf(text_pdf(folder / "short.pdf", [FIRST_PAGE, SECOND_PAGE]), folder / "short-scan.pdf")


def watch_until_searchable(client: Client, document_id: int, within: float = 180) -> list[dict[str, Any]]:
    """Every state of the document seen, read every 0.05 s, until it says searchable."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        document: dict[str, Any] = client.ok("GET", f"/api/documents/{document_id}")
        seen.append(document)
        if document["searchable"]:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"document {document_id} never searchable: {seen[-1]}")


def found_on(client: Client, query: str, document_id: int) -> int | None:
    """The page of the best hit for `query` in the document (None: nothing found)."""
    hits = client.ok("GET", "/api/search", params={"q": query, "document_id": document_id})["hits"]
    return hits[0]["page"] if hits else None


def test_a_scan_is_searchable_only_once_ocr_has_read_every_page(app: App, scan: Path) -> None:
    sec = app.users["sec"]
    meeting_id, _ = app.new_meeting()
    document = upload(sec, meeting_id, scan, title="Công văn (bản quét)").json()
    seen = watch_until_searchable(sec, document["id"])
    ready = [state for state in seen if state["status"] == "ready"]
    assert ready and ready[0]["ocr_total"] == 2
    for state in seen:  # never searchable while a page's text was still to come
        assert not state["searchable"] or state["ocr_done"] == state["ocr_total"], state
    # the moment it says so, both pages' words are found, without waiting
    assert found_on(sec, "Văn phòng Ủy ban nhân dân thành phố", document["id"]) == 1
    assert found_on(sec, "báo cáo trước ngày 15 tháng 12", document["id"]) == 2


def test_a_scan_whose_last_page_cannot_be_read_still_becomes_searchable(app: App, scan: Path) -> None:
    worker = app.http.app.state.ocr

    def crashes_on_page_two(path: Path, page: int, **options: Any) -> OcrPage:
        if page == 2:
            raise OcrFailed("Tesseract failed: Segmentation fault")
        return ocr_page(path, page, **options)

    sec = app.users["sec"]
    meeting_id, _ = app.new_meeting()
    worker.read_page = crashes_on_page_two
    try:
        document = upload(sec, meeting_id, scan, title="Bản quét lỗi trang 2").json()
        seen = watch_until_searchable(sec, document["id"])
    finally:
        worker.read_page = ocr_page
    final = seen[-1]
    assert (final["ocr_done"], final["ocr_total"], final["ocr_failed"]) == (2, 2, 1)
    assert all(not state["searchable"] or state["ocr_done"] == 2 for state in seen)
    assert found_on(sec, "Văn phòng Ủy ban nhân dân thành phố", document["id"]) == 1


@pytest.mark.parametrize("failing", ["extraction's commit", "index's mark"])
def test_a_document_whose_work_fails_once_is_tried_again_and_becomes_searchable(
    app: App, tmp_path: Path, failing: str
) -> None:
    """The database refuses the worker's commit of a document's text, or the index's mark that it is
    searchable, once (busy beyond its timeout, say): the work is tried again a second later, and the document
    is ready and searchable, found by its words, without a restart."""
    from sqlalchemy.exc import OperationalError

    state = app.http.app.state
    owner, name = (
        (state.worker, "_finish") if failing == "extraction's commit" else (state.search_index, "_mark_searchable")
    )
    real = getattr(owner, name)
    failures: list[str] = []

    async def fails_once(*args: Any) -> None:
        if not failures:
            failures.append(name)
            raise OperationalError("COMMIT", {}, Exception("database is locked"))
        await real(*args)

    sec = app.users["sec"]
    meeting_id, _ = app.new_meeting()
    path = text_pdf(tmp_path / "retry.pdf", [FIRST_PAGE, SECOND_PAGE])
    setattr(owner, name, fails_once)
    try:
        document = upload(sec, meeting_id, path, classification="public").json()
        seen = watch_until_searchable(sec, document["id"], within=60)
    finally:
        delattr(owner, name)
    assert failures == [name]
    assert seen[-1]["status"] == "ready"
    found = sec.ok("GET", "/api/search", params={"q": "Văn phòng Ủy ban nhân dân thành phố", "meeting_id": meeting_id})
    assert document["id"] in {hit["document_id"] for hit in found["hits"]}, found
