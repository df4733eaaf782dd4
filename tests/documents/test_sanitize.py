"""Readers' copies without active content: every kind of script, launch and embedded file goes; pages stay."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from documents.extract import extract_pages
from documents.sanitize import ReaderCopies, active_content, without_active_content
from tests.support import pdfs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IHANOI = FIXTURES / "bao-cao-ihanoi.pdf"


def test_every_kind_of_active_content_is_found(tmp_path: Path) -> None:
    found = set(active_content(pdfs.active_content_pdf(IHANOI, tmp_path / "hostile.pdf")))
    assert {"/OpenAction", "/AA", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/Launch", "/Annots", "/XFA"} <= found
    assert active_content(IHANOI) == []


def test_the_rewrite_keeps_pages_text_and_links_but_nothing_active(tmp_path: Path) -> None:
    hostile = pdfs.active_content_pdf(IHANOI, tmp_path / "hostile.pdf")
    safe = tmp_path / "safe.pdf"
    safe.write_bytes(without_active_content(hostile))
    assert active_content(safe) == []
    assert [page.text for page in extract_pages(safe)] == [page.text for page in extract_pages(IHANOI)]
    links = [annotation.get_object().get("/A") for annotation in PdfReader(safe).pages[0]["/Annots"]]
    assert [link["/URI"] for link in links if link is not None] == ["https://hanoi.gov.vn/"]
    assert b"payload.exe" not in safe.read_bytes() and b"MZ\x90" not in safe.read_bytes()


def test_reader_copies_serve_a_clean_file_as_it_is_and_a_hostile_one_rewritten(tmp_path: Path) -> None:
    copies = ReaderCopies(tmp_path / "copies")
    hostile = pdfs.active_content_pdf(IHANOI, tmp_path / "hostile.pdf")
    before = hostile.read_bytes()
    assert copies.path_for("a" * 64, IHANOI) == IHANOI
    copy = copies.path_for("b" * 64, hostile)
    assert copy != hostile and active_content(copy) == [] and hostile.read_bytes() == before
    assert copies.path_for("b" * 64, hostile) == copy
    copies.drop("b" * 64)
    copies.drop("a" * 64)
    assert [path for path in (tmp_path / "copies").rglob("*") if path.is_file()] == []
