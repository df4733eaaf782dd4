"""Visible, traceable watermarks ("Nguyễn Văn A · 25/11/2026 14:03 GMT+7 · MẬT") on page images and whole PDFs."""

from __future__ import annotations

import io
import math
import threading
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]  # reportlab ships no stubs
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from documents._pdf import open_reader
from documents.render import WEBP_METHOD, WEBP_QUALITY

# Fonts with Vietnamese glyphs, in order of preference (Debian fonts-dejavu-core, fonts-noto-core,
# fonts-liberation2).
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"),
    Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
)
METADATA_KEY = "/ICabinetWatermark"
IMAGE_FORMATS = {"webp": "WEBP", "png": "PNG", "jpeg": "JPEG"}

# Muted red, faint across the page (readable, the page stays legible) and firmer along the bottom edge.
_RGB = (170, 25, 25)
_DIAGONAL_ALPHA = 0.16
_FOOTER_ALPHA = 0.75
_ANGLE_DEGREES = 30

_THREAD_FONTS = threading.local()
_REPORTLAB_FONT = "ICabinetWatermark"
# reportlab keeps its font registry and each TTF's subsetting state in shared objects and does not
# promise thread safety; the server stamps from a thread pool, so drawing a stamp is serialised.
_REPORTLAB_LOCK = threading.Lock()


def watermark_font_path() -> Path | None:
    """The first installed TrueType font with Vietnamese glyphs (DejaVu Sans, Noto Sans, Liberation Sans), or None."""
    return next((path for path in FONT_CANDIDATES if path.is_file()), None)


