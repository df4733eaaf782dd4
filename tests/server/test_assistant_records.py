"""The assistant answers from meeting records besides documents: transcripts (cited by speaker and time),
conclusions, tasks with their current status, poll results; only from meetings the asker may read."""

from __future__ import annotations

import time
from typing import Any

from tests.server.conftest import App, Client

QUESTION = "What did we decide on parking fees last month, and is the task done?"
TRANSCRIPT = (
    "WEBVTT\n\n00:10:00.000 --> 00:10:20.000\n<v Giám đốc Sở Tài chính>Street parking fees should rise to "
    "twenty thousand dong an hour in the old quarter.\n\n00:10:20.000 --> 00:10:30.000\n"
    "<v Chủ tọa>We move to the next item, the school canteens.\n"
)


def ask(client: Client, question: str, **scope: Any) -> Any:
    return client.ok("POST", "/api/assistant/ask", json={"question": question, **scope})


def until(client: Client, question: str, done: Any, **scope: Any) -> Any:
    """Ask until ``done(reply)``: the index follows the database in the background."""
    for _ in range(300):
        reply = ask(client, question, **scope)
        if done(reply):
            return reply
        time.sleep(0.05)
    raise AssertionError(f"the index never caught up: {reply}")


def kinds(reply: Any) -> set[str]:
    return {c["kind"] for c in reply["citations"]}


def test_a_decision_and_its_task_current_status_are_cited_across_meetings(app: App) -> None:
    sec, chair = app.users["sec"], app.users["chair"]
    first, items = app.new_meeting()
    second, other_items = app.new_meeting()
    sec.ok(
        "PUT",
        f"/api/meetings/{first}/agenda/{items[1]}/conclusion",
        json={"text": "Parking fees in the old quarter rise to 20,000 dong an hour from January"},
    )
    task = sec.ok(
        "POST",
        f"/api/meetings/{first}/tasks",
        json={
            "title": "Publish the new parking fees schedule",
            "assigned_unit": "Sở Tài chính",
            "agenda_item_id": items[1],
        },
    )
    sec.ok(
        "PUT",
        f"/api/meetings/{second}/agenda/{other_items[1]}/conclusion",
        json={"text": "School canteens are inspected every quarter"},
    )
    reply = until(chair, QUESTION, lambda r: {"conclusion", "task"} <= kinds(r), scope="all")
    status = next(c for c in reply["citations"] if c["kind"] == "task")
    assert (status["source_id"], status["status"], status["meeting_id"]) == (task["id"], "open", first)

    sec.ok("PATCH", f"/api/tasks/{task['id']}", json={"status": "done"})
    reply = until(
        chair,
        QUESTION,
        lambda r: any(c["kind"] == "task" and c["status"] == "done" for c in r["citations"]),
        scope="all",
    )
    cited = {c["kind"]: c for c in reply["citations"]}
    assert cited["conclusion"]["source_id"] == items[1] and cited["conclusion"]["meeting_id"] == first
    assert "20,000" in cited["conclusion"]["snippet"] or "20,000" in reply["answer"]
    assert "done" in cited["task"]["snippet"] or "hoàn thành" in cited["task"]["snippet"]
    assert "Publish the new parking fees schedule" in reply["answer"] and "done" in reply["answer"]
    assert all(c["meeting_id"] == first for c in reply["citations"])  # the canteens are not about parking

    # someone who sees neither meeting gets nothing of them; a meeting's scope keeps to that meeting
    assert not ask(app.users["outsider"], QUESTION, scope="all")["citations"]
    assert not [c for c in ask(chair, QUESTION, meeting_id=second)["citations"] if c["meeting_id"] == first]


def test_transcripts_are_cited_by_speaker_and_time_and_never_to_guests(app: App) -> None:
    sec, del1, guest = app.users["sec"], app.users["del1"], app.users["guest"]
    meeting_id, _ = app.new_meeting()
    response = sec.request(
        "POST",
        f"/api/meetings/{meeting_id}/transcripts",
        files={"file": ("phien-hop.vtt", TRANSCRIPT.encode(), "text/vtt")},
    )
    assert response.status_code == 201, response.text
    transcript_id = response.json()["id"]
    question = "How much should street parking fees rise in the old quarter?"
    reply = until(del1, question, lambda r: "transcript" in kinds(r), meeting_id=meeting_id)
    cited = next(c for c in reply["citations"] if c["kind"] == "transcript")
    assert (cited["transcript_id"], cited["title"], cited["turn"]) == (transcript_id, "phien-hop.vtt", 0)
    # the citation stands for the passage's turns: from the first one's start to the last one's end
    assert (cited["turn_last"], cited["speakers"]) == (1, ["Giám đốc Sở Tài chính", "Chủ tọa"])
    assert (cited["speaker"], cited["start"], cited["end"]) == ("Giám đốc Sở Tài chính", "00:10:00", "00:10:30")
    assert "transcript" not in kinds(ask(guest, question, meeting_id=meeting_id))

    sec.ok("DELETE", f"/api/meetings/{meeting_id}/transcripts/{transcript_id}")
    until(del1, question, lambda r: "transcript" not in kinds(r), meeting_id=meeting_id)


def test_a_record_is_dated_the_day_the_meeting_was_held_there(app: App) -> None:
    """02:44 in Hà Nội on 21/11 is 19:44 UTC on 20/11: the assistant quotes the local day."""
    sec, chair = app.users["sec"], app.users["chair"]
    meeting = sec.ok("POST", "/api/meetings", json={"title": "Họp giao ban sớm", "starts_at": "2026-11-20T19:44:00Z"})[
        "id"
    ]
    sec.ok("POST", f"/api/meetings/{meeting}/participants", json={"username": "chair", "role": "chair"})
    item = sec.ok("POST", f"/api/meetings/{meeting}/agenda", json={"title": "Chiếu sáng công cộng"})["id"]
    sec.ok(
        "PUT",
        f"/api/meetings/{meeting}/agenda/{item}/conclusion",
        json={"text": "Thay toàn bộ đèn chiếu sáng công cộng bằng đèn LED trong năm 2027"},
    )
    question = "Kết luận về đèn chiếu sáng công cộng LED ngày nào?"
    reply = until(chair, question, lambda r: "conclusion" in kinds(r), meeting_id=meeting)
    quoted = " ".join([reply["answer"], *(c["snippet"] for c in reply["citations"])])
    assert "21/11/2026" in quoted, quoted
    assert "20/11/2026" not in quoted, quoted
    # the conclusion is both a record and a line of the meeting's record passages: quoted once
    said = [sentence.strip() for sentence in reply["answer"].split(". ") if sentence.strip()]
    assert len(said) == len(set(said)), reply["answer"]
