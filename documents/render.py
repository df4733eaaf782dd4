"""Page images for tablets and the projector, rendered by pdfium and cached on disk."""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # no py.typed marker
from PIL import Image

from documents.errors import InvalidDocument, damaged
from documents.files import write_atomically

MIN_WIDTH = 64
MAX_WIDTH = 3000
FORMATS = ("webp", "png")
WEBP_QUALITY = 80
# libwebp's effort 2 of 0..6 encodes a page twice as fast as the default 4 for ~3 % more bytes.
WEBP_METHOD = 2
MAX_PIXELS = 40_000_000
"""The most pixels a page is rendered at, for any width and format (an A0 drawing at 200 dpi is 62 MP)."""
WEBP_MAX_SIDE = 16383
"""The longest side a WebP image can have."""

# pdfium keeps global state and is not thread-safe: every call into it (open, render, close) happens
# under this lock. The server renders from a thread pool, so this is what keeps it from crashing.
PDFIUM_LOCK = threading.Lock()
_SHA256 = re.compile(r"[0-9a-f]{64}")


def clamp_width(width: int) -> int:
    """The width actually rendered for a requested `width`: between 64 and 3000 px."""
    return max(MIN_WIDTH, min(MAX_WIDTH, int(width)))


def fit_scale(page_width: float, page_height: float, scale: float, max_pixels: int, max_side: int | None) -> float:
    """`scale` (pixels per point), lowered as far as needed for the page to come out within `max_pixels`
    pixels and, if given, `max_side` pixels along either side."""
    area = page_width * page_height
    if area * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / area)
    if max_side is not None:
        scale = min(scale, max_side / max(page_width, page_height))
    return scale


def render_page(path: Path, page: int, width: int, fmt: str = "webp", max_pixels: int = MAX_PIXELS) -> bytes:
    """Render 1-based `page` of the PDF at `path` as a `width`-px-wide image ("webp", quality 80, or "png").

    The width is clamped to 64..3000 px and the height follows the page's aspect ratio (its /Rotate
    included). A page that would come out above `max_pixels` pixels (or, in WebP, above 16383 px on a
    side) is rendered smaller, as large as fits: a strip a few points wide and metres tall is narrower
    than asked rather than gigabytes. Raises ValueError for a page out of range or an unknown format,
    and InvalidDocument("damaged") when pdfium cannot open the file.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}: expected one of {FORMATS}")
    max_side = WEBP_MAX_SIDE if fmt == "webp" else None
    image, (width, height) = _render(path, page, clamp_width(width), max_pixels, max_side)
    if image.size != (width, height):
        # pdfium rounds the bitmap size up or down by a pixel; the caller asked for an exact size.
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


def _render(
    path: Path, page: int, width: int, max_pixels: int, max_side: int | None
) -> tuple[Image.Image, tuple[int, int]]:
    """The page's pixels and the size they are to have: `width` wide, or less to stay within budget."""
    with open_page(path, page) as pdf_page:
        page_width, page_height = pdf_page.get_size()
        if not (page_width > 0 and page_height > 0):
            raise damaged(f"page {page} has no area ({page_width} x {page_height} pt)")
        scale = fit_scale(page_width, page_height, width / page_width, max_pixels, max_side)
        size = (max(1, math.floor(page_width * scale)), max(1, math.floor(page_height * scale)))
        return bitmap_image(pdf_page.render(scale=scale), "RGB"), size


def unrenderable(page: int, detail: str = "") -> InvalidDocument:
    """The refusal for a page pdfium cannot draw; `detail` says why, for logs."""
    return InvalidDocument(
        "page_unrenderable",
        f"Page {page} cannot be displayed: the file is damaged there. The other pages and the download still work.",
        f"Không hiển thị được trang {page}: tệp bị hỏng ở trang này. Các trang khác và tệp tải xuống vẫn dùng được.",
        detail=detail,
    )


