"""What users read of the meeting records is the records' own words: the glosses that let an English question
find a Vietnamese record ("Kết luận, quyết định (conclusion: what we decide ...)", "Cuộc họp (meeting)",
"Biên bản đã duyệt (approved minutes)") are indexed but never in an answer, a citation or a search hit, and
no line is said twice."""

from __future__ import annotations

import re
import time
import unicodedata
from typing import Any

import pytest

from tests.server.conftest import App, Client

CONCLUSION = "Tăng phí trông giữ xe ô tô trong phố cổ lên 40.000 đồng mỗi giờ từ tháng 1 năm 2027"
TASK = "Ban hành bảng giá trông giữ xe ô tô mới"
# an English word or phrase in brackets after Vietnamese: how the index glosses a record's kind and fields
GLOSS = re.compile(r"\((?:[a-z]+[ ,:]*)+\)")


def said(text: str) -> list[str]:
    """The sentences of ``text``, normalised, for telling a repeated one."""
    plain = " ".join(unicodedata.normalize("NFC", text).split()).strip(" …")
    return [s.strip(" .") for s in re.split(r"(?<=[.!?])\s+", plain) if s.strip(" .")]


def assert_clean(text: str, where: str) -> None:
    assert not GLOSS.search(text), f"{where} shows the index's gloss: {text}"
    sentences = said(text)
    assert len(sentences) == len(set(sentences)), f"{where} says a line twice: {text}"


@pytest.fixture(scope="module")
def records(app: App) -> dict[str, Any]:
    """A closed meeting with a conclusion, a task given under it (unit, person, deadline) and approved minutes."""
    sec, chair = app.users["sec"], app.users["chair"]
    meeting_id, items = app.new_meeting(live=True)
    base = f"/api/meetings/{meeting_id}"
    item = sec.ok("PATCH", f"{base}/agenda/{items[1]}", json={"title": "Phí trông giữ xe ô tô"})["id"]
    sec.ok("PUT", f"{base}/agenda/{item}/conclusion", json={"text": CONCLUSION})
    task = sec.ok(
        "POST",
        f"{base}/tasks",
        json={
            "title": TASK,
            "assigned_unit": "Sở Tài chính",
            "assignee_id": app.users["del1"].user["id"],
            "deadline": "2027-01-15",
            "agenda_item_id": item,
        },
    )
    sec.ok("POST", f"{base}/close")
    drafted = sec.ok("POST", f"{base}/minutes/draft", json={})
    chair.ok("POST", f"{base}/minutes/approve", json={"base_version": drafted["version"]})
    return {"meeting_id": meeting_id, "item_id": item, "task_id": task["id"]}


def until(client: Client, question: str, kinds: set[str], **scope: Any) -> Any:
    """Ask until the reply cites every one of ``kinds``: the index follows the database in the background."""
    for _ in range(400):
        reply = client.ok("POST", "/api/assistant/ask", json={"question": question, **scope})
        cited = {c["kind"] for c in reply["citations"]}
        if kinds <= cited:
            return reply
        time.sleep(0.05)
    raise AssertionError(f"never cited {kinds}: {reply}")


# (question, the kind whose own line answers it)
QUESTIONS = [
    ("Kết luận về phí trông giữ xe ô tô trong phố cổ là gì?", "conclusion"),
    ("Nhiệm vụ ban hành bảng giá trông giữ xe do ai thực hiện, hạn khi nào?", "task"),
    ("Biên bản ghi cuộc họp kết thúc vào mấy giờ?", "minutes"),
]


@pytest.mark.parametrize(("question", "kind"), QUESTIONS, ids=[kind for _, kind in QUESTIONS])
def test_answers_and_citations_quote_the_records_own_words(
    app: App, records: dict[str, Any], question: str, kind: str
) -> None:
    reply = until(app.users["chair"], question, {kind}, meeting_id=records["meeting_id"])
    assert reply["found"], reply
    assert_clean(reply["answer"], "the answer")
    for citation in reply["citations"]:
        assert_clean(citation["snippet"], f"the {citation['kind']} citation")
        assert_clean(citation["title"], f"the {citation['kind']} citation's title")
    # the task is said once, with its current status, however many passages name it
    assert reply["answer"].count(TASK) <= 1, reply["answer"]
    if kind == "task":
        assert TASK in reply["answer"] and "chưa thực hiện" in reply["answer"], reply["answer"]
        task = next(c for c in reply["citations"] if c["kind"] == "task")
        assert "Sở Tài chính" in task["snippet"] and "15/01/2027" in task["snippet"], task
    if kind == "conclusion":
        assert "40.000 đồng mỗi giờ" in reply["answer"], reply["answer"]
        assert reply["answer"].count("40.000 đồng mỗi giờ") == 1, reply["answer"]  # minutes and conclusion: once
        conclusion = next(c for c in reply["citations"] if c["kind"] == "conclusion")
        assert conclusion["snippet"].startswith(CONCLUSION), conclusion  # the conclusion as the chair stated it
    if kind == "minutes":
        minutes = next(c for c in reply["citations"] if c["kind"] == "minutes")
        assert "kết thúc vào" in minutes["snippet"] and "approved minutes" not in minutes["snippet"], minutes


def search(client: Client, query: str, **params: Any) -> Any:
    return client.ok("GET", "/api/search", params={"q": query, **params})["hits"]


