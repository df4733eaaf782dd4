"""A question asking how many or when is answered with the sentence that holds the asked figure or date."""

from __future__ import annotations

from assistant.answer import answer, asked_unit
from assistant.chunk import Chunk
from assistant.retriever import SearchHit


def page_hit(text: str, doc_id: int = 3) -> SearchHit:
    chunk = Chunk(id=f"{doc_id}:1:1:0", doc_id=doc_id, version=1, page=1, start=0, end=len(text), text=text)
    return SearchHit(chunk=chunk, score=1.0, lexical=1.0, dense=0.0, coverage=1.0)


def test_the_asked_unit_is_read_from_the_question() -> None:
    assert asked_unit("Đề án gồm bao nhiêu nhiệm vụ?") == "nhiem vu"
    assert asked_unit("Tỷ lệ xử lý là bao nhiêu phần trăm?") == "phan tram"
    assert asked_unit("How many tasks does the plan have?") == "tasks"
    assert asked_unit("Who chairs the meeting?") is None


def test_the_sentence_holding_the_counted_figure_answers_how_many() -> None:
    # the first sentence holds more of the question's words and a year; only the second says how many
    text = (
        "Năm 2024 Đề án 06 của thành phố gồm nhiều nhiệm vụ mới về chuyển đổi số. "
        "Tổng cộng có 25 nhiệm vụ được giao cho các sở."
    )
    reply = answer("Đề án 06 của thành phố gồm bao nhiêu nhiệm vụ?", [page_hit(text)])
    assert reply.found and "25 nhiệm vụ" in reply.text, reply.text
    english = "In 2024 the plan of the city has new tasks on the digital shift. In all, 25 tasks go to the departments."
    reply = answer("How many tasks does the plan of the city have?", [page_hit(english)], language="en")
    assert reply.found and "25 tasks" in reply.text, reply.text


def test_the_sentence_holding_a_date_answers_when() -> None:
    text = (
        "Hội đồng nhân dân thành phố đã thảo luận Đề án thành lập Trung tâm phục vụ hành chính công với 30 ý kiến. "
        "Đề án được thông qua ngày 4/10/2024."
    )
    reply = answer("Hội đồng nhân dân thành phố thông qua Đề án thành lập Trung tâm khi nào?", [page_hit(text)])
    assert reply.found and "4/10/2024" in reply.text, reply.text