class PageCache:
    """Rendered page images cached on disk: root/<sha[:2]>/<sha>/<page>-<width>.<fmt>, written atomically.

    At most `max_bytes` of them (None: unbounded): past that, the least recently used go, down to 90 %
    of it. "Used" is the file's access time, set on every hit, so the order survives restarts and is
    shared by every process serving the same directory. A page that fails to render is remembered
    (root/<sha[:2]>/<sha>/<page>.failed) and not tried again until the document is dropped.
    """

    def __init__(self, root: Path, max_bytes: int | None = None, max_pixels: int = MAX_PIXELS) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # bytes on disk when last counted, plus what this process has written since (None: not counted yet)
        self._bytes: int | None = None

    def directory_for(self, sha256: str) -> Path:
        """Where the images of the document with this hex SHA-256 live; ValueError for a bad hash."""
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a lower-case hex SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def cached(self, sha256: str, page: int, width: int, fmt: str = "webp") -> bytes | None:
        """The cached image's bytes, or None when it has not been rendered yet (never renders).
        InvalidDocument("page_unrenderable") for a page that failed to render before."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown image format {fmt!r}: expected one of {FORMATS}")
        target = self.directory_for(sha256) / f"{page}-{clamp_width(width)}.{fmt}"
        try:
            image = target.read_bytes()
        except FileNotFoundError:
            self._raise_if_failed(sha256, page)
            return None
        _mark_used(target)
        return image

    def get(self, sha256: str, pdf_path: Path, page: int, width: int, fmt: str = "webp") -> Path:
        """The cached image of `page` at `width` (clamped to 64..3000) in `fmt`, rendered from `pdf_path` on a
        miss. Errors as for `render_page`; a render that fails (InvalidDocument, also for a page that failed
        before) is remembered."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown image format {fmt!r}: expected one of {FORMATS}")
        target = self.directory_for(sha256) / f"{page}-{clamp_width(width)}.{fmt}"
        if target.is_file():
            _mark_used(target)
            return target
        self._raise_if_failed(sha256, page)
        if not pdf_path.is_file():
            raise FileNotFoundError(pdf_path)  # the stored file is missing: that says nothing about the page
        try:
            image = render_page(pdf_path, page, width, fmt, self.max_pixels)
        except (InvalidDocument, pdfium.PdfiumError, OSError) as exc:  # OSError: Pillow could not encode it
            self._remember_failure(sha256, page, exc)
            raise unrenderable(page, f"{type(exc).__name__}: {exc}"[:300]) from exc
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, image)
        self._count(len(image), keep=target)
        return target

    def image(self, sha256: str, pdf_path: Path, page: int, width: int, fmt: str = "webp") -> bytes:
        """The bytes of `get`'s image (rendered again should another process evict it before it is read)."""
        for _ in range(3):
            try:
                return self.get(sha256, pdf_path, page, width, fmt).read_bytes()
            except FileNotFoundError:
                if not pdf_path.is_file():
                    raise
        return render_page(pdf_path, page, width, fmt, self.max_pixels)

    def drop(self, sha256: str) -> None:
        """Forget every cached image of the document, and its failed pages (missing is fine)."""
        shutil.rmtree(self.directory_for(sha256), ignore_errors=True)

    def size(self) -> int:
        """Bytes the cache takes on disk now (images and failure notes)."""
        return sum(size for _, size, _ in self._entries())

    def _raise_if_failed(self, sha256: str, page: int) -> None:
        try:
            detail = (self.directory_for(sha256) / f"{page}.failed").read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        raise unrenderable(page, detail)

    def _remember_failure(self, sha256: str, page: int, exc: BaseException) -> None:
        marker = self.directory_for(sha256) / f"{page}.failed"
        marker.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(marker, f"{type(exc).__name__}: {exc}"[:300].encode())

    def _count(self, added: int, keep: Path) -> None:
        if self.max_bytes is None:
            return
        with self._lock:
            if self._bytes is None:
                self._bytes = self.size()
            else:
                self._bytes += added
            if self._bytes > self.max_bytes:
                self._bytes = self._evict(keep)

    def _evict(self, keep: Path) -> int:
        """Delete the least recently used images until the cache is under 90 % of max_bytes; its size after.

        Counted afresh from the disk, so what other processes wrote and removed is taken into account.
        """
        assert self.max_bytes is not None
        entries = sorted(self._entries())
        total = sum(size for _, size, _ in entries)
        floor = self.max_bytes * 9 // 10
        for _, size, path in entries:
            if total <= floor:
                break
            if path == keep or path.suffix == ".failed":
                continue
            path.unlink(missing_ok=True)  # missing: another process evicted it first
            total -= size
        return total

    def _entries(self) -> list[tuple[int, int, Path]]:
        """(last use in ns, bytes, path) of every file in the cache, temporary files being written excepted."""
        found = []
        for directory, _, names in os.walk(self.root):
            for name in names:
                if name.startswith(".tmp-"):
                    continue
                path = Path(directory, name)
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                found.append((stat.st_atime_ns, stat.st_size, path))
        return found


def _mark_used(path: Path) -> None:
    """Set the file's access time to now (its modification time kept): the cache's least-recently-used clock."""
    with contextlib.suppress(FileNotFoundError):  # evicted meanwhile: the caller has its bytes or path already
        os.utime(path, ns=(time.time_ns(), path.stat().st_mtime_ns))