def watermark_image(image: bytes, text: str, fmt: str = "webp") -> bytes:
    """Stamp `text` on an encoded image: repeated diagonally and faint, plus once along the bottom edge.

    Returns the stamped image, same size, encoded as `fmt` ("webp", "png" or "jpeg").
    """
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format {fmt!r}: expected one of {tuple(IMAGE_FORMATS)}")
    with Image.open(io.BytesIO(image)) as opened:
        page = opened.convert("RGBA")
    if watermark_font_path() is None:
        text = _without_diacritics(text)
    shortest = min(page.size)
    page = Image.alpha_composite(page, _diagonal_layer(page.size, text, size=max(10, shortest // 24)))
    page = Image.alpha_composite(page, _footer_layer(page.size, text, size=max(8, shortest // 60)))
    out = io.BytesIO()
    page.convert("RGB").save(out, format=IMAGE_FORMATS[fmt], quality=WEBP_QUALITY, method=WEBP_METHOD)
    return out.getvalue()


def _diagonal_layer(canvas_size: tuple[int, int], text: str, size: int) -> Image.Image:
    """Rows of the text (a brick pattern) tilted by 30°, faint, as a transparent RGBA layer.

    Drawn level on a square as wide as the page's diagonal, then turned and cropped, so the rows keep
    their spacing whatever the page's shape.
    """
    width, height = canvas_size
    font = _pil_font(size)
    left, top, right, bottom = (round(value) for value in font.getbbox(text))
    side = math.ceil(math.hypot(width, height))
    coverage = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(coverage)
    step_x, step_y = right - left + size * 4, size * 5
    for row, y in enumerate(range(-top, side, step_y)):
        for x in range((step_x // 2 if row % 2 else 0) - step_x, side, step_x):
            draw.text((x - left, y), text, font=font, fill=255)
    coverage = coverage.rotate(_ANGLE_DEGREES, resample=Image.Resampling.BILINEAR)
    offset_x, offset_y = (side - width) // 2, (side - height) // 2
    coverage = coverage.crop((offset_x, offset_y, offset_x + width, offset_y + height))
    layer = Image.new("RGBA", canvas_size, (*_RGB, 0))
    layer.putalpha(coverage.point(lambda value: round(value * _DIAGONAL_ALPHA)))
    return layer


def _footer_layer(canvas_size: tuple[int, int], text: str, size: int) -> Image.Image:
    """The text once, centred on a pale band along the bottom edge, as a transparent RGBA layer."""
    width, height = canvas_size
    font = _pil_font(size)
    layer = Image.new("RGBA", canvas_size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    margin = max(2, size // 2)
    band_top = height - (bottom - top) - 2 * margin
    draw.rectangle((0, band_top, width, height), fill=(255, 255, 255, _alpha(0.55)))
    x = max(margin, (width - (right - left)) // 2)
    draw.text((x - left, band_top + margin - top), text, font=font, fill=(*_RGB, _alpha(_FOOTER_ALPHA)))
    return layer


def _without_diacritics(text: str) -> str:
    """ "Nguyễn Văn A · MẬT" -> "Nguyen Van A · MAT": readable in a fallback font without Vietnamese glyphs."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(char for char in decomposed if not unicodedata.combining(char)))


def _alpha(opacity: float) -> int:
    return round(255 * opacity)


def _pil_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The watermark font at `size` px, loaded once per thread: a FreeType face must not be shared by threads."""
    fonts: dict[tuple[Path | None, int], ImageFont.FreeTypeFont | ImageFont.ImageFont] | None
    fonts = getattr(_THREAD_FONTS, "fonts", None)
    if fonts is None or len(fonts) > 32:  # page widths vary; keep the cache small
        fonts = _THREAD_FONTS.fonts = {}
    path = watermark_font_path()
    if (path, size) not in fonts:
        fonts[path, size] = ImageFont.load_default(size=size) if path is None else ImageFont.truetype(str(path), size)
    return fonts[path, size]


def watermark_pdf(path: Path, text: str) -> bytes:
    """A copy of the PDF at `path` with `text` stamped visibly on every page and recorded in its metadata.

    Each page gets the diagonal text and a bottom line drawn upright as the page is displayed (its
    /Rotate and crop box origin taken into account); /Subject and /ICabinetWatermark carry `text` so
    a leaked copy is traceable. Raises InvalidDocument when the file cannot be opened.
    """
    reader = open_reader(path)
    writer = PdfWriter(clone_from=reader)
    drawn = text if watermark_font_path() else _without_diacritics(text)
    stamps: dict[tuple[float, float], PageObject] = {}
    for page in writer.pages:
        rotation = page.rotation % 360
        x0, y0, x1, y1 = (float(value) for value in page.cropbox)
        left, bottom, width, height = min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0)
        display = (height, width) if rotation in (90, 270) else (width, height)
        if display not in stamps:
            stamps[display] = _stamp_page(*display, drawn)
        page.merge_transformed_page(stamps[display], _display_to_user(rotation, left, bottom, width, height))
        page.compress_content_streams()
    writer.add_metadata({"/Subject": text, METADATA_KEY: text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _display_to_user(rotation: int, left: float, bottom: float, width: float, height: float) -> Transformation:
    """Map the stamp, drawn upright in display space, into the page's own (unrotated) user space.

    A viewer turns the page clockwise by /Rotate; the stamp is turned counter-clockwise by as much and
    moved onto the crop box so that it ends up upright.
    """
    ctm = {
        0: (1, 0, 0, 1, left, bottom),
        90: (0, 1, -1, 0, left + width, bottom),
        180: (-1, 0, 0, -1, left + width, bottom + height),
        270: (0, -1, 1, 0, left, bottom + height),
    }[rotation if rotation in (0, 90, 180, 270) else 0]
    return Transformation(ctm)


def _stamp_page(width: float, height: float, text: str) -> PageObject:
    """A one-page PDF, drawn with reportlab, holding the watermark as one Form XObject.

    Drawing it as a form means every page of the stamped document refers to the same object instead of
    carrying its own copy of the drawing.
    """
    with _REPORTLAB_LOCK:
        data = _draw_stamp(width, height, text)
    return PdfReader(io.BytesIO(data)).pages[0]


def _draw_stamp(width: float, height: float, text: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), invariant=True)
    font = _reportlab_font()
    canvas.beginForm("watermark", lowerx=0, lowery=0, upperx=width, uppery=height)
    size = max(10.0, min(width, height) / 24)
    canvas.setFont(font, size)
    canvas.setFillColorRGB(*(channel / 255 for channel in _RGB), alpha=_DIAGONAL_ALPHA)
    canvas.saveState()
    canvas.translate(width / 2, height / 2)
    canvas.rotate(_ANGLE_DEGREES)
    text_width = pdfmetrics.stringWidth(text, font, size)
    step_x, step_y = text_width + size * 4, size * 5
    reach = math.hypot(width, height) / 2 + step_x
    rows = int(reach // step_y) + 1
    for row in range(-rows, rows + 1):
        x = -reach + (step_x / 2 if row % 2 else 0)
        while x < reach:
            canvas.drawString(x, row * step_y, text)
            x += step_x
    canvas.restoreState()
    footer_size = max(6.0, min(width, height) / 70)
    canvas.setFont(font, footer_size)
    canvas.setFillColorRGB(*(channel / 255 for channel in _RGB), alpha=_FOOTER_ALPHA)
    canvas.drawCentredString(width / 2, footer_size * 0.8, text)
    canvas.endForm()
    canvas.doForm("watermark")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _reportlab_font() -> str:
    """Register the Vietnamese-capable TTF with reportlab once; Helvetica (no Vietnamese) if none is installed."""
    path = watermark_font_path()
    if path is None:
        return "Helvetica"
    try:
        pdfmetrics.getFont(_REPORTLAB_FONT)
    except KeyError:
        pdfmetrics.registerFont(TTFont(_REPORTLAB_FONT, str(path)))
    return _REPORTLAB_FONT
