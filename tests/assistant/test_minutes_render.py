"""Minutes exports: the DOCX and the PDF carry every line of the content, in Vietnamese, in the Decree 30 form."""

from __future__ import annotations

import io
import unicodedata

import docx
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader

from assistant import minutes_render
from assistant.minutes_content import Header, Line, MinutesContent, Section, Signature
from assistant.minutes_render import DOCX_FONT, MissingFont, serif_font_paths, to_docx, to_pdf


def vietnamese_minutes() -> MinutesContent:
    """A Biên bản with every line style, two signatures and recipients, written in NFD where it can trip."""
    return MinutesContent(
        language="vi",
        header=Header(
            parent_body="ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI",
            issuing_body="VĂN PHÒNG UBND THÀNH PHỐ",
            number="Số: 15/BB-VP",
            motto="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            slogan="Độc lập - Tự do - Hạnh phúc",
            dateline="Hà Nội, ngày 25 tháng 11 năm 2026",
            kind="BIÊN BẢN",
            title="Họp thông qua dự thảo Nghị quyết về đầu tư công",
        ),
        sections=[
            Section(
                "opening",
                "I. THỜI GIAN, ĐỊA ĐIỂM",
                [Line("Thời gian: 14 giờ 00 ngày 25 tháng 11 năm 2026, tại phòng họp số 1, trụ sở Ủy ban nhân dân.")],
            ),
            Section(
                "attendance",
                "II. THÀNH PHẦN THAM DỰ",
                [
                    Line("Chủ trì: đồng chí Nguyễn Văn A, Phó Chủ tịch.", "bullet"),
                    Line("Thư ký: bà Trần Thị Ngọc.", "bullet"),
                ],
            ),
            Section(
                "item-12",
                "1. Dự thảo Nghị quyết về đầu tư công năm 2027",
                [
                    Line("“Đề nghị các sở, ngành khẩn trương hoàn thiện hồ sơ trình Hội đồng nhân dân.”", "quote"),
                    # Decomposed (NFD) on purpose: the exports must still read back as the composed text.
                    Line(unicodedata.normalize("NFD", "Kết quả biểu quyết: Đồng ý: 12/15; Không đồng ý: 1/15.")),
                ],
            ),
        ],
        signatures=[
            Signature("Thư ký", "(Ký, ghi rõ họ tên)", "Trần Thị Ngọc"),
            Signature("CHỦ TRÌ", "(Ký, ghi rõ họ tên)", "Nguyễn Văn A"),
        ],
        recipients_heading="Nơi nhận:",
        recipients=["- Các thành viên dự họp;", "- Lưu: VT, HS."],
    )


def expected_strings(content: MinutesContent) -> list[str]:
    """Every visible string, composed, with the roles uppercased as the form prints them."""
    strings = content.plain_text().split("\n") + [signature.role.upper() for signature in content.signatures]
    strings += [signature.note for signature in content.signatures]
    return [unicodedata.normalize("NFC", text) for text in strings if text.strip()]


def flat(text: str) -> str:
    """NFC with every run of whitespace as one space: wrapped lines compare equal to their source."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def docx_paragraphs(document: docx.document.Document) -> list[docx.text.paragraph.Paragraph]:
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        for cell in table._cells:
            paragraphs += cell.paragraphs
    return paragraphs


def test_docx_round_trips_every_line_in_times_new_roman() -> None:
    content = vietnamese_minutes()
    document = docx.Document(io.BytesIO(to_docx(content)))
    paragraphs = docx_paragraphs(document)
    text = flat("\n".join(paragraph.text for paragraph in paragraphs))
    for expected in expected_strings(content):
        assert flat(expected) in text, expected
    assert "- Chủ trì: đồng chí Nguyễn Văn A, Phó Chủ tịch." in text
    assert any(paragraph.text.startswith("Kết quả biểu quyết: Đồng ý: 12/15") for paragraph in paragraphs)
    runs = [run for paragraph in paragraphs for run in paragraph.runs if run.text.strip()]
    assert runs
    for run in runs:
        assert run.font.name == DOCX_FONT
        fonts = run._element.rPr.rFonts
        assert {fonts.get(qn(f"w:{key}")) for key in ("ascii", "hAnsi", "eastAsia", "cs")} == {DOCX_FONT}
    quote = next(run for run in runs if run.text.startswith("“Đề nghị"))
    assert quote.font.italic
    kind = next(paragraph for paragraph in document.paragraphs if paragraph.text == "BIÊN BẢN")
    assert kind.runs[0].font.bold and kind.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER


def test_docx_page_is_a4_with_decree_margins_and_borderless_tables() -> None:
    document = docx.Document(io.BytesIO(to_docx(vietnamese_minutes())))
    page = document.sections[0]
    assert (round(page.page_width.mm), round(page.page_height.mm)) == (210, 297)
    margins = [
        round(margin.mm) for margin in (page.top_margin, page.bottom_margin, page.left_margin, page.right_margin)
    ]
    top, bottom, left, right = margins
    assert 20 <= top <= 25 and 20 <= bottom <= 25 and 30 <= left <= 35 and 15 <= right <= 20, margins
    assert document.core_properties.title == vietnamese_minutes().header.title
    header, signatures = document.tables
    assert len(header.columns) == 2 and len(signatures.columns) == 2
    for table in (header, signatures):
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        assert borders is not None and {edge.get(qn("w:val")) for edge in borders} == {"nil"}


def test_pdf_text_extracts_with_vietnamese_intact() -> None:
    content = vietnamese_minutes()
    reader = PdfReader(io.BytesIO(to_pdf(content)))
    text = flat("\n".join(page.extract_text() for page in reader.pages))
    for expected in expected_strings(content):
        assert flat(expected) in text, expected
    # the decomposed line comes out composed, without normalising the extract
    assert "Kết quả biểu quyết: Đồng ý: 12/15" in " ".join(page.extract_text() for page in reader.pages)
    assert reader.metadata is not None and reader.metadata.title == content.header.title
    assert reader.trailer["/Root"]["/Lang"] == "vi"
    width, height = (float(value) for value in reader.pages[0].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)


def test_pdf_embeds_every_font_it_uses_as_a_serif_ttf() -> None:
    reader = PdfReader(io.BytesIO(to_pdf(vietnamese_minutes())))
    faces = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert font["/Subtype"] == "/TrueType", font  # no standard-14 font that a viewer substitutes
            assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
            faces.add(str(font["/BaseFont"]).split("+")[-1])
    family = serif_font_paths()[0].stem.split("-")[0]
    # regular text, bold (headings, names), italic (dateline, quotes, notes), bold italic (recipients)
    assert len(faces) == 4 and all(face.startswith(family) for face in faces), faces


def test_a_long_minutes_flows_onto_more_pages() -> None:
    content = vietnamese_minutes()
    content.sections.append(
        Section(
            "discussion", "2. Ý kiến thảo luận", [Line(f"Ý kiến thứ {n}: đề nghị bổ sung kinh phí.") for n in range(80)]
        )
    )
    reader = PdfReader(io.BytesIO(to_pdf(content)))
    assert len(reader.pages) >= 2
    assert "Ý kiến thứ 79" in flat(reader.pages[-1].extract_text())


def test_missing_fonts_name_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(minutes_render, "SERIF_FAMILIES", (("/nonexistent/Serif-{}.ttf", ("A", "B", "C", "D")),))
    with pytest.raises(MissingFont, match="fonts-noto-core"):
        serif_font_paths()
