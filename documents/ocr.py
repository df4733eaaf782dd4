"""OCR of scanned pages with Tesseract (through pytesseract), one page at a time.

A scanned PDF has page images and no text. `scanned_pages` says which pages need OCR (no usable text
layer, or a page-sized image under a few words such as a signing stamp); `ocr_page` renders one page
with pdfium and reads it with Tesseract, giving the text, a confidence and, when asked, an invisible
text layer for that page; `add_text_layer` lays those over a copy of the PDF so any reader can search it.

Tesseract runs as a subprocess (pytesseract's way), so the GIL is never held while it reads.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # no py.typed marker
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]
import pytesseract  # type: ignore[import-untyped]  # no py.typed marker
from PIL import Image
from pypdf import PdfReader, PdfWriter, Transformation

from documents._pdf import describe, open_reader
from documents.extract import normalise_text
from documents.render import MAX_PIXELS, PDFIUM_LOCK, bitmap_image, fit_scale, open_page

DEFAULT_LANGUAGES = "vie+eng"
DEFAULT_DPI = 200
MIN_ALNUM = 16
"""A text layer with fewer letters and digits than this is no text (a page number, a stray mark)."""
STAMP_ALNUM = 300
"""A text layer this short over an image covering most of the page is a stamp on a scan, not the page's text."""
IMAGE_COVER = 0.5


class OcrUnavailable(Exception):
    """Tesseract, or one of the languages asked for, is not installed: nothing can be read until it is."""


class OcrFailed(Exception):
    """This page could not be read (the reason is the message); other pages may still be."""


@dataclass(frozen=True)
class OcrPage:
    """What Tesseract read on one page."""

    page: int
    """1-based page number."""
    text: str
    """NFC, whitespace normalised like extracted text (lines in reading order)."""
    confidence: float | None
    """Mean word confidence in 0..1, weighted by word length; None when no word was found."""
    words: int
    dpi: int
    """The resolution the page was read at."""
    text_layer: bytes | None = None
    """A one-page PDF holding only invisible text, the size of the rendered page (when asked for)."""


def usable_text(text: str) -> bool:
    """Whether an extracted text layer is real text: enough letters and digits, and mostly those."""
    visible = [char for char in text if not char.isspace()]
    alnum = sum(1 for char in visible if unicodedata.category(char)[0] in "LN")
    return alnum >= MIN_ALNUM and alnum >= 0.5 * len(visible)


def scanned_pages(path: Path, texts: list[str]) -> list[int]:
    """The 1-based pages of the PDF at `path` that need OCR, given each page's extracted text (`texts[i]` is
    page i + 1): those without usable text, and those whose short text sits over an image covering at least
    half the page (a scan with a digital-signature stamp). Pages with real text keep it."""
    wanted: list[int] = []
    covered: dict[int, float] = {}
    short = [number for number, text in enumerate(texts, start=1) if usable_text(text) and _alnum(text) < STAMP_ALNUM]
    if short:
        covered = _image_cover(path, short)
    for number, text in enumerate(texts, start=1):
        if not usable_text(text) or covered.get(number, 0.0) >= IMAGE_COVER:
            wanted.append(number)
    return wanted


def check_languages(languages: str) -> None:
    """Raise OcrUnavailable unless Tesseract and every language of `languages` ("vie+eng") are installed."""
    try:
        installed = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        raise OcrUnavailable("Tesseract is not installed (Debian: tesseract-ocr)") from exc
    except pytesseract.TesseractError as exc:
        raise OcrUnavailable(f"Tesseract does not run: {exc}") from exc
    missing = [language for language in languages.split("+") if language and language not in installed]
    if not languages.strip("+") or missing:
        raise OcrUnavailable(
            f"Tesseract has no {'+'.join(missing) or 'language'} data "
            f"(Debian: {' '.join('tesseract-ocr-' + m for m in missing) or 'tesseract-ocr-vie'})"
        )


