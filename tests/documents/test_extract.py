"""extract_pages(): Vietnamese text back out of real PDFs, tidy and NFC."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from documents.errors import InvalidDocument
from documents.extract import PageText, extract_pages, normalise_text
from tests.documents.conftest import DE_AN_06, FIXTURES, IHANOI, VIETNAMESE_PAGES
from tests.support.data import shared_data
from tests.support.pdfs import encrypted_pdf, garbage_pdf, text_pdf


def folded(text: str) -> str:
    """How questions.json compares: NFC, lower case, whitespace folded."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).lower()


def document_text(path: Path) -> str:
    return folded(" ".join(page.text for page in extract_pages(path)))


def test_generated_vietnamese_text_round_trips(vietnamese_pdf: Path) -> None:
    pages = extract_pages(vietnamese_pdf)
    assert [page.page for page in pages] == [1, 2, 3]
    assert pages[0] == PageText(page=1, text=VIETNAMESE_PAGES[0])
    assert "Chuyển đổi số" in pages[0].text
    assert [page.text for page in pages] == VIETNAMESE_PAGES


def test_decomposed_input_comes_back_composed(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Nghị quyết Hội đồng nhân dân")
    pages = extract_pages(text_pdf(tmp_path / "nfd.pdf", [decomposed]))
    assert pages[0].text == "Nghị quyết Hội đồng nhân dân"
    assert unicodedata.is_normalized("NFC", pages[0].text)


@pytest.mark.parametrize(
    ("path", "phrases"),
    [
        (IHANOI, ["1.043.724", "17.083", "84,3%", "11/11/2024", "thay đổi nhận thức"]),
        (DE_AN_06, ["25/25", "302.220", "6,5 triệu", "chưa có tính năng số hóa", "nguyễn duy ngọc"]),
    ],
)
def test_fixture_reports_contain_known_phrases(path: Path, phrases: list[str]) -> None:
    text = document_text(path)
    for phrase in phrases:
        assert folded(phrase) in text


def test_every_expected_answer_of_the_dev_questions_is_extracted() -> None:
    questions = json.loads(shared_data("vi-dev/questions.json").read_text(encoding="utf-8"))["questions"]
    texts = {name: document_text(FIXTURES / name) for name in {question["document"] for question in questions}}
    missing = [q["expect"] for q in questions if folded(q["expect"]) not in texts[q["document"]]]
    assert missing == []


def test_real_minutes_book_has_text_on_every_page() -> None:
    pages = extract_pages(shared_data("real-pdfs/2020_01_15.pdf"))
    assert len(pages) == 171
    assert sum(1 for page in pages if page.text) >= 165
    assert all(page.text == normalise_text(page.text) for page in pages)


def test_pdf_with_empty_user_password_is_extracted(tmp_path: Path) -> None:
    path = encrypted_pdf(IHANOI, tmp_path / "owner-only.pdf", "")
    assert "1.043.724" in document_text(path)


def test_unopenable_files_raise_invalid_document(tmp_path: Path) -> None:
    with pytest.raises(InvalidDocument) as caught:
        extract_pages(garbage_pdf(tmp_path / "garbage.pdf"))
    assert caught.value.code == "damaged"
    with pytest.raises(InvalidDocument) as caught:
        extract_pages(encrypted_pdf(IHANOI, tmp_path / "locked.pdf", "secret"))
    assert caught.value.code == "encrypted"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  a \t  b  \n\n\n  c  ", "a b\nc"),
        ("line one\r\nline two\rthree", "line one\nline two\nthree"),
        ("x\u00a0\u2003y\x00z", "x yz"),
        (unicodedata.normalize("NFD", "Đề án 06"), "Đề án 06"),
        ("", ""),
        ("  \n \t \n", ""),
    ],
)
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected
