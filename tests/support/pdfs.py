"""Real files for intake tests: good PDFs with Vietnamese text, and every kind of bad file.

Each generator writes `dst` (creating its folder) and returns it.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path
from typing import Any

from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from documents.watermark import watermark_font_path

A4 = (595.28, 841.89)
_FONT = "TestsVietnameseSans"


def vietnamese_font() -> str:
    """The name of a registered TrueType font with Vietnamese glyphs (DejaVu or Noto from Debian), registered once."""
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
    outline: list[tuple[str, int, int]] | None = None,
) -> Path:
    """An A4 PDF with one page per string (lines split on "\\n", long lines wrapped), in a TTF font with
    Vietnamese glyphs so the text extracts back exactly; with an `outline` (bookmarks), each ``(title, page,
    depth)`` opens 1-based `page`, nested under the entry before it of depth - 1."""
    outline = outline or []
    font = vietnamese_font()
    canvas = Canvas(str(_prepare(path)), pagesize=pagesize, invariant=True)
    # Empty rather than reportlab's "untitled"/"anonymous", so that no title reads back as None.
    canvas.setTitle(title or "")
    canvas.setAuthor(author or "")
    width, height = pagesize
    for number, text in enumerate(pages, start=1):
        for index, (_, page, _) in enumerate(outline):
            if page == number:
                canvas.bookmarkPage(f"entry-{index}")  # a key of its own: entries sharing one share a title
        canvas.setFont(font, 12)
        y = height - 72
        for paragraph in text.split("\n"):
            for line in simpleSplit(paragraph, font, 12, width - 144) or [""]:
                canvas.drawString(72, y, line)
                y -= 16
        canvas.showPage()
    for index, (entry, _, depth) in enumerate(outline):
        canvas.addOutlineEntry(entry, f"entry-{index}", level=depth)
    canvas.save()
    return path


def outlined_pdf(path: Path, pages: list[str], outline: list[tuple[str, int, int]], title: str = "") -> Path:
    """`text_pdf` with an outline (bookmarks)."""
    return text_pdf(path, pages, title=title, outline=outline)


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


def active_content_pdf(src: Path, dst: Path) -> Path:
    """`src` with every kind of active content a viewer could run or open: a JavaScript /OpenAction
    chained (/Next) to a Launch, document and page /AA triggers, the /JavaScript and /EmbeddedFiles name
    trees, a link running JavaScript, a link launching a program, a file-attachment annotation, an XFA
    form whose field runs a script on keystroke; plus one harmless web link, which stays."""
    from pypdf.generic import (  # noqa: PLC0415  # only these builders need pypdf's object model
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    def name(value: str) -> NameObject:
        return NameObject(value)

    def action(kind: str, **entries: Any) -> DictionaryObject:
        made = DictionaryObject({name("/Type"): name("/Action"), name("/S"): name(kind)})
        made.update({name(f"/{key}"): value for key, value in entries.items()})
        return made

    def js(code: str) -> DictionaryObject:
        return action("/JavaScript", JS=TextStringObject(code))

    def annotation(subtype: str, **entries: Any) -> DictionaryObject:
        rect = ArrayObject([FloatObject(72), FloatObject(72), FloatObject(200), FloatObject(100)])
        made = DictionaryObject({name("/Type"): name("/Annot"), name("/Subtype"): name(subtype), name("/Rect"): rect})
        made.update({name(f"/{key}"): value for key, value in entries.items()})
        return made

    writer = PdfWriter(clone_from=PdfReader(src))
    launch = action("/Launch", F=TextStringObject("C:\\Windows\\System32\\cmd.exe"))
    opening = js("app.alert('open')")
    opening[name("/Next")] = writer._add_object(launch)
    writer._root_object[name("/OpenAction")] = writer._add_object(opening)
    writer._root_object[name("/AA")] = DictionaryObject({name("/WC"): js("app.alert('close')")})
    writer.add_attachment("payload.exe", b"MZ\x90\x00 not really a program")
    scripts = ArrayObject([TextStringObject("startup"), writer._add_object(js("app.alert('document script');"))])
    names = writer._root_object[name("/Names")].get_object()
    names[name("/JavaScript")] = DictionaryObject({name("/Names"): scripts})
    page = writer.pages[0]
    page[name("/AA")] = DictionaryObject({name("/O"): js("app.alert('page open')")})
    filespec = DictionaryObject(
        {
            name("/Type"): name("/Filespec"),
            name("/F"): TextStringObject("note.exe"),
            name("/EF"): DictionaryObject({name("/F"): writer._add_object(writer.pages[0].get_contents())}),
        }
    )
    annotations = [
        annotation("/Link", A=js("app.launchURL('http://evil.example')")),
        annotation("/Link", A=action("/Launch", F=TextStringObject("/bin/sh"))),
        annotation("/FileAttachment", FS=filespec),
        annotation("/Link", A=action("/URI", URI=TextStringObject("https://hanoi.gov.vn/"))),
    ]
    field = annotation(
        "/Widget",
        FT=name("/Tx"),
        T=TextStringObject("amount"),
        AA=DictionaryObject({name("/K"): js("event.rc = false;")}),
    )
    field_ref = writer._add_object(field)
    page[name("/Annots")] = ArrayObject([writer._add_object(item) for item in annotations] + [field_ref])
    writer._root_object[name("/AcroForm")] = DictionaryObject(
        {
            name("/Fields"): ArrayObject([field_ref]),
            name("/XFA"): TextStringObject("<xdp/>"),
            name("/NeedAppearances"): NumberObject(0),
        }
    )
    with _prepare(dst).open("wb") as file:
        writer.write(file)
    return dst


def tall_page_pdf(dst: Path, width_pt: float = 72, height_pt: float = 14400) -> Path:
    """A one-page PDF whose page is `width_pt` x `height_pt` points (72 x 14400: 1 in by 200 in), a line drawn
    down it: a few hundred bytes that ask a renderer for an enormous bitmap at any ordinary width."""
    canvas = Canvas(str(_prepare(dst)), pagesize=(width_pt, height_pt), invariant=True)
    canvas.setTitle("")
    canvas.setAuthor("")
    canvas.line(width_pt / 2, 0, width_pt / 2, height_pt)
    canvas.showPage()
    canvas.save()
    return dst
