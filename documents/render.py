"""Page images for tablets and the projector, rendered by pdfium and cached on disk."""

from __future__ import annotations

import io
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # no py.typed marker
from PIL import Image

from documents.errors import damaged
from documents.files import write_atomically

MIN_WIDTH = 64
MAX_WIDTH = 3000
FORMATS = ("webp", "png")
WEBP_QUALITY = 80
# libwebp's effort 2 of 0..6 encodes a page twice as fast as the default 4 for ~3 % more bytes.
WEBP_METHOD = 2

# pdfium keeps global state and is not thread-safe: every call into it (open, render, close) happens
# under this lock. The server renders from a thread pool, so this is what keeps it from crashing.
PDFIUM_LOCK = threading.Lock()
_SHA256 = re.compile(r"[0-9a-f]{64}")


def clamp_width(width: int) -> int:
    """The width actually rendered for a requested `width`: between 64 and 3000 px."""
    return max(MIN_WIDTH, min(MAX_WIDTH, int(width)))


def render_page(path: Path, page: int, width: int, fmt: str = "webp") -> bytes:
    """Render 1-based `page` of the PDF at `path` as a `width`-px-wide image ("webp", quality 80, or "png").

    The width is clamped to 64..3000 px and the height follows the page's aspect ratio (its /Rotate
    included). Raises ValueError for a page out of range or an unknown format, and
    InvalidDocument("damaged") when pdfium cannot open the file.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}: expected one of {FORMATS}")
    width = clamp_width(width)
    image = _render(path, page, width)
    if image.width != width:
        # pdfium rounds the bitmap size up or down by a pixel; the caller asked for an exact width.
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if fmt == "webp":
        image.save(out, format="WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


@contextmanager
def open_page(path: Path, page: int) -> Iterator[Any]:
    """Page `page` (1-based) of the PDF at `path` as a pdfium page, held under PDFIUM_LOCK (pdfium is not
    thread-safe) and closed with its document on exit. InvalidDocument when pdfium cannot open the file,
    ValueError for a page out of range."""
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as exc:
            raise damaged(f"pdfium: {exc}") from exc
        try:
            if not 1 <= page <= len(document):
                raise ValueError(f"page {page} is out of range: the document has {len(document)} pages")
            pdf_page = document[page - 1]
            try:
                yield pdf_page
            finally:
                pdf_page.close()
        finally:
            document.close()


def bitmap_image(bitmap: Any, mode: str) -> Image.Image:
    """The pixels of a pdfium bitmap as a PIL image in `mode`, copied out of pdfium's buffer, which is freed."""
    try:
        image: Image.Image = bitmap.to_pil().convert(mode)
        return image
    finally:
        bitmap.close()


def _render(path: Path, page: int, width: int) -> Image.Image:
    with open_page(path, page) as pdf_page:
        page_width, _ = pdf_page.get_size()
        return bitmap_image(pdf_page.render(scale=width / page_width), "RGB")


class PageCache:
    """Rendered page images cached on disk: root/<sha[:2]>/<sha>/<page>-<width>.<fmt>, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def directory_for(self, sha256: str) -> Path:
        """Where the images of the document with this hex SHA-256 live; ValueError for a bad hash."""
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a lower-case hex SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def cached(self, sha256: str, page: int, width: int, fmt: str = "webp") -> bytes | None:
        """The cached image's bytes, or None when it has not been rendered yet (never renders)."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown image format {fmt!r}: expected one of {FORMATS}")
        try:
            return (self.directory_for(sha256) / f"{page}-{clamp_width(width)}.{fmt}").read_bytes()
        except FileNotFoundError:
            return None

    def get(self, sha256: str, pdf_path: Path, page: int, width: int, fmt: str = "webp") -> Path:
        """The cached image of `page` at `width` (clamped to 64..3000) in `fmt`, rendered from `pdf_path` on a
        miss. Errors as for `render_page`."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown image format {fmt!r}: expected one of {FORMATS}")
        target = self.directory_for(sha256) / f"{page}-{clamp_width(width)}.{fmt}"
        if target.is_file():
            return target
        image = render_page(pdf_path, page, width, fmt)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, image)
        return target

    def drop(self, sha256: str) -> None:
        """Forget every cached image of the document (missing is fine)."""
        shutil.rmtree(self.directory_for(sha256), ignore_errors=True)
