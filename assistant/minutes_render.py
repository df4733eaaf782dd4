"""Minutes as DOCX (python-docx) and PDF (reportlab), both from one `MinutesContent`, in the Decree
30/2020/NĐ-CP layout of a Biên bản: A4, margins 20/20/30/15 mm, a two-column header (issuing body beside
the national motto, number beside place and date), the kind and title centred, the sections, signature
blocks side by side and the recipients (``Nơi nhận``) at the bottom left.

Word gets Times New Roman, named for every script so Vietnamese uses it too. The PDF embeds a free serif
TTF with Vietnamese glyphs instead (Noto Serif, else DejaVu Serif: Times New Roman cannot be shipped).
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document as new_docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.shared import Cm, Mm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Flowable,
    HRFlowable,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import Paragraph as PdfParagraph

from assistant.minutes_content import Line, MinutesContent

DOCX_FONT = "Times New Roman"
BODY_PT = 13
# Page geometry in mm (Decree 30/2020, appendix I: top and bottom 20-25, left 30-35, right 15-20).
PAGE_MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = 210 - PAGE_MARGINS_MM["left"] - PAGE_MARGINS_MM["right"]
# The motto needs ~91 mm in Noto Serif bold 12 pt, the issuing body of a department ~69 mm.
HEADER_COLUMNS_MM = (72, TEXT_WIDTH_MM - 72)
# Serif families with Vietnamese glyphs, in order of preference, as (file pattern, faces regular, bold,
# italic, bold italic): Debian fonts-noto-core, then fonts-dejavu-core.
SERIF_FAMILIES = (
    ("/usr/share/fonts/truetype/noto/NotoSerif-{}.ttf", ("Regular", "Bold", "Italic", "BoldItalic")),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSerif{}.ttf", ("", "-Bold", "-Italic", "-BoldItalic")),
)
_PDF_FONT = "ICabinetSerif"
_PDF_FACES = (_PDF_FONT, f"{_PDF_FONT}-Bold", f"{_PDF_FONT}-Italic", f"{_PDF_FONT}-BoldItalic")
_REGISTER_LOCK = threading.Lock()
# reportlab keeps each registered TTF's subsetting state in shared objects and does not promise thread
# safety; the server renders from a thread pool, so building a PDF is serialised.
_BUILD_LOCK = threading.Lock()


# Word's Shift+Enter types a vertical tab and its page break a form feed: both mean "new line" in the
# minutes. Every other character XML 1.0 cannot hold (the C0 controls but tab, newline and carriage
# return; lone surrogates; U+FFFE, U+FFFF) is dropped: neither a .docx nor reportlab's markup can carry it.
_LINE_BREAK = re.compile("\r\n|[\r\v\f\u2028\u2029]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """`text` composed (NFC) with line breaks as ``\\n`` and nothing an XML document cannot hold."""
    return _NOT_XML.sub("", _LINE_BREAK.sub("\n", unicodedata.normalize("NFC", text)))


class MissingFont(RuntimeError):
    """No serif TrueType font with Vietnamese glyphs is installed (Debian: fonts-noto-core)."""


def serif_font_paths() -> list[Path]:
    """The regular, bold, italic and bold-italic files of the first installed serif family.

    Noto Serif, then DejaVu Serif; raises `MissingFont`, naming the Debian package, when neither is complete.
    """
    for pattern, faces in SERIF_FAMILIES:
        paths = [Path(pattern.format(face)) for face in faces]
        if all(path.is_file() for path in paths):
            return paths
    raise MissingFont(
        "no serif font with Vietnamese glyphs: install the Debian package fonts-noto-core (or fonts-dejavu-core)"
    )


# ---------------------------------------------------------------------------------------------- DOCX


def to_docx(content: MinutesContent) -> bytes:
    """The minutes as a Word document: A4, Times New Roman 13 pt, the Decree 30/2020 form of a Biên bản."""
    document = new_docx()
    page = document.sections[0]
    page.page_width, page.page_height = Mm(210), Mm(297)
    page.top_margin, page.bottom_margin = Mm(PAGE_MARGINS_MM["top"]), Mm(PAGE_MARGINS_MM["bottom"])
    page.left_margin, page.right_margin = Mm(PAGE_MARGINS_MM["left"]), Mm(PAGE_MARGINS_MM["right"])
    normal = document.styles["Normal"]
    normal.font.name = DOCX_FONT
    normal.font.size = Pt(BODY_PT)
    _name_font_for_all_scripts(normal.element.get_or_add_rPr())
    document.core_properties.title = printable(content.header.title).replace("\n", " ")
    document.core_properties.language = content.language
    _docx_header(document.add_table(rows=1, cols=2), content)
    for text in (content.header.kind, content.header.title):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_before = Pt(18 if text == content.header.kind else 0)
        paragraph.paragraph_format.space_after = Pt(0 if text == content.header.kind else 12)
        _add(paragraph, text, 14, bold=True)
    for section in content.sections:
        if section.heading:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.space_before = Pt(6)
            paragraph.paragraph_format.space_after = Pt(6)
            paragraph.paragraph_format.keep_with_next = True  # never a heading alone at the foot of a page
            _add(paragraph, section.heading, bold=True)
        for line in section.lines:
            _docx_line(document.add_paragraph(), line)
    if content.signatures:
        document.add_paragraph()
        table = document.add_table(rows=1, cols=len(content.signatures))
        _borderless(table)
        for cell, signature in zip(table.rows[0].cells, content.signatures, strict=True):
            _centred(cell, signature.role.upper(), bold=True, first=True)
            _centred(cell, signature.note, italic=True)
            for _ in range(4):
                _centred(cell, "")
            _centred(cell, signature.name, bold=True)
    if content.recipients:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(18)
        paragraph.paragraph_format.space_after = Pt(0)
        _add(paragraph, content.recipients_heading, 12, bold=True, italic=True)
        for recipient in content.recipients:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(0)
            _add(paragraph, recipient, 11)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_header(table: DocxTable, content: MinutesContent) -> None:
    head = content.header
    _borderless(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width, right.width = Mm(HEADER_COLUMNS_MM[0]), Mm(HEADER_COLUMNS_MM[1])
    _centred(left, head.parent_body.upper(), 12, first=True)
    _centred(left, head.issuing_body.upper(), 12, bold=True)
    _short_rule(left, HEADER_COLUMNS_MM[0], 25)
    _centred(left, head.number, 13, space_before=6)
    _centred(right, head.motto.upper(), 12, bold=True, first=True)
    _centred(right, head.slogan, 14, bold=True)
    _short_rule(right, HEADER_COLUMNS_MM[1], 60)
    _centred(right, head.dateline, 13, italic=True, space_before=6)


def _name_font_for_all_scripts(run_properties: CT_RPr) -> None:
    """Word picks a font per script (ASCII, extended Latin, East Asian, complex): name Times for all."""
    fonts = run_properties.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), DOCX_FONT)


def _add(paragraph: Paragraph, text: str, size: float = BODY_PT, *, bold: bool = False, italic: bool = False) -> None:
    run = paragraph.add_run(printable(text))  # python-docx writes "\n" as a line break, "\t" as a tab
    run.font.name = DOCX_FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    _name_font_for_all_scripts(run._element.get_or_add_rPr())


def _centred(
    cell: _Cell,
    text: str,
    size: float = BODY_PT,
    *,
    bold: bool = False,
    italic: bool = False,
    first: bool = False,
    space_before: float = 0,
) -> None:
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(space_before)
    paragraph.paragraph_format.space_after = Pt(0)
    _add(paragraph, text, size, bold=bold, italic=italic)


def _short_rule(cell: _Cell, cell_mm: float, rule_mm: float) -> None:
    """The short line under the issuing body and the slogan: a tiny paragraph's bottom border, indented."""
    paragraph = cell.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Mm(max(0.0, (cell_mm - rule_mm) / 2 - 2))
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _borderless(table: DocxTable) -> None:
    """No borders whatever the template's table style says."""
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _docx_line(paragraph: Paragraph, line: Line) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(6)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = Cm(1)
    if line.style == "bullet":
        _add(paragraph, f"- {line.text}")
    elif line.style == "quote":
        _add(paragraph, line.text, italic=True)
    else:
        _add(paragraph, line.text)