def ocr_page(
    path: Path,
    page: int,
    *,
    languages: str = DEFAULT_LANGUAGES,
    dpi: int = DEFAULT_DPI,
    timeout: float = 0,
    threads: int = 1,
    nice: int = 0,
    text_layer: bool = False,
) -> OcrPage:
    """Read 1-based `page` of the PDF at `path` with Tesseract in `languages`, rendered at `dpi` (lowered so
    the image stays under 40 MP).

    `timeout` (seconds, 0: none) bounds Tesseract's run; `threads` its OpenMP threads (1 is much faster on a
    busy machine: its threads otherwise spin against each other); `nice` lowers its CPU priority. With
    `text_layer` the result carries an invisible-text PDF of the page for `add_text_layer`.
    Raises OcrFailed when this page cannot be read, OcrUnavailable when Tesseract is missing, ValueError for
    a page out of range and InvalidDocument("damaged") when pdfium cannot open the file.
    """
    image, used_dpi = render_for_ocr(path, page, dpi)
    # pytesseract hands Tesseract its own process environment and has no per-call one
    os.environ["OMP_THREAD_LIMIT"] = str(threads)
    with tempfile.TemporaryDirectory(prefix="icabinet-ocr-") as work:
        source = Path(work) / "page.png"
        image.save(source, format="PNG", dpi=(used_dpi, used_dpi))
        base = Path(work) / "out"
        outputs = "tsv pdf" if text_layer else "tsv"
        config = "-c tessedit_create_tsv=1" + (" -c tessedit_create_pdf=1 -c textonly_pdf=1" if text_layer else "")
        try:
            pytesseract.pytesseract.run_tesseract(
                str(source), str(base), outputs, languages, config=config, nice=nice, timeout=timeout
            )
        except pytesseract.TesseractNotFoundError as exc:
            raise OcrUnavailable("Tesseract is not installed (Debian: tesseract-ocr)") from exc
        except RuntimeError as exc:  # pytesseract's timeout
            raise OcrFailed(f"Tesseract took longer than {timeout:g} s") from exc
        except pytesseract.TesseractError as exc:
            raise OcrFailed(f"Tesseract failed: {exc.message or exc.status}"[:300]) from exc
        try:
            tsv = (base.with_suffix(".tsv")).read_text(encoding="utf-8")
            layer = base.with_suffix(".pdf").read_bytes() if text_layer else None
        except OSError as exc:
            raise OcrFailed(f"Tesseract wrote no result: {describe(exc)}") from exc
    text, confidence, words = _read_tsv(tsv)
    return OcrPage(page=page, text=text, confidence=confidence, words=words, dpi=used_dpi, text_layer=layer)


def render_for_ocr(path: Path, page: int, dpi: int) -> tuple[Image.Image, int]:
    """Page `page` as a grayscale image at `dpi` (or less, within render.MAX_PIXELS: page images' budget),
    and the dpi used."""
    with open_page(path, page) as pdf_page:
        width, height = pdf_page.get_size()
        dpi = min(dpi, max(1, math.floor(fit_scale(width, height, dpi / 72, MAX_PIXELS, None) * 72)))
        image = bitmap_image(pdf_page.render(scale=dpi / 72, grayscale=True), "L")
    return image, dpi


def add_text_layer(path: Path, layers: dict[int, bytes], target: Path) -> None:
    """Write to `target` a copy of the PDF at `path` with each page in `layers` (1-based page -> the
    `OcrPage.text_layer` of that page) overlaid with its invisible text, stretched over the visible page.

    The pages look the same; a reader can now select and search the text. Raises InvalidDocument when the
    PDF cannot be read, OcrFailed when a layer cannot be.
    """
    reader = open_reader(path)
    writer = PdfWriter(clone_from=reader)
    for number, data in sorted(layers.items()):
        if not 1 <= number <= len(writer.pages):
            raise ValueError(f"page {number} is out of range: the document has {len(writer.pages)} pages")
        try:
            overlay = PdfReader(io.BytesIO(data)).pages[0]
        except Exception as exc:
            raise OcrFailed(f"text layer of page {number}: {describe(exc)}") from exc
        page = writer.pages[number - 1]
        # what pdfium rendered is the crop box turned by /Rotate: bake the turn into the content first,
        # so the layer (upright, as rendered) maps onto the box with a plain scale and shift
        page.transfer_rotation_to_content()
        box = page.cropbox
        layer_width, layer_height = float(overlay.mediabox.width), float(overlay.mediabox.height)
        transform = (
            Transformation()
            .scale(float(box.width) / layer_width, float(box.height) / layer_height)
            .translate(float(box.left), float(box.bottom))
        )
        page.merge_transformed_page(overlay, transform, over=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        writer.write(out)


def _alnum(text: str) -> int:
    return sum(1 for char in text if unicodedata.category(char)[0] in "LN")


def _image_cover(path: Path, pages: list[int]) -> dict[int, float]:
    """For each page, the share of its area that its largest image covers (0 when pdfium cannot tell)."""
    cover: dict[int, float] = {}
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(path)
        except pdfium.PdfiumError:
            return cover
        try:
            for number in pages:
                if not 1 <= number <= len(document):
                    continue
                pdf_page = document[number - 1]
                try:
                    width, height = pdf_page.get_size()
                    area = max(width * height, 1.0)
                    best = 0.0
                    for image in pdf_page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
                        left, bottom, right, top = image.get_bounds()
                        best = max(best, (right - left) * (top - bottom) / area)
                    cover[number] = min(best, 1.0)
                except pdfium.PdfiumError:
                    cover[number] = 0.0
                finally:
                    pdf_page.close()
        finally:
            document.close()
    return cover


def _read_tsv(tsv: str) -> tuple[str, float | None, int]:
    """Lines of words in Tesseract's reading order, and the length-weighted mean word confidence."""
    lines: dict[tuple[str, str, str, str], list[str]] = {}
    weighted = 0.0
    letters = 0
    words = 0
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        word = (row.get("text") or "").strip()
        if row.get("level") != "5" or not word:
            continue
        try:
            confidence = float(row.get("conf") or -1)
        except ValueError:
            confidence = -1
        key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
        lines.setdefault(key, []).append(word)
        words += 1
        if confidence >= 0:
            weighted += confidence * len(word)
            letters += len(word)
    text = normalise_text("\n".join(" ".join(line) for line in lines.values()))
    return text, (round(weighted / letters / 100, 3) if letters else None), words
