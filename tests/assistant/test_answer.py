"""The extractive answer quotes each sentence once, even when overlapping passages both hold it."""

from __future__ import annotations

from assistant.answer import answer
from assistant.chunk import Chunk
from assistant.retriever import SearchHit

PAGE = (
    "Tình hình kinh tế tháng 11 ổn định. Mức phí trông giữ xe máy là 5.000 đồng mỗi lượt. "
    "Sở Tài chính hoàn thiện dự thảo trong tháng 12."
)


def hit(start: int, end: int, score: float) -> SearchHit:
    chunk = Chunk(id=f"7:1:1:{start}", doc_id=7, version=1, page=1, start=start, end=end, text=PAGE[start:end])
    return SearchHit(chunk=chunk, score=score, lexical=score, dense=0.0, coverage=1.0)


def test_a_sentence_two_overlapping_passages_hold_is_quoted_once() -> None:
    fee = PAGE.index("Mức phí")
    first, second = hit(0, PAGE.index("Sở Tài"), 1.0), hit(fee, len(PAGE), 0.98)
    reply = answer("Mức phí trông giữ xe máy bao nhiêu?", [first, second])
    assert reply.found
    assert reply.text.count("5.000 đồng mỗi lượt") == 1, reply.text
    assert {c.chunk_id for c in reply.citations} == {first.chunk.id, second.chunk.id}
