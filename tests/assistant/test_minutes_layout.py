"""Minutes layout: a section heading always starts a page's text with its first line, never ends a page alone."""

from __future__ import annotations

import io
import unicodedata

import docx
from pypdf import PdfReader

from assistant.minutes_content import Header, Line, MinutesContent, Section
from assistant.minutes_render import to_docx, to_pdf

HEADING = "2. Tờ trình về phí trông giữ xe"
FILLER = "Ý kiến thảo luận về nội dung báo cáo, thống nhất với đề xuất của cơ quan chủ trì soạn thảo."


def minutes(filler_lines: int, short_lines: int = 0) -> MinutesContent:
    """A first section of `filler_lines` two-line paragraphs and `short_lines` one-line ones, then HEADING."""
    filler = [Line(f"{FILLER} ({n})") for n in range(filler_lines)] + [Line("Đồng ý.")] * short_lines
    return MinutesContent(
        language="vi",
        header=Header(
            parent_body="UBND THÀNH PHỐ HÀ NỘI",
            issuing_body="VĂN PHÒNG",
            number="Số: 1/BB-VP",
            motto="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            slogan="Độc lập - Tự do - Hạnh phúc",
            dateline="Hà Nội, ngày 06 tháng 12 năm 2026",
            kind="BIÊN BẢN",
            title="Họp thường kỳ",
        ),
        sections=[
            Section("item-1", "1. Báo cáo tình hình", filler),
            Section("item-2", HEADING, [Line("Thống nhất mức phí 5.000 đồng/lượt.")]),
        ],
        signatures=[],
    )


def page_lines(pdf: bytes) -> list[list[str]]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return [
        [line.strip() for line in unicodedata.normalize("NFC", page.extract_text()).splitlines() if line.strip()]
        for page in pages
    ]


def test_a_heading_is_never_left_alone_at_the_foot_of_a_pdf_page() -> None:
    # however much comes before it (some of these put it on the last line of page 2), the heading shares
    # its page with the line under it
    for filler_lines in range(29, 32):
        for short_lines in range(4):
            pages = page_lines(to_pdf(minutes(filler_lines, short_lines)))
            page = next(lines for lines in pages if any(HEADING in line for line in lines))
            at = next(index for index, line in enumerate(page) if HEADING in line)
            following = [line for line in page[at + 1 :] if not line.isdigit()]  # the page number is not text
            assert following and "5.000 đồng/lượt" in following[0], (filler_lines, short_lines, page[-3:])


def test_docx_headings_keep_with_the_next_paragraph() -> None:
    document = docx.Document(io.BytesIO(to_docx(minutes(3))))
    heading = next(p for p in document.paragraphs if p.text == HEADING)
    assert heading.paragraph_format.keep_with_next
