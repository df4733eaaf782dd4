"""documents.ocr: which pages are scans, reading one with Tesseract, and the invisible text layer."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from documents.extract import extract_pages
from documents.ocr import (
    OcrFailed,
    OcrUnavailable,
    add_text_layer,
    check_languages,
    ocr_page,
    scanned_pages,
    usable_text,
)
from documents.render import render_page
from tests.documents.conftest import DE_AN_06, IHANOI
from tests.support.pdfs import A4, rotated_pdf
from tests.support.scans import mixed_pdf, require_tesseract, scan_image, scanned_pdf


def test_usable_text_wants_enough_letters_and_mostly_letters() -> None:
    assert usable_text("Ủy ban nhân dân thành phố Hà Nội")
    assert usable_text("Biểu 1: 1.043.724 17.083 84,3% 55%")  # a table of figures is text too
    assert not usable_text("")
    assert not usable_text("- 3 -")  # a page number on a scan
    assert not usable_text("\ue000\ue001\ue002 ... \ue003" * 10)  # glyphs with no Unicode mapping
    assert not usable_text("ab" * 3 + "·" * 40)


def test_scanned_pages_are_those_without_a_usable_text_layer(tmp_path: Path) -> None:
    texts = lambda path: [page.text for page in extract_pages(path)]  # noqa: E731
    assert scanned_pages(IHANOI, texts(IHANOI)) == []
    scan = scanned_pdf(IHANOI, tmp_path / "scan.pdf", dpi=100)
    assert scanned_pages(scan, texts(scan)) == [1, 2]
    mixed = mixed_pdf(DE_AN_06, tmp_path / "mixed.pdf", scanned={2}, dpi=100)
    assert scanned_pages(mixed, texts(mixed)) == [2]


def test_a_scan_under_a_signing_stamp_is_still_a_scan(tmp_path: Path) -> None:
    """A digitally signed scan carries a line of real text over the page image: the page still needs OCR."""
    image = scan_image(IHANOI, 1, dpi=72)
    path = tmp_path / "signed.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    canvas.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
    canvas.setFont("Helvetica", 8)
    canvas.drawString(20, 20, "Signed by: UBND Thanh pho Ha Noi, 2024-11-21 10:02:11 +07:00")
    canvas.showPage()
    canvas.save()
    text = extract_pages(path)[0].text
    assert usable_text(text)
    assert scanned_pages(path, [text]) == [1]


def test_missing_languages_make_ocr_unavailable() -> None:
    require_tesseract()
    check_languages("vie+eng")
    with pytest.raises(OcrUnavailable, match="tesseract-ocr-xyz"):
        check_languages("vie+xyz")


def test_a_page_tesseract_cannot_finish_in_time_fails_alone(tmp_path: Path) -> None:
    require_tesseract()
    scan = scanned_pdf(IHANOI, tmp_path / "scan.pdf", dpi=150, pages=[1])
    with pytest.raises(OcrFailed, match="longer than"):
        ocr_page(scan, 1, timeout=0.05)
    with pytest.raises(ValueError, match="out of range"):
        ocr_page(scan, 2)


def test_a_turned_scan_is_read_upright_and_its_text_layer_lands_on_the_page(tmp_path: Path) -> None:
    """/Rotate 90: the page is shown turned, its lines running down; Tesseract still reads them, and the text
    layer is laid over the page as shown, leaving how it looks unchanged."""
    require_tesseract()
    scan = rotated_pdf(scanned_pdf(IHANOI, tmp_path / "scan.pdf", dpi=150, pages=[2]), tmp_path / "turned.pdf", 90)
    page = ocr_page(scan, 1, dpi=150, text_layer=True)
    assert page.dpi == 150 and page.words > 200 and page.confidence is not None and page.confidence > 0.8
    assert "thay đổi nhận thức" in page.text and page.text_layer is not None
    layered = tmp_path / "layered.pdf"
    add_text_layer(scan, {1: page.text_layer}, layered)
    # pypdf puts each word of vertical lines on its own line: compare with whitespace folded
    assert "thay đổi nhận thức" in " ".join(extract_pages(layered)[0].text.split())
    before = Image.open(io.BytesIO(render_page(scan, 1, 500, "png")))
    after = Image.open(io.BytesIO(render_page(layered, 1, 500, "png")))
    assert before.size == after.size and before.width > before.height  # shown turned, as the reader sees it
    # the turn moved into the content: pdfium places the image up to a pixel apart, nothing more
    small = (100, round(100 * before.height / before.width))
    difference = ImageStat.Stat(
        ImageChops.difference(before.convert("L").resize(small), after.convert("L").resize(small))
    )
    assert difference.mean[0] < 2