# ----------------------------------------------------------------------------------------------- PDF


@dataclass(frozen=True)
class SignatureBox:
    """Where a signature block's blank space (for the hand signature and seal) fell in the PDF: its page
    (0-based) and rectangle in PDF points (x1, y1, x2, y2), in the order of `content.signatures`."""

    page: int
    box: tuple[int, int, int, int]


def to_pdf(content: MinutesContent) -> bytes:
    """The minutes as an A4 PDF in the same layout as `to_docx`, with an embedded serif TTF.

    Raises `MissingFont` when no serif font with Vietnamese glyphs is installed. The PDF's title is the
    header's title and its language `content.language`.
    """
    return to_pdf_with_signature_boxes(content)[0]


def to_pdf_with_signature_boxes(content: MinutesContent) -> tuple[bytes, list[SignatureBox]]:
    """`to_pdf`, and where each signature block's blank space fell: a digital signature's field goes
    there (documents.signers.add_signature_fields)."""
    boxes: dict[int, SignatureBox] = {}
    _register_fonts()
    story: list[object] = [_pdf_header(content), Spacer(1, 8 * mm)]
    story.append(PdfParagraph(_markup(content.header.kind, bold=True), _style(14, TA_CENTER)))
    story.append(PdfParagraph(_markup(content.header.title, bold=True), _style(14, TA_CENTER, spaceAfter=10)))
    body = _style(BODY_PT, TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=6)
    # a heading moves to the next page with its first line rather than stay alone at the foot of a page
    heading = _style(BODY_PT, TA_LEFT, spaceBefore=4, spaceAfter=6, keepWithNext=1)
    for section in content.sections:
        if section.heading:
            story.append(PdfParagraph(_markup(section.heading, bold=True), heading))
        for line in section.lines:
            text = f"- {line.text}" if line.style == "bullet" else line.text
            story.append(PdfParagraph(_markup(text, italic=line.style == "quote"), body))
    if content.signatures:
        story += [Spacer(1, 6 * mm), _pdf_signatures(content, boxes)]
    if content.recipients:
        story.append(Spacer(1, 10 * mm))
        story.append(PdfParagraph(_markup(content.recipients_heading, bold=True, italic=True), _style(12)))
        story += [PdfParagraph(_markup(recipient), _style(11)) for recipient in content.recipients]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        topMargin=PAGE_MARGINS_MM["top"] * mm,
        bottomMargin=PAGE_MARGINS_MM["bottom"] * mm,
        leftMargin=PAGE_MARGINS_MM["left"] * mm,
        rightMargin=PAGE_MARGINS_MM["right"] * mm,
        title=printable(content.header.title),
        author=printable(content.header.issuing_body),
        subject=printable(content.header.kind),
        creator="i-Cabinet",
        lang=content.language,
        initialFontName=_PDF_FONT,  # not reportlab's Helvetica, so that every font used is embedded
    )
    with _BUILD_LOCK:
        document.build(story, onLaterPages=_page_number)
    return buffer.getvalue(), [boxes[index] for index in sorted(boxes)]


