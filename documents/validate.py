"""Intake checks: is this file a PDF we can keep, show and search?"""

from __future__ import annotations

import mmap
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PageObject, PdfReader
from pypdf.generic import NullObject

from documents._pdf import describe, open_reader
from documents.errors import InvalidDocument, damaged

# ISO 32000 puts the header ("%PDF-" and a version, 1.0 to 2.0) at the very start of the file. Viewers
# also accept it anywhere in the first KiB, and that tolerance is what lets one file be a PDF and
# something else (HTML, a script, an archive) to whatever sniffs its first bytes: it is not taken here.
HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
# Viewers look for %%EOF in the last KiB.
TRAILER_WINDOW = 1024

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
OFFICE_ZIP_FOLDERS = ("word/", "xl/", "ppt/")
OPENDOCUMENT_MIMETYPE = b"application/vnd.oasis.opendocument"


@dataclass(frozen=True)
class PdfInfo:
    """What intake learnt about an accepted PDF."""

    page_count: int
    title: str | None
    """From the document metadata, NFC and stripped; None when absent or empty."""
    author: str | None
    encrypted: bool
    """True when the file was encrypted but opened with the empty password."""


def validate(path: Path, *, max_pages: int) -> PdfInfo:
    """Check that `path` is a readable, unprotected PDF of 1..max_pages pages and describe it.

    Raises InvalidDocument with code "empty", "office_file", "not_pdf", "damaged", "encrypted",
    "no_pages" or "too_many_pages"; no other exception escapes for bad file content (a missing
    `path` is the caller's error and raises OSError).
    """
    size = path.stat().st_size
    if size == 0:
        raise InvalidDocument(
            "empty",
            "The file is empty (0 bytes).",
            "Tệp rỗng (0 byte), không có nội dung.",
        )
    with path.open("rb") as file:
        head = file.read(1024)
    _check_format(path, head)
    _check_trailer(path, size)
    reader = open_reader(path)
    page_count = _page_count(reader)
    if page_count == 0:
        raise InvalidDocument("no_pages", "The PDF has no pages.", "Tệp PDF không có trang nào.")
    if page_count > max_pages:
        raise InvalidDocument(
            "too_many_pages",
            f"The PDF has {page_count} pages; the limit is {max_pages}. Split it into smaller files and upload them.",
            f"Tệp PDF có {page_count} trang, vượt quá giới hạn {max_pages} trang. "
            "Hãy tách thành các tệp nhỏ hơn rồi tải lên.",
        )
    _check_xref_offsets(reader, size)
    for number, page in enumerate(reader.pages, start=1):
        _check_page(page, number)
    title, author = _metadata(reader)
    return PdfInfo(page_count=page_count, title=title, author=author, encrypted=reader.is_encrypted)


def _check_format(path: Path, head: bytes) -> None:
    if head.startswith(OLE2_MAGIC) or (head.startswith(ZIP_MAGIC) and _is_office_zip(path, head)):
        raise InvalidDocument(
            "office_file",
            "Word, Excel and PowerPoint files are not supported yet: convert the file to PDF, then upload it again.",
            "Tệp Word/Excel/PowerPoint chưa được hỗ trợ, hãy chuyển sang PDF rồi tải lên lại.",
        )
    if not HEADER.match(head):
        raise InvalidDocument(
            "not_pdf",
            "The file is not a PDF. Only PDF documents can be uploaded.",
            "Tệp không phải là tệp PDF. Chỉ có thể tải lên tài liệu dạng PDF.",
        )


def _is_office_zip(path: Path, head: bytes) -> bool:
    """OOXML (.docx/.xlsx/.pptx) or OpenDocument (.odt/.ods/.odp) packaging."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if any(name.startswith(OFFICE_ZIP_FOLDERS) for name in names):
                return True
            if "mimetype" in names:
                return archive.read("mimetype").startswith(OPENDOCUMENT_MIMETYPE)
            return False
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError, EOFError):
        # A cut-off archive has no central directory; its first local headers still name the parts.
        markers = (b"[Content_Types].xml", b"mimetype" + OPENDOCUMENT_MIMETYPE) + tuple(
            folder.encode() for folder in OFFICE_ZIP_FOLDERS
        )
        return any(marker in head for marker in markers)


def _check_trailer(path: Path, size: int) -> None:
    """Refuse a file cut short, even when pypdf could recover an earlier revision of it.

    A complete PDF ends with %%EOF (give or take a KiB of padding). When it does not, the file was cut
    off unless what follows its last %%EOF is junk rather than PDF objects: a file cut inside an
    incremental update still opens (as its previous revision), but has lost data.
    """
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data.find(b"%%EOF", max(0, size - TRAILER_WINDOW)) >= 0:
            return
        last_eof = data.rfind(b"%%EOF")
        if last_eof < 0:
            raise damaged("no %%EOF marker: the file is truncated")
        after = data[last_eof + len(b"%%EOF") :]
    if b"endobj" in after or b" obj" in after or b"stream" in after:
        raise damaged("PDF objects after the last %%EOF marker: the file is truncated")


def _page_count(reader: PdfReader) -> int:
    try:
        return len(reader.pages)
    except Exception as exc:
        raise damaged(f"page tree: {describe(exc)}") from exc


def _check_xref_offsets(reader: PdfReader, size: int) -> None:
    """Objects the cross-reference table places beyond the end of the file were cut off."""
    for generation in reader.xref.values():
        for offset in generation.values():
            if offset >= size:
                raise damaged(f"an object offset ({offset}) lies beyond the end of the file ({size} bytes)")


def _check_page(page: PageObject, number: int) -> None:
    """Load the page's basic structure and decode its content streams: what viewing it needs."""
    try:
        _ = page.mediabox
        if "/Contents" not in page:
            return
        raw = page["/Contents"].get_object()
        if raw is None or isinstance(raw, NullObject):
            raise damaged(f"page {number}: its content stream is missing")
        contents = page.get_contents()
        if contents is None:
            raise damaged(f"page {number}: its content stream is missing")
        contents.get_data()
    except InvalidDocument:
        raise
    except Exception as exc:
        raise damaged(f"page {number}: {describe(exc)}") from exc


def _metadata(reader: PdfReader) -> tuple[str | None, str | None]:
    try:
        metadata = reader.metadata
        if metadata is None:
            return None, None
        return _clean(metadata.title), _clean(metadata.author)
    except Exception:
        # Unreadable metadata is no reason to refuse a document whose pages are fine.
        return None, None


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).replace("\x00", "").strip()
    return text or None
