"""The assistant through the HTTP API, on the real Vietnamese reports and the real model.

Ask, search and summary see exactly what the asker may read; answers quote the page that holds the answer;
questions the materials cannot answer say so; replacing or deleting a document updates what is found.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.assistant.conftest import QUESTIONS, UNRELATED
from tests.server.conftest import App, Client, build_app
from tests.server.test_documents import upload
from tests.support import pdfs
from tests.support.chat import chat_endpoint

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IHANOI = FIXTURES / "bao-cao-ihanoi.pdf"
DE_AN_06 = FIXTURES / "so-ket-de-an-06-2022.pdf"
# the fixture ids of tests/assistant/conftest.py, and which PDF each stands for
PDF_OF = {11: IHANOI, 22: DE_AN_06}


def wait_searchable(client: Client, document_id: int, searchable: bool = True) -> dict[str, Any]:
    for _ in range(600):
        document = client.ok("GET", f"/api/documents/{document_id}")
        if document["searchable"] is searchable and document["status"] != "processing":
            return document
        time.sleep(0.05)
    raise AssertionError(f"document {document_id} never became searchable={searchable}")


def ask(client: Client, question: str, **scope: Any) -> Any:
    return client.ok("POST", "/api/assistant/ask", json={"question": question, **scope})


def holds(reply: dict[str, Any], expect: str) -> bool:
    return expect in reply["answer"] or any(expect in citation["snippet"] for citation in reply["citations"])


class World:
    def __init__(self, app: App) -> None:
        self.app = app
        self.meeting_id, self.items = app.new_meeting()
        sec = app.users["sec"]
        self.ihanoi = upload(sec, self.meeting_id, IHANOI, classification="internal").json()["id"]
        # confidential, nobody named: the chair and the secretary may read it, del1 and the guest may not
        self.de_an = upload(sec, self.meeting_id, DE_AN_06, classification="confidential").json()["id"]
        self.ids = {IHANOI: self.ihanoi, DE_AN_06: self.de_an}
        for document_id in self.ids.values():
            wait_searchable(sec, document_id)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with build_app(tmp_path_factory.mktemp("assistant")) as app:
        yield World(app)


@pytest.mark.parametrize(("question", "expect", "fixture_id", "page"), QUESTIONS, ids=[q[1] for q in QUESTIONS])
def test_answers_quote_the_page_that_holds_the_answer(
    world: World, question: str, expect: str, fixture_id: int, page: int
) -> None:
    reply = ask(world.app.users["chair"], question, meeting_id=world.meeting_id)
    assert reply["found"], reply
    assert holds(reply, expect), reply
    document_id = world.ids[PDF_OF[fixture_id]]
    assert {"document_id": document_id, "page": page} in [
        {"document_id": c["document_id"], "page": c["page"]} for c in reply["citations"]
    ]
    first = reply["citations"][0]
    assert first["title"] and first["meeting_id"] == world.meeting_id and 0 < first["score"] <= 1
    assert reply["language"] == "vi" and reply["phrased_by"] == "extract" and reply["took_ms"] > 0


@pytest.mark.parametrize("question", UNRELATED)
def test_questions_the_materials_cannot_answer_say_so(world: World, question: str) -> None:
    reply = ask(world.app.users["chair"], question, meeting_id=world.meeting_id)
    assert not reply["found"] and reply["citations"] == []
    assert "không có thông tin" in reply["answer"] or "no information" in reply["answer"]


def test_english_questions_get_english_refusals(world: World) -> None:
    reply = ask(world.app.users["chair"], "Who won the football World Cup in 2022?", meeting_id=world.meeting_id)
    assert reply["language"] == "en" and "no information" in reply["answer"]


def test_a_confidential_document_never_reaches_a_reader_not_named(world: World) -> None:
    question, expect = "bao nhieu ho so dang ky thuong tru nam 2022", "118.880"
    assert holds(ask(world.app.users["sec"], question, meeting_id=world.meeting_id), expect)
    for username in ("del1", "guest"):
        client = world.app.users[username]
        for scope in ({"meeting_id": world.meeting_id}, {"scope": "all"}, {}):
            reply = ask(client, question, **scope)
            assert world.de_an not in {c["document_id"] for c in reply["citations"]}, (username, scope)
            assert expect not in str(reply), (username, scope)
        hits = client.ok("GET", "/api/search", params={"q": "thường trú", "meeting_id": world.meeting_id})["hits"]
        assert world.de_an not in {hit["document_id"] for hit in hits}
        assert expect not in str(client.ok("GET", "/api/search", params={"q": "đăng ký thường trú"}))
        assert client.request("GET", f"/api/documents/{world.de_an}/summary").status_code == 404
        history = client.ok("GET", "/api/assistant/history")
        assert expect not in str(history)


def test_the_guest_sees_no_internal_document_and_an_outsider_no_meeting(world: World) -> None:
    question = "Tính đến ngày 31/10/2024, ứng dụng iHanoi có bao nhiêu người dùng đăng ký tài khoản?"
    assert not ask(world.app.users["guest"], question, meeting_id=world.meeting_id)["found"]
    outsider = world.app.users["outsider"]
    body = {"question": question, "meeting_id": world.meeting_id}
    refused = outsider.request("POST", "/api/assistant/ask", json=body)
    assert refused.status_code == 404
    everywhere = ask(outsider, question)
    assert not everywhere["found"] and everywhere["citations"] == []


def test_naming_a_reader_opens_the_confidential_document_to_them(tmp_path: Path) -> None:
    with build_app(tmp_path) as app:
        sec, del1 = app.users["sec"], app.users["del1"]
        meeting_id, _ = app.new_meeting()
        document_id = upload(sec, meeting_id, DE_AN_06, classification="confidential").json()["id"]
        wait_searchable(sec, document_id)
        question = "Ai là Thứ trưởng Bộ Công an phát biểu tại cuộc họp sơ kết?"
        assert not ask(del1, question, meeting_id=meeting_id)["found"]
        sec.ok("PATCH", f"/api/documents/{document_id}", json={"allowed_usernames": ["del1"]})
        assert holds(ask(del1, question, meeting_id=meeting_id), "Nguyễn Duy Ngọc")


def test_scopes_narrow_to_a_meeting_an_item_or_a_document(world: World) -> None:
    chair = world.app.users["chair"]
    question = "Năm 2022 có bao nhiêu hồ sơ đăng ký lưu trú được tiếp nhận và giải quyết trực tuyến?"
    assert holds(ask(chair, question, document_id=world.de_an), "302.220")
    narrowed = ask(chair, question, document_id=world.ihanoi)
    assert "302.220" not in str(narrowed)
    # no document is attached to the first agenda item
    assert not ask(chair, question, meeting_id=world.meeting_id, agenda_item_id=world.items[0])["found"]
    # another meeting of the chair's with nothing in it: scope `meeting` finds nothing, `all` finds the report
    other, _ = world.app.new_meeting()
    assert not ask(chair, question, meeting_id=other)["found"]
    assert holds(ask(chair, question, meeting_id=other, scope="all"), "302.220")


def test_bad_questions_are_refused_and_change_nothing(world: World) -> None:
    chair = world.app.users["chair"]
    before = chair.ok("GET", "/api/assistant/history", params={"limit": 100})
    cases = [
        ({"question": ""}, 400),
        ({"question": "x" * 1001}, 400),
        ({"meeting_id": world.meeting_id}, 400),
        ({"question": "iHanoi", "meeting_id": 999999}, 404),
        ({"question": "iHanoi", "scope": "meeting"}, 400),
        ({"question": "iHanoi", "scope": "galaxy"}, 400),
        ({"question": "iHanoi", "document_id": 999999}, 404),
        ({"question": "iHanoi", "meeting_id": world.meeting_id, "agenda_item_id": 999999}, 404),
        ({"question": 42}, 400),
    ]
    for body, status in cases:
        response = chair.request("POST", "/api/assistant/ask", json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["detail"]
    assert chair.request("GET", "/api/search").status_code == 400
    assert chair.request("GET", "/api/search", params={"q": "   "}).status_code == 400
    assert chair.request("GET", "/api/search", params={"q": "iHanoi", "limit": 0}).status_code == 400
    assert chair.request("GET", "/api/documents/999999/summary").status_code == 404
    assert chair.ok("GET", "/api/assistant/history", params={"limit": 100}) == before


def test_search_ranks_passages_and_highlights_words_typed_without_accents(world: World) -> None:
    result = world.app.users["chair"].ok(
        "GET", "/api/search", params={"q": "chuyen doi so", "meeting_id": world.meeting_id}
    )
    assert result["hits"] and result["took_ms"] > 0
    best = result["hits"][0]
    marked = [best["snippet"][start:end].lower() for start, end in best["highlights"]]
    assert {"chuyển", "đổi", "số"} <= set(marked), marked
    scores = [hit["score"] for hit in result["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_summary_gives_key_sentences_with_their_pages(world: World) -> None:
    summary = world.app.users["del1"].ok("GET", f"/api/documents/{world.ihanoi}/summary")
    assert summary["document_id"] == world.ihanoi and 3 <= len(summary["sentences"]) <= 6
    pages = [sentence["page"] for sentence in summary["sentences"]]
    assert pages == sorted(pages) and set(pages) <= {1, 2}
    texts = " ".join(sentence["text"] for sentence in summary["sentences"])
    assert "iHanoi" in texts or "Đề án 06" in texts


def test_recent_questions_are_the_askers_own(world: World) -> None:
    del1, chair = world.app.users["del1"], world.app.users["chair"]
    ask(del1, "Từ ngày nào người dân có thể dùng tài khoản VNeID để đăng nhập iHanoi?", meeting_id=world.meeting_id)
    mine = del1.ok("GET", "/api/assistant/history", params={"meeting_id": world.meeting_id, "limit": 1})
    assert mine[0]["question"].startswith("Từ ngày nào") and mine[0]["found"]
    assert mine[0]["citations"][0]["document_id"] == world.ihanoi
    assert all(not q["question"].startswith("Từ ngày nào") for q in chair.ok("GET", "/api/assistant/history"))


def test_a_new_version_replaces_the_old_text_and_deleting_forgets_it(tmp_path: Path) -> None:
    with build_app(tmp_path) as app:
        sec = app.users["sec"]
        meeting_id, _ = app.new_meeting()
        first, second = tmp_path / "v1.pdf", tmp_path / "v2.pdf"
        pdfs.text_pdf(first, ["Phí gửi xe ô tô tại bãi Nguyễn Du là 35.000 đồng mỗi lượt."])
        pdfs.text_pdf(second, ["Phí gửi xe ô tô tại bãi Nguyễn Du là 50.000 đồng mỗi lượt."])
        document_id = upload(sec, meeting_id, first).json()["id"]
        wait_searchable(sec, document_id)
        question = "Phí gửi xe ô tô tại bãi Nguyễn Du là bao nhiêu?"
        assert "35.000" in ask(sec, question, meeting_id=meeting_id)["answer"]
        with second.open("rb") as handle:
            files = {"file": ("v2.pdf", handle, "application/pdf")}
            sec.ok("POST", f"/api/documents/{document_id}/versions", files=files)
        wait_searchable(sec, document_id)
        reply = ask(sec, question, meeting_id=meeting_id)
        assert "50.000" in reply["answer"] and "35.000" not in str(reply)
        sec.ok("DELETE", f"/api/documents/{document_id}")
        for _ in range(200):
            if not ask(sec, question, meeting_id=meeting_id)["found"]:
                break
            time.sleep(0.05)
        assert not ask(sec, question, meeting_id=meeting_id)["found"]


def _ihanoi_reply(prompt: str) -> str:
    figure = "1.043.724" if "1.043.724" in prompt else "?"
    return f"Ứng dụng có {figure} người dùng [1]."


def test_a_configured_language_model_phrases_from_the_passages_and_failures_fall_back(tmp_path: Path) -> None:
    with (
        chat_endpoint(_ihanoi_reply) as (url, chat),
        build_app(tmp_path, llm_base_url=url, llm_model="qwen-local", llm_timeout_seconds=5) as app,
    ):
        sec = app.users["sec"]
        meeting_id, _ = app.new_meeting()
        document_id = upload(sec, meeting_id, IHANOI).json()["id"]
        wait_searchable(sec, document_id)
        question = "Tính đến ngày 31/10/2024, ứng dụng iHanoi có bao nhiêu người dùng đăng ký tài khoản?"
        phrased = ask(sec, question, meeting_id=meeting_id)
        assert phrased["phrased_by"] == "llm" and phrased["answer"] == "Ứng dụng có 1.043.724 người dùng [1]."
        assert phrased["citations"] and phrased["citations"][0]["document_id"] == document_id
        sent = chat.requests[-1]
        assert sent["path"] == "/v1/chat/completions" and sent["body"]["model"] == "qwen-local"
        assert question in chat.last_prompt
        # not asked at all when the materials do not hold the answer
        count = len(chat.requests)
        assert not ask(sec, "Công thức nấu phở bò gồm những nguyên liệu gì?", meeting_id=meeting_id)["found"]
        assert len(chat.requests) == count
        chat.fail = True
        fallback = ask(sec, question, meeting_id=meeting_id)
        assert fallback["phrased_by"] == "extract" and "1.043.724" in str(fallback)
        assert fallback["citations"] == phrased["citations"]


def test_an_unreachable_language_model_falls_back(tmp_path: Path) -> None:
    shutil.copyfile(IHANOI, tmp_path / "report.pdf")
    with build_app(tmp_path / "data", llm_base_url="http://127.0.0.1:9/v1", llm_timeout_seconds=2) as app:
        sec = app.users["sec"]
        meeting_id, _ = app.new_meeting()
        document_id = upload(sec, meeting_id, tmp_path / "report.pdf").json()["id"]
        wait_searchable(sec, document_id)
        question = "Từ ngày nào người dân có thể dùng tài khoản VNeID để đăng nhập iHanoi?"
        reply = ask(sec, question, meeting_id=meeting_id)
        assert reply["found"] and reply["phrased_by"] == "extract" and "11/11/2024" in reply["answer"]