def _page_number(canvas: Canvas, document: SimpleDocTemplate) -> None:
    """From the second page on, its number centred in the top margin (Decree 30/2020, appendix I)."""
    centre = (PAGE_MARGINS_MM["left"] + TEXT_WIDTH_MM / 2) * mm
    canvas.setFont(_PDF_FONT, BODY_PT)
    canvas.drawCentredString(centre, A4[1] - 12 * mm, str(document.page))


def _pdf_header(content: MinutesContent) -> Table:
    head = content.header
    centre12, centre13, centre14 = _style(12, TA_CENTER), _style(13, TA_CENTER), _style(14, TA_CENTER)
    left = [
        PdfParagraph(_markup(head.parent_body.upper()), centre12),
        PdfParagraph(_markup(head.issuing_body.upper(), bold=True), centre12),
        HRFlowable(width=25 * mm, thickness=0.6, color="black", spaceBefore=3, spaceAfter=6, hAlign="CENTER"),
        PdfParagraph(_markup(head.number), centre13),
    ]
    right = [
        PdfParagraph(_markup(head.motto.upper(), bold=True), centre12),
        PdfParagraph(_markup(head.slogan, bold=True), centre14),
        HRFlowable(width=60 * mm, thickness=0.6, color="black", spaceBefore=3, spaceAfter=6, hAlign="CENTER"),
        PdfParagraph(_markup(head.dateline, italic=True), centre13),
    ]
    table = Table([[left, right]], colWidths=[width * mm for width in HEADER_COLUMNS_MM])
    table.setStyle(_NO_PADDING)
    return table


