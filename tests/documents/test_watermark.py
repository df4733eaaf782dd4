"""Watermarks: visible on images and PDFs, Vietnamese intact, traceable in metadata."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader, PdfWriter

from documents import watermark
from documents.render import render_page
from documents.watermark import METADATA_KEY, watermark_font_path, watermark_image, watermark_pdf
from tests.documents.conftest import IHANOI
from tests.support.data import shared_data
from tests.support.pdfs import encrypted_pdf, rotated_pdf, text_pdf

STAMP = "Nguyễn Văn A · 2026-11-25 14:03 · MẬT"


def test_a_vietnamese_font_is_found() -> None:
    path = watermark_font_path()
    assert path is not None and path.is_file(), "install fonts-dejavu-core (make system-deps)"


@pytest.mark.parametrize(("fmt", "pil_format"), [("webp", "WEBP"), ("png", "PNG")])
def test_watermarked_image_keeps_its_size_and_changes(fmt: str, pil_format: str) -> None:
    original = render_page(IHANOI, 1, 500, "png")
    stamped = watermark_image(original, STAMP, fmt)
    before = Image.open(io.BytesIO(original)).convert("RGB")
    after = Image.open(io.BytesIO(stamped))
    assert after.format == pil_format
    assert after.size == before.size
    difference = ImageChops.difference(before, after.convert("RGB"))
    assert difference.getbbox() is not None
    # Faint: the page stays readable, most pixels change only a little.
    histogram = difference.convert("L").histogram()
    assert sum(histogram[:80]) / sum(histogram) > 0.95


def test_watermarked_image_bottom_edge_is_marked() -> None:
    blank = io.BytesIO()
    Image.new("RGB", (800, 1100), "white").save(blank, format="PNG")
    after = Image.open(io.BytesIO(watermark_image(blank.getvalue(), STAMP, "png"))).convert("RGB")
    bottom = after.crop((0, 1060, 800, 1100))
    assert ImageChops.difference(bottom, Image.new("RGB", bottom.size, "white")).getbbox() is not None


def stamped_reader(path: Path) -> PdfReader:
    return PdfReader(io.BytesIO(watermark_pdf(path, STAMP)))


def test_watermarked_pdf_keeps_pages_and_carries_the_text(vietnamese_pdf: Path) -> None:
    reader = stamped_reader(vietnamese_pdf)
    assert len(reader.pages) == 3
    for page in reader.pages:
        text = page.extract_text()
        assert "Nguyễn Văn A" in text  # Vietnamese glyphs survive the embedded font
        assert "Chuyển đổi số" in text or "Báo cáo" in text or "Kết luận" in text
    assert reader.metadata is not None
    assert reader.metadata["/Subject"] == STAMP and reader.metadata[METADATA_KEY] == STAMP
    assert (reader.metadata.title or "").strip() == "Họp giao ban tháng 11"  # original metadata kept


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotated_pages_are_stamped_upright(tmp_path: Path, degrees: int) -> None:
    source = rotated_pdf(IHANOI, tmp_path / "rotated.pdf", degrees)
    stamped = tmp_path / "stamped.pdf"
    stamped.write_bytes(watermark_pdf(source, STAMP))
    reader = PdfReader(stamped)
    assert reader.pages[0].rotation == degrees
    assert "Nguyễn Văn A" in reader.pages[0].extract_text()
    # The bottom line sits along the bottom of the page as displayed.
    before = Image.open(io.BytesIO(render_page(source, 1, 400, "png"))).convert("RGB")
    after = Image.open(io.BytesIO(render_page(stamped, 1, 400, "png"))).convert("RGB")
    assert after.size == before.size
    edge = (0, after.height - 12, after.width, after.height)
    assert ImageChops.difference(before.crop(edge), after.crop(edge)).getbbox() is not None


def test_page_with_offset_mediabox_is_covered(tmp_path: Path) -> None:
    source = text_pdf(tmp_path / "letter.pdf", ["Biên bản cuộc họp"], pagesize=(612, 792))
    writer = PdfWriter(clone_from=PdfReader(source))
    page = writer.pages[0]
    page.mediabox.lower_left = (100, 100)
    page.mediabox.upper_right = (712, 892)
    page.add_transformation((1, 0, 0, 1, 100, 100))
    shifted = tmp_path / "shifted.pdf"
    writer.write(shifted)
    stamped = tmp_path / "stamped.pdf"
    stamped.write_bytes(watermark_pdf(shifted, STAMP))
    assert "Nguyễn Văn A" in PdfReader(stamped).pages[0].extract_text()
    before = Image.open(io.BytesIO(render_page(shifted, 1, 300, "png"))).convert("RGB")
    after = Image.open(io.BytesIO(render_page(stamped, 1, 300, "png"))).convert("RGB")
    edge = (0, after.height - 10, after.width, after.height)
    assert ImageChops.difference(before.crop(edge), after.crop(edge)).getbbox() is not None


def test_pdf_with_empty_user_password_is_stamped(tmp_path: Path) -> None:
    reader = stamped_reader(encrypted_pdf(IHANOI, tmp_path / "owner-only.pdf", ""))
    assert not reader.is_encrypted and len(reader.pages) == 2


def test_real_minutes_book_is_stamped_quickly() -> None:
    book = shared_data("real-pdfs/2020_01_15.pdf")
    started = time.perf_counter()
    data = watermark_pdf(book, STAMP)
    elapsed = time.perf_counter() - started
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 171
    assert "Nguyễn Văn A" in reader.pages[170].extract_text()
    # Not a timing assertion of the product (bench/ measures that), only a guard against a blow-up.
    assert elapsed < 30
    assert len(data) < 3 * book.stat().st_size


def test_without_a_vietnamese_font_the_text_loses_only_its_accents(
    vietnamese_pdf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watermark, "watermark_font_path", lambda: None)
    reader = stamped_reader(vietnamese_pdf)
    assert "Nguyen Van A · 2026-11-25 14:03 · MAT" in reader.pages[0].extract_text()
    assert reader.metadata is not None and reader.metadata[METADATA_KEY] == STAMP
    original = render_page(IHANOI, 1, 300, "png")
    assert Image.open(io.BytesIO(watermark_image(original, STAMP, "png"))).size == Image.open(io.BytesIO(original)).size


def test_concurrent_stamping_is_safe(vietnamese_pdf: Path) -> None:
    original = render_page(IHANOI, 1, 300, "png")
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            if index % 2:
                assert len(PdfReader(io.BytesIO(watermark_pdf(vietnamese_pdf, f"{STAMP} {index}"))).pages) == 3
            else:
                assert Image.open(io.BytesIO(watermark_image(original, f"{STAMP} {index}"))).width == 300
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
