"""Headings from the page text and the PDF outline, carried by passages, and questions that name a section:
on PDFs the tests generate, the two vi-dev reports and (when ../shared/data is there) a real minutes book."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.chunk import Chunk, Page, chunk_pages
from assistant.embed import SentenceTransformerEmbedder
from assistant.retriever import Retriever
from assistant.structure import document_headings, named_sections
from documents.extract import extract_pages
from documents.outline import read_outline
from tests.assistant.conftest import PDFS
from tests.support import pdfs

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
MINUTES_BOOK = SHARED / "real-pdfs" / "2010_03_17.pdf"

LAW_PAGES = [
    "LUẬT THỬ NGHIỆM\nChương I\nNHỮNG QUY ĐỊNH CHUNG\nĐiều 1. Phạm vi điều chỉnh\n"
    "Luật này quy định về việc thử nghiệm phần mềm phòng họp không giấy.\n"
    "Điều 2. Đối tượng áp dụng\n"
    "1. Cơ quan nhà nước, tổ chức chính trị và đơn vị sự nghiệp công lập sử dụng phần mềm phòng họp.\n"
    "2. Cán bộ, công chức, viên chức tham dự cuộc họp.",
    "3. Khách mời tham dự cuộc họp theo giấy mời của chủ tọa.\n"
    "Chương II\nQUYỀN VÀ NGHĨA VỤ\nMục 1\nQUYỀN CỦA ĐẠI BIỂU\n"
    "Điều 3. Quyền của đại biểu\n"
    "Đại biểu được đọc tài liệu cuộc họp trên máy tính bảng và biểu quyết kín.",
]


def _pages(path: Path, doc_id: int) -> list[Page]:
    return [Page(doc_id=doc_id, version=1, page=p.page, text=p.text) for p in extract_pages(path)]


def _by_start(chunks: list[Chunk], text: str) -> Chunk:
    return next(chunk for chunk in chunks if chunk.text.startswith(text))


def test_a_law_gives_each_passage_its_chapter_and_article(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    path = pdfs.text_pdf(tmp_path / "luat.pdf", LAW_PAGES)
    pages = _pages(path, 5)
    chunks = chunk_pages(pages, embedder.count_tokens, titles={5: "Luật Thử nghiệm"})
    first = _by_start(chunks, "Điều 1.")
    assert first.headings == "Chương I\nĐiều 1. Phạm vi điều chỉnh" and first.heading == "Điều 1. Phạm vi điều chỉnh"
    assert first.title == "Luật Thử nghiệm" and first.search_text.startswith("Luật Thử nghiệm\nChương I\n")
    # a heading opens a passage: article 1's passage holds none of article 2
    assert "Điều 2" not in first.text and _by_start(chunks, "Điều 2.").heading == "Điều 2. Đối tượng áp dụng"
    # the clauses (khoản) are no headings, and page 2 opens inside article 2, whose chain goes on there
    assert _by_start(chunks, "3. Khách mời").headings == "Chương I\nĐiều 2. Đối tượng áp dụng"
    article_3 = _by_start(chunks, "Điều 3.")
    assert article_3.page == 2 and article_3.headings == "Chương II\nMục 1\nĐiều 3. Quyền của đại biểu"
    for chunk in chunks:  # the page text itself is untouched
        assert pages[chunk.page - 1].text[chunk.start : chunk.end] == chunk.text


def test_numbered_report_headings_and_their_depth(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    path = pdfs.text_pdf(
        tmp_path / "bao-cao.pdf",
        [
            "BÁO CÁO TỔNG KẾT\nI. KẾT QUẢ ĐẠT ĐƯỢC\n1. Chuyển đổi số\n"
            "Thành phố đã số hóa 25 dịch vụ công thiết yếu trong năm.\n"
            "1.1 Dịch vụ công trực tuyến\nCó 9 dịch vụ được thực hiện hoàn toàn trực tuyến.\n"
            "22 dịch vụ còn lại được tích hợp trên Cổng dịch vụ công quốc gia trong quý IV.\n"
            "II. TỒN TẠI\nViệc số hóa tại bộ phận một cửa còn chậm so với lộ trình."
        ],
    )
    chunks = chunk_pages(_pages(path, 1), embedder.count_tokens)
    expected = "I. KẾT QUẢ ĐẠT ĐƯỢC\n1. Chuyển đổi số\n1.1 Dịch vụ công trực tuyến"
    assert _by_start(chunks, "1.1 Dịch vụ").headings == expected
    # a line opening with a bare number is text, not a heading; a new roman section closes the others
    assert all(not chunk.heading.startswith("22") for chunk in chunks)
    assert _by_start(chunks, "II. TỒN TẠI").headings == "II. TỒN TẠI"


def test_the_outline_names_sections_the_text_does_not_mark(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    path = pdfs.outlined_pdf(
        tmp_path / "report.pdf",
        [
            "Annual report\nThe committee met four times this year.",
            "Budget\nSpending rose by a tenth.\nStaffing\nTwo engineers joined the team in May.",
        ],
        [("Annual report", 1, 0), ("Budget", 2, 1), ("Staffing", 2, 1)],
    )
    outline = read_outline(path)
    assert [(e.title, e.page, e.depth) for e in outline] == [
        ("Annual report", 1, 0),
        ("Budget", 2, 1),
        ("Staffing", 2, 1),
    ]
    pages = _pages(path, 3)
    headings = document_headings([(p.page, p.text) for p in pages], [(e.title, e.page, e.depth) for e in outline])
    assert [(h.page, h.text) for h in headings] == [(1, "Annual report"), (2, "Budget"), (2, "Staffing")]
    chunks = chunk_pages(pages, embedder.count_tokens, headings={3: headings})
    staffing = _by_start(chunks, "Staffing")
    assert staffing.headings == "Annual report\nStaffing" and "Spending" not in staffing.text
    assert _by_start(chunks, "Budget").headings == "Annual report\nBudget"


def test_files_without_an_outline_or_headings_give_none() -> None:
    for path in PDFS.values():
        assert read_outline(path) == []
        pages = extract_pages(path)
        # news-style reports: short lines, figures and dates at line starts, none of them a heading
        assert document_headings([(p.page, p.text) for p in pages]) == []


@pytest.mark.skipif(
    not MINUTES_BOOK.exists() and os.environ.get("CI") != "true", reason="../shared/data/real-pdfs is not here"
)
def test_a_real_minutes_book_outline_heads_its_pages() -> None:
    outline = read_outline(MINUTES_BOOK)
    assert ("Department of Finance", 13, 0) in [(e.title, e.page, e.depth) for e in outline]
    pages = extract_pages(MINUTES_BOOK)
    headings = document_headings([(p.page, p.text) for p in pages], [(e.title, e.page, e.depth) for e in outline])
    finance = next(h for h in headings if h.text == "Department of Finance")
    assert finance.page == 13 and pages[12].text[finance.offset :].startswith("Department of Finance")
    # a sentence citing a section of the specifications is no heading
    assert not any(h.text.startswith("Section 10.04") for h in headings)


def test_questions_name_articles_clauses_chapters_and_sections() -> None:
    assert named_sections("Điều 143 quy định gì?") == {("article", "143")}
    assert named_sections("khoản 2 điều 5 nói về điều gì") == {("article", "5")}
    assert named_sections("dieu 12 luat du lich") == {("article", "12")}
    assert named_sections("What does section 2.1 say?") == {("number", "2.1")}
    assert named_sections("Chương II có mấy mục") == {("chapter", "ii")}
    assert named_sections("Tỷ lệ người dùng hài lòng là bao nhiêu?") == set()


def test_a_question_naming_an_article_finds_it_first(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    law_a = pdfs.text_pdf(tmp_path / "a.pdf", LAW_PAGES)
    law_b = pdfs.text_pdf(
        tmp_path / "b.pdf",
        [
            "LUẬT HỌP TRỰC TUYẾN\nĐiều 1. Phạm vi điều chỉnh\nLuật này quy định về họp trực tuyến.\n"
            "Điều 2. Giải thích từ ngữ\nHọp trực tuyến là cuộc họp có đại biểu tham dự qua mạng.\n"
            "Điều 3. Bảo mật\nTài liệu mật không được chia sẻ màn hình trong cuộc họp trực tuyến."
        ],
    )
    pages = _pages(law_a, 1) + _pages(law_b, 2)
    titles = {1: "Luật Thử nghiệm", 2: "Luật Họp trực tuyến"}
    retriever = Retriever.build(chunk_pages(pages, embedder.count_tokens, titles=titles), None)
    for question, doc_id, heading in [
        ("Điều 3 của Luật Thử nghiệm quy định gì?", 1, "Điều 3. Quyền của đại biểu"),
        ("dieu 3 luat hop truc tuyen quy dinh gi", 2, "Điều 3. Bảo mật"),
        ("Khoản 3 Điều 2 Luật Thử nghiệm", 1, "Điều 2. Đối tượng áp dụng"),
    ]:
        best = retriever.search(question, k=3)[0].chunk
        assert (best.doc_id, best.heading) == (doc_id, heading), question
    # without the title the article number alone still finds articles numbered so, in either law
    assert {hit.chunk.heading[:7] for hit in retriever.search("Điều 2 quy định gì?", k=2)} == {"Điều 2."}