class _SignatureSpace(Flowable):  # type: ignore[misc]
    """Four blank lines for the hand signature and seal that note where on which page they were drawn."""

    def __init__(self, width: float, index: int, boxes: dict[int, SignatureBox]) -> None:
        super().__init__()
        self.width, self.height = width, 4 * BODY_PT * 1.3
        self.index, self.boxes = index, boxes

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        # a table cell draws its flowables in translated coordinates: ask the canvas where (0, 0) is
        x1, y1 = self.canv.absolutePosition(0, 0)
        x2, y2 = self.canv.absolutePosition(self.width, self.height)
        page = self.canv.getPageNumber() - 1
        self.boxes[self.index] = SignatureBox(page, (round(x1), round(y1), round(x2), round(y2)))


def _pdf_signatures(content: MinutesContent, boxes: dict[int, SignatureBox]) -> Table:
    centre = _style(BODY_PT, TA_CENTER)
    column = TEXT_WIDTH_MM * mm / len(content.signatures)
    blocks = [
        [
            PdfParagraph(_markup(signature.role.upper(), bold=True), centre),
            PdfParagraph(_markup(signature.note, italic=True), centre),
            _SignatureSpace(column - 4 * mm, index, boxes),
            PdfParagraph(_markup(signature.name, bold=True), centre),
        ]
        for index, signature in enumerate(content.signatures)
    ]
    table = Table([blocks], colWidths=[column] * len(blocks))
    table.setStyle(_NO_PADDING)
    return table


_NO_PADDING = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("FONTNAME", (0, 0), (-1, -1), _PDF_FONT),  # a cell's default is Helvetica, which is not embedded
        ("LEFTPADDING", (0, 0), (-1, -1), 1),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1),
    ]
)


def _register_fonts() -> None:
    with _REGISTER_LOCK:
        if _PDF_FONT in pdfmetrics.getRegisteredFontNames():
            return
        for name, path in zip(_PDF_FACES, serif_font_paths(), strict=True):
            pdfmetrics.registerFont(TTFont(name, str(path)))
        regular, bold, italic, bold_italic = _PDF_FACES
        pdfmetrics.registerFontFamily(_PDF_FONT, normal=regular, bold=bold, italic=italic, boldItalic=bold_italic)


def _style(size: float, align: int = TA_LEFT, **extra: object) -> ParagraphStyle:
    return ParagraphStyle(
        f"minutes-{size}", fontName=_PDF_FONT, fontSize=size, leading=size * 1.3, alignment=align, **extra
    )


def _markup(text: str, *, bold: bool = False, italic: bool = False) -> str:
    """`text` as reportlab paragraph markup: composed (NFC), escaped, then wrapped in the face's tags.

    Composed, because reportlab places glyphs without shaping: a decomposed "ê" + acute would print the
    accent beside the letter, while the fonts have the precomposed "ế".
    """
    markup = escape(printable(text)).replace("\n", "<br/>")
    if bold:
        markup = f"<b>{markup}</b>"
    if italic:
        markup = f"<i>{markup}</i>"
    return markup
