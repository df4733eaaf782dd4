"""Real files for intake tests: good PDFs with Vietnamese text, and every kind of bad file.

Each generator writes `dst` (creating its folder) and returns it.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from documents.watermark import watermark_font_path

A4 = (595.28, 841.89)
_FONT = "TestsVietnameseSans"


def _vietnamese_font() -> str:
    path = watermark_font_path()
    if path is None:
        raise RuntimeError("no TrueType font with Vietnamese glyphs: install fonts-dejavu-core (make system-deps)")
    try:
        pdfmetrics.getFont(_FONT)
    except KeyError:
        pdfmetrics.registerFont(TTFont(_FONT, str(path)))
    return _FONT


def _prepare(dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    return dst


def text_pdf(
    path: Path,
    pages: list[str],
    title: str | None = None,
    author: str | None = None,
    pagesize: tuple[float, float] = A4,
) -> Path:
    """An A4 PDF with one page per string (lines split on "\\n", long lines wrapped), in a TTF font with
    Vietnamese glyphs so the text extracts back exactly."""
    font = _vietnamese_font()
    canvas = Canvas(str(_prepare(path)), pagesize=pagesize, invariant=True)
    # Empty rather than reportlab's "untitled"/"anonymous", so that no title reads back as None.
    canvas.setTitle(title or "")
    canvas.setAuthor(author or "")
    width, height = pagesize
    for text in pages:
        canvas.setFont(font, 12)
        y = height - 72
        for paragraph in text.split("\n"):
            for line in simpleSplit(paragraph, font, 12, width - 144) or [""]:
                canvas.drawString(72, y, line)
                y -= 16
        canvas.showPage()
    canvas.save()
    return path


def many_pages_pdf(dst: Path, n: int) -> Path:
    """An n-page PDF, each page saying "Page i of n" (standard Helvetica: quick to write even for thousands)."""
    canvas = Canvas(str(_prepare(dst)), pagesize=A4, invariant=True)
    canvas.setTitle("")
    canvas.setAuthor("")
    for number in range(1, n + 1):
        canvas.setFont("Helvetica", 12)
        canvas.drawString(72, 770, f"Page {number} of {n}")
        canvas.showPage()
    canvas.save()
    return dst


def encrypted_pdf(src: Path, dst: Path, user_password: str, owner_password: str | None = None) -> Path:
    """`src` encrypted with AES-256; an empty `user_password` makes a file any reader opens without asking."""
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-256")
    with _prepare(dst).open("wb") as file:
        writer.write(file)
    return dst


def rotated_pdf(src: Path, dst: Path, degrees: int) -> Path:
    """`src` with every page's /Rotate set to `degrees` (a multiple of 90)."""
    writer = PdfWriter(clone_from=PdfReader(src))
    for page in writer.pages:
        page.rotate(degrees)
    with _prepare(dst).open("wb") as file:
        writer.write(file)
    return dst


def truncated_pdf(src: Path, dst: Path, fraction: float = 0.6) -> Path:
    """The first `fraction` of `src`'s bytes: an interrupted download."""
    data = src.read_bytes()
    _prepare(dst).write_bytes(data[: int(len(data) * fraction)])
    return dst


def garbage_pdf(dst: Path, size: int = 20_000, seed: int = 7) -> Path:
    """A %PDF-1.7 header followed by random bytes."""
    _prepare(dst).write_bytes(b"%PDF-1.7\n" + random.Random(seed).randbytes(size))
    return dst


def docx_like(dst: Path) -> Path:
    """A minimal Word (.docx) package: a zip with [Content_Types].xml and word/document.xml."""
    with zipfile.ZipFile(_prepare(dst), "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return dst


def odt_like(dst: Path) -> Path:
    """A minimal OpenDocument text: a zip whose first, stored entry is `mimetype`."""
    with zipfile.ZipFile(_prepare(dst), "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
    return dst


def plain_zip(dst: Path) -> Path:
    """A zip that is no office document."""
    with zipfile.ZipFile(_prepare(dst), "w") as archive:
        archive.writestr("notes.txt", "hello")
    return dst


def ole_like(dst: Path) -> Path:
    """The start of an OLE2 compound file, as old .doc/.xls/.ppt files are."""
    _prepare(dst).write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504))
    return dst


def empty_file(dst: Path) -> Path:
    """Zero bytes."""
    _prepare(dst).write_bytes(b"")
    return dst


def png_file(dst: Path, size: tuple[int, int] = (40, 30)) -> Path:
    """A small PNG image."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format="PNG")
    _prepare(dst).write_bytes(buffer.getvalue())
    return dst


def no_pages_pdf(dst: Path) -> Path:
    """A syntactically valid PDF whose page tree is empty."""
    writer = PdfWriter()
    with _prepare(dst).open("wb") as file:
        writer.write(file)
    return dst
