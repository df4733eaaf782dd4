"""Asking about a meeting's discussion through the API: a summary of several cited turns, each citation naming
its span of turns; `limit`; passages shown when the answer is declined; nothing shown that the asker may not read."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from assistant.answer import MAY_HELP, NOT_FOUND
from tests.server.conftest import App, Client, build_app
from tests.support.chat import chat_endpoint

LINES = [
    "[00:00:05] Project Manager: Good morning everyone, today we decide the design of the new remote control.",
    "[00:00:20] Marketing: Our survey of two hundred users says the buttons on current remotes are too small.",
    "[00:00:41] Industrial Designer: I can make the buttons larger if we drop the numeric keypad.",
    "[00:01:02] User Interface: Large buttons with rubber texture are easier to find in a dark living room.",
    "[00:01:30] Project Manager: Fine. Let us also think about the battery.",
    "[00:01:44] Industrial Designer: A rechargeable battery with a docking station adds eight euros to the cost.",
    "[00:02:10] Marketing: Users forget to charge things, so the docking station should look good on a table.",
    "[00:02:35] Project Manager: Then the budget. We have twelve euros fifty per unit.",
    "[00:02:50] Industrial Designer: The case in plastic is cheap, titanium would break the budget.",
    "[00:03:12] User Interface: Plastic in bright colours fits the young market we target.",
    "[00:03:30] Marketing: I agree, and the logo of the company must be visible on the case.",
    "[00:03:55] Project Manager: Back to the buttons. Marketing, how many buttons do users really use?",
    "[00:04:10] Marketing: Most users only press power, volume and channel buttons, so a few big buttons suffice.",
    "[00:04:33] Industrial Designer: With fewer buttons the printed circuit board gets smaller and cheaper.",
    "[00:04:58] User Interface: The menu button can open the rest of the functions on the television screen.",
    "[00:05:20] Project Manager: Good. We decided on plastic, few large buttons and a docking station.",
    "[00:05:41] Marketing: I will check the docking station price with the supplier before Friday.",
    "[00:06:02] Project Manager: Thank you all, the meeting is closed.",
]
TRANSCRIPT = ("\n".join(LINES) + "\n").encode()
DISCUSSION = "What was discussed about the buttons?"
DECLINED = "Will the rechargeable battery and the logo have a warranty?"
UNRELATED = "Who won the football World Cup in 2022?"


def ask(client: Client, question: str, **fields: Any) -> Any:
    return client.ok("POST", "/api/assistant/ask", json={"question": question, **fields})


@pytest.fixture(scope="module")
def meeting(app: App) -> tuple[int, int]:
    """A meeting with the design transcript imported and searchable; (meeting id, transcript id)."""
    meeting_id, _ = app.new_meeting()
    files = {"file": ("design.txt", TRANSCRIPT, "text/plain")}
    transcript = app.users["sec"].ok("POST", f"/api/meetings/{meeting_id}/transcripts", files=files)
    assert transcript["turn_count"] == len(LINES)
    for _ in range(600):
        reply = ask(app.users["del1"], DISCUSSION, meeting_id=meeting_id)
        if any(c["kind"] == "transcript" for c in reply["citations"]):
            return meeting_id, transcript["id"]
        time.sleep(0.05)
    raise AssertionError("the transcript never became searchable")


def turns_of(app: App, meeting_id: int, transcript_id: int) -> list[dict[str, Any]]:
    detail = app.users["sec"].ok("GET", f"/api/meetings/{meeting_id}/transcripts/{transcript_id}")
    return list(detail["turns"])


def test_a_discussion_is_summarised_from_several_cited_turns_each_cited_once(
    app: App, meeting: tuple[int, int]
) -> None:
    meeting_id, transcript_id = meeting
    reply = ask(app.users["del1"], DISCUSSION, meeting_id=meeting_id)
    assert reply["found"] is True
    cited = [c for c in reply["citations"] if c["kind"] == "transcript"]
    assert len(cited) >= 2
    turns = turns_of(app, meeting_id, transcript_id)
    spans = [set(range(c["turn"], c["turn_last"] + 1)) for c in cited]
    for citation, span in zip(cited, spans, strict=True):
        assert citation["transcript_id"] == transcript_id and citation["turn"] <= citation["turn_last"]
        first, last = turns[citation["turn"]], turns[citation["turn_last"]]
        assert citation["speakers"] == list(dict.fromkeys(turns[n]["speaker"] for n in sorted(span)))
        assert citation["start"] == time.strftime("%H:%M:%S", time.gmtime(first["start_ms"] // 1000))
        if last["end_ms"] is not None:
            assert citation["end"] == time.strftime("%H:%M:%S", time.gmtime(last["end_ms"] // 1000))
    assert all(not (a & b) for i, a in enumerate(spans) for b in spans[i + 1 :]), "a turn cited twice"
    # every sentence of the summary is a turn's own words, followed by the number of the citation whose span holds it
    for number in range(1, len(cited) + 1):
        marker = f" [{number}]"
        if marker not in reply["answer"]:
            continue
        sentence = reply["answer"].split(marker)[0].rsplit("] ", 1)[-1].split(": ", 1)[-1]
        holders = [n for n in spans[number - 1] if sentence in turns[n]["text"]]
        assert holders, f"{sentence!r} is not in the turns of citation {number}"
    assert reply["answer"].count(" [") >= 2
    assert "button" in reply["answer"].lower()


def test_a_named_speakers_turns_come_first(app: App, meeting: tuple[int, int]) -> None:
    meeting_id, transcript_id = meeting
    reply = ask(app.users["del1"], "What did Marketing say about the buttons?", meeting_id=meeting_id)
    assert reply["found"] is True
    first = reply["citations"][0]
    assert first["kind"] == "transcript" and "Marketing" in first["speakers"]
    assert reply["answer"].startswith("Marketing: ") or "Marketing: " in reply["answer"]


def test_limit_is_honoured_and_validated(app: App, meeting: tuple[int, int]) -> None:
    meeting_id, _ = meeting
    del1 = app.users["del1"]
    wide = ask(del1, DISCUSSION, meeting_id=meeting_id, limit=20)
    narrow = ask(del1, DISCUSSION, meeting_id=meeting_id, limit=1)
    assert len(narrow["citations"]) == 1 and len(wide["citations"]) > 1
    assert narrow["citations"][0]["turn"] == wide["citations"][0]["turn"]  # rank order: the best one first
    default = ask(del1, DISCUSSION, meeting_id=meeting_id)
    assert 1 < len(default["citations"]) <= 5
    before = del1.ok("GET", "/api/assistant/history", params={"limit": 100})
    for bad in (0, 21, -1, "five"):
        details = set()
        for language in ("en", "vi"):
            response = del1.request(
                "POST",
                "/api/assistant/ask",
                json={"question": DISCUSSION, "meeting_id": meeting_id, "limit": bad},
                headers={"Accept-Language": language},
            )
            assert response.status_code == 400, response.text
            assert "limit" in response.text
            details.add(response.json()["detail"])
        if isinstance(bad, int):  # a number out of range is explained in each language
            assert details == {
                f"limit must be between 1 and 20 (got {bad})",
                f"limit phải từ 1 đến 20 (nhận được {bad})",
            }
    assert del1.ok("GET", "/api/assistant/history", params={"limit": 100}) == before


def test_a_declined_answer_still_shows_the_passages_that_bear_on_it(app: App, meeting: tuple[int, int]) -> None:
    meeting_id, transcript_id = meeting
    # the transcript speaks of the battery and of the logo, never of a warranty: a passage bears on it, none answers
    reply = ask(app.users["del1"], DECLINED, meeting_id=meeting_id)
    assert reply["found"] is False
    assert reply["answer"] == MAY_HELP["en"]
    cited = reply["citations"]
    assert cited and all(c["kind"] == "transcript" and c["transcript_id"] == transcript_id for c in cited)
    assert any("battery" in c["snippet"] or "logo" in c["snippet"] for c in cited)
    assert [c["score"] for c in cited] == sorted((c["score"] for c in cited), reverse=True)


def test_an_unrelated_question_is_not_in_the_materials_and_shows_nothing(app: App, meeting: tuple[int, int]) -> None:
    meeting_id, _ = meeting
    for question in (UNRELATED, "Summarise the discussion on the football World Cup"):
        reply = ask(app.users["del1"], question, meeting_id=meeting_id)
        assert reply["found"] is False and reply["citations"] == []
        assert reply["answer"] == NOT_FOUND["en"]


def test_a_transcript_the_asker_may_not_read_is_never_cited(app: App, meeting: tuple[int, int]) -> None:
    meeting_id, transcript_id = meeting
    for username in ("guest", "outsider"):
        client = app.users[username]
        for question in (DISCUSSION, "What did Marketing say about the buttons?", DECLINED):
            scope: dict[str, Any] = {"scope": "all"} if username == "outsider" else {"meeting_id": meeting_id}
            reply = ask(client, question, **scope)
            assert all(c.get("transcript_id") != transcript_id for c in reply["citations"])
            assert "button" not in reply["answer"].lower() and "battery" not in reply["answer"].lower()


def _summary_reply(prompt: str) -> str:
    return "The team wants a few large buttons [1]." if "buttons" in prompt else "?"


def test_a_configured_language_model_phrases_the_same_cited_passages(tmp_path: Path) -> None:
    with (
        chat_endpoint(_summary_reply) as (url, chat),
        build_app(tmp_path, llm_base_url=url, llm_timeout_seconds=5) as app,
    ):
        meeting_id, _ = app.new_meeting()
        files = {"file": ("design.txt", TRANSCRIPT, "text/plain")}
        app.users["sec"].ok("POST", f"/api/meetings/{meeting_id}/transcripts", files=files)
        del1 = app.users["del1"]
        for _ in range(600):
            phrased = ask(del1, DISCUSSION, meeting_id=meeting_id)
            if phrased["found"]:
                break
            time.sleep(0.05)
        assert phrased["phrased_by"] == "llm" and phrased["answer"] == "The team wants a few large buttons [1]."
        # the model read the cited turns themselves
        assert "Most users only press power, volume and channel buttons" in chat.last_prompt
        chat.fail = True
        extract = ask(del1, DISCUSSION, meeting_id=meeting_id)
        assert extract["phrased_by"] == "extract" and " [1]" in extract["answer"]
        assert extract["citations"] == phrased["citations"]