def test_an_english_question_finds_a_vietnamese_record_by_its_gloss_and_sees_none(
    app: App, records: dict[str, Any]
) -> None:
    """The glosses stay in the index: "decide" and "task" find the Vietnamese conclusion and task."""
    chair = app.users["chair"]
    hits = search(chair, "what did we decide", kind="conclusion", meeting_id=records["meeting_id"])
    assert [(h["kind"], h["source_id"]) for h in hits] == [("conclusion", records["item_id"])], hits
    hits += search(chair, "task deadline status", kind="task", meeting_id=records["meeting_id"])
    assert ("task", records["task_id"]) in [(h["kind"], h["source_id"]) for h in hits], hits
    for hit in hits:
        assert_clean(hit["snippet"], f"the {hit['kind']} hit")
        assert "decide" not in hit["snippet"] and "deadline" not in hit["snippet"], hit
        assert all(0 <= start < end <= len(hit["snippet"]) for start, end in hit["highlights"]), hit


@pytest.mark.parametrize("kind", ["conclusion", "task", "minutes"])
def test_search_hits_of_each_record_kind_are_clean_and_carry_the_citation_fields(
    app: App, records: dict[str, Any], kind: str
) -> None:
    chair = app.users["chair"]
    hits = search(chair, "phí trông giữ xe ô tô", kind=kind, meeting_id=records["meeting_id"])
    assert hits and all(h["kind"].startswith(kind) for h in hits), hits
    for hit in hits:
        assert_clean(hit["snippet"], f"the {kind} hit")
        assert hit["meeting_id"] == records["meeting_id"] and hit["document_id"] is None and hit["title"], hit
    expected = {"conclusion": records["item_id"], "task": records["task_id"], "minutes": records["meeting_id"]}
    assert expected[kind] in {h["source_id"] for h in hits}, hits
    if kind == "task":
        assert {h["status"] for h in hits} == {"open"}, hits


def test_search_kinds_filter_repeated_or_comma_listed(app: App, records: dict[str, Any]) -> None:
    chair = app.users["chair"]
    meeting = {"meeting_id": records["meeting_id"]}
    every = search(chair, "phí trông giữ xe ô tô", limit=50, **meeting)
    assert {"conclusion", "task", "minutes"} <= {h["kind"] for h in every}, every
    for kinds in (["conclusion", "task"], ["conclusion,task"], ["Conclusion, TASK"]):
        hits = chair.ok(
            "GET",
            "/api/search",
            params=[("q", "phí trông giữ xe ô tô"), ("limit", "50"), *meeting.items()] + [("kind", k) for k in kinds],
        )["hits"]
        assert {h["kind"] for h in hits} == {"conclusion", "task"}, (kinds, hits)
    assert search(chair, "phí trông giữ xe ô tô", kind="document", **meeting) == []  # the meeting has none


@pytest.mark.parametrize("kind", ["memo", "", "document,", "documents"])
def test_an_unknown_kind_is_refused_in_both_languages(app: App, records: dict[str, Any], kind: str) -> None:
    chair = app.users["chair"]
    for language, word in (("en", "Unknown kind"), ("vi", "không hợp lệ")):
        response = chair.request(
            "GET",
            "/api/search",
            params={"q": "phí trông giữ xe", "kind": kind, "meeting_id": records["meeting_id"]},
            headers={"Accept-Language": language},
        )
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["status_code"] == 400 and word in body["detail"], body


TRANSCRIPT = (
    "WEBVTT\n\n00:10:00.000 --> 00:10:20.000\n<v Giám đốc Sở Tài chính>Phí trông giữ xe ô tô trong phố cổ nên "
    "tăng lên bốn mươi nghìn đồng mỗi giờ.\n\n00:10:20.000 --> 00:10:30.000\n<v Chủ tọa>Chuyển sang nội dung "
    "bếp ăn trường học.\n"
)
TRANSCRIPT_FIELDS = ("kind", "source_id", "meeting_id", "title", "transcript_id", "turn", "speaker", "start", "end")


def test_a_transcript_hit_carries_the_fields_of_the_asks_citation(app: App) -> None:
    sec, del1 = app.users["sec"], app.users["del1"]
    meeting_id, _ = app.new_meeting()
    files = {"file": ("phien-hop.vtt", TRANSCRIPT.encode(), "text/vtt")}
    transcript_id = sec.ok("POST", f"/api/meetings/{meeting_id}/transcripts", files=files)["id"]
    question = "Phí trông giữ xe ô tô trong phố cổ nên tăng lên bao nhiêu mỗi giờ?"
    reply = until(del1, question, {"transcript"}, meeting_id=meeting_id)
    cited = next(c for c in reply["citations"] if c["kind"] == "transcript")
    hits = search(del1, question, kind="transcript", meeting_id=meeting_id)
    assert hits and {h["kind"] for h in hits} == {"transcript"}, hits
    hit = hits[0]
    assert hit["source_id"] == hit["transcript_id"] == transcript_id and hit["document_id"] is None, hit
    # every field the ask's citation gives a transcript (the span's, where the API gives them) the hit gives alike
    fields = [*TRANSCRIPT_FIELDS, *(f for f in ("turn_last", "speakers") if f in cited)]
    assert {f: hit[f] for f in fields} == {f: cited[f] for f in fields}, (hit, cited)
    assert (hit["speaker"], hit["start"]) == ("Giám đốc Sở Tài chính", "00:10:00"), hit
    # a guest reads no transcript: the same search finds nothing of it
    assert search(app.users["guest"], question, kind="transcript", meeting_id=meeting_id) == []
