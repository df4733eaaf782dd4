"""Fixtures for the documents library: the committed Vietnamese PDFs and generated ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.pdfs import text_pdf

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IHANOI = FIXTURES / "bao-cao-ihanoi.pdf"
DE_AN_06 = FIXTURES / "so-ket-de-an-06-2022.pdf"

VIETNAMESE_PAGES = [
    "Chuyển đổi số trong cơ quan nhà nước\nỦy ban nhân dân thành phố",
    "Báo cáo kinh tế - xã hội\nNghị quyết về đầu tư công",
    "Kết luận của Chủ tịch: giao Sở Thông tin và Truyền thông chủ trì",
]


@pytest.fixture
def vietnamese_pdf(tmp_path: Path) -> Path:
    """A three-page PDF of Vietnamese text with a title and author."""
    return text_pdf(
        tmp_path / "vietnamese.pdf", VIETNAMESE_PAGES, title="  Họp giao ban tháng 11 ", author="Văn phòng UBND"
    )
