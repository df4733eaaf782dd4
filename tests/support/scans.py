"""Scanned PDFs made from text PDFs, as a scanner would: each page an image (slightly turned, speckled),
no text layer. What OCR is tested on."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image
from pypdf import PdfReader, PdfWriter

from documents.ocr import OcrUnavailable, check_languages
from tests.support.services import require


def scan_image(
    src: Path, page: int, dpi: int = 200, angle: float = 0.6, noise: float = 0.0005, seed: int = 1
) -> Image.Image:
    """Page `page` (1-based) of `src` rendered at `dpi` in grey, turned by `angle` degrees, with a share
    `noise` of its pixels flipped to black or white (dust and toner specks)."""
    document = pdfium.PdfDocument(src)
    try:
        bitmap = document[page - 1].render(scale=dpi / 72, grayscale=True)
        image: Image.Image = bitmap.to_pil().convert("L")
    finally:
        document.close()
    image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    pixels = image.load()
    assert pixels is not None
    rng = random.Random(seed * 1000 + page)
    width, height = image.size
    for _ in range(int(width * height * noise)):
        pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 255))
    return image


def scanned_pdf(src: Path, dst: Path, dpi: int = 200, pages: list[int] | None = None, **scan: float) -> Path:
    """An image-only PDF of `pages` (1-based; default all) of `src`, each scanned by `scan_image`."""
    count = len(PdfReader(src).pages)
    images = [scan_image(src, number, dpi, **scan) for number in (pages or range(1, count + 1))]  # type: ignore[arg-type]
    dst.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(dst, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return dst


def mixed_pdf(src: Path, dst: Path, scanned: set[int], dpi: int = 200) -> Path:
    """`src` with the pages in `scanned` (1-based) replaced by their scans; the others keep their text."""
    writer = PdfWriter()
    reader = PdfReader(src)
    for number, page in enumerate(reader.pages, start=1):
        if number in scanned:
            buffer = io.BytesIO()
            scan_image(src, number, dpi).save(buffer, format="PDF", resolution=dpi)
            writer.add_page(PdfReader(buffer).pages[0])
        else:
            writer.add_page(page)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with dst.open("wb") as out:
        writer.write(out)
    return dst


def tesseract_problem() -> str | None:
    """Why Tesseract with Vietnamese cannot be used here, or None."""
    try:
        check_languages("vie+eng")
    except OcrUnavailable as exc:
        return f"{exc}: run make system-deps"
    return None


def require_tesseract() -> None:
    """Skip the calling test when Tesseract with Vietnamese is not installed, except under CI=true, where it
    fails: `make system-deps` installs it, and CI must run every test."""
    require(tesseract_problem())
