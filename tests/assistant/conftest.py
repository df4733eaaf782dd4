"""Fixtures for the assistant library: the real bundled model, loaded once, and the two vi-dev PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.chunk import Chunk, Page, chunk_pages
from assistant.embed import SentenceTransformerEmbedder
from assistant.retriever import Retriever
from documents.extract import extract_pages

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IHANOI_ID = 11
DE_AN_06_ID = 22
PDFS = {IHANOI_ID: FIXTURES / "bao-cao-ihanoi.pdf", DE_AN_06_ID: FIXTURES / "so-ket-de-an-06-2022.pdf"}

# From ../shared/data/vi-dev/questions.json (kept here so the tests run on a fresh clone):
# question, expected text, document, page holding the expected text.
QUESTIONS = [
    ("Tính đến ngày 31/10/2024, ứng dụng iHanoi có bao nhiêu người dùng đăng ký tài khoản?", "1.043.724", IHANOI_ID, 1),
    ("Từ ngày nào người dân có thể dùng tài khoản VNeID để đăng nhập iHanoi?", "11/11/2024", IHANOI_ID, 1),
    (
        "Theo Chủ tịch UBND thành phố, kết quả lớn nhất của việc triển khai Đề án 06 là gì?",
        "thay đổi nhận thức",
        IHANOI_ID,
        2,
    ),
    ("ty le danh gia hai long va chap nhan cua nguoi dan doi voi iHanoi", "55%", IHANOI_ID, 1),
    ("Năm 2022 có bao nhiêu hồ sơ đăng ký lưu trú được tiếp nhận và giải quyết trực tuyến?", "302.220", DE_AN_06_ID, 1),
    ("bao nhieu ho so dang ky thuong tru nam 2022", "118.880", DE_AN_06_ID, 1),
    ("Vì sao việc số hóa tại bộ phận một cửa bị chậm so với lộ trình?", "chưa có tính năng số hóa", DE_AN_06_ID, 2),
    ("Ai là Thứ trưởng Bộ Công an phát biểu tại cuộc họp sơ kết?", "Nguyễn Duy Ngọc", DE_AN_06_ID, 2),
]

UNRELATED = [
    "Giá vé máy bay Hà Nội – Đà Nẵng tháng 5?",
    "Ai là huấn luyện viên đội tuyển bóng đá quốc gia?",
    "Công thức nấu phở bò gồm những nguyên liệu gì?",
    "Tỷ giá đô la Mỹ hôm nay là bao nhiêu?",
    "gia ve xe buyt ha noi bao nhieu",
    "What is the price of a flight from Hanoi to Da Nang in May?",
    "Who won the football World Cup in 2022?",
    "How many hospitals will the city build next year?",
]


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2, loaded from site-packages without network."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def pages() -> list[Page]:
    """Every page of the two vi-dev PDFs."""
    return [
        Page(doc_id=doc_id, version=1, page=page.page, text=page.text)
        for doc_id, path in PDFS.items()
        for page in extract_pages(path)
    ]


@pytest.fixture(scope="session")
def chunks(pages: list[Page], embedder: SentenceTransformerEmbedder) -> list[Chunk]:
    """The vi-dev pages chunked with the model's tokenizer."""
    return chunk_pages(pages, embedder.count_tokens)


@pytest.fixture(scope="session")
def retriever(chunks: list[Chunk], embedder: SentenceTransformerEmbedder) -> Retriever:
    """A hybrid index of the vi-dev chunks with the product defaults (shared: tests must not change it)."""
    return Retriever.build(chunks, embedder)
