"""Transcripts over HTTP: upload (plain, WebVTT, SRT), list, turns, remove; refusals change nothing."""

from __future__ import annotations

from typing import Any

from tests.server.conftest import App

VTT = """WEBVTT

NOTE recorded in the council hall

00:00:01.000 --> 00:00:04.500
<v Chủ tọa>Xin mời đồng chí báo cáo về phí gửi xe.

00:00:04.500 --> 00:00:09.000
<v Giám đốc Sở>Phí gửi xe đề xuất tăng lên 10.000 đồng.

00:00:09.000 --> 00:00:12.000
<v Giám đốc Sở>Áp dụng từ tháng sau.
"""

SRT = """1
00:01:00,000 --> 00:01:05,000
Đại biểu A: Tôi đồng ý với đề xuất.

2
00:01:05,000 --> 00:01:09,250
Đại biểu B: Tôi đề nghị lấy ý kiến nhân dân.
"""

PLAIN = "Chủ tọa: Khai mạc cuộc họp.\nThư ký: Báo cáo số đại biểu có mặt.\nđã đủ số lượng.\n"


def upload(client: Any, meeting_id: int, name: str, body: bytes, **fields: str) -> Any:
    return client.request(
        "POST", f"/api/meetings/{meeting_id}/transcripts", files={"file": (name, body, "text/plain")}, data=fields
    )


def test_upload_list_turns_remove(app: App) -> None:
    meeting_id, items = app.new_meeting()
    sec, del1, guest = app.users["sec"], app.users["del1"], app.users["guest"]
    response = upload(sec, meeting_id, "hop.vtt", VTT.encode(), agenda_item_id=str(items[1]))
    assert response.status_code == 201, response.text
    vtt = response.json()
    assert (vtt["format"], vtt["turn_count"], vtt["agenda_item_id"]) == ("vtt", 2, items[1])
    detail = del1.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{vtt['id']}")
    assert [(t["speaker"], t["start_ms"], t["end_ms"]) for t in detail["turns"]] == [
        ("Chủ tọa", 1000, 4500),
        ("Giám đốc Sở", 4500, 12000),  # two cues of one speaker are one turn
    ]
    assert detail["turns"][1]["text"] == "Phí gửi xe đề xuất tăng lên 10.000 đồng. Áp dụng từ tháng sau."

    srt = upload(sec, meeting_id, "hop.srt", SRT.encode()).json()
    turns = sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{srt['id']}")["turns"]
    assert [(t["speaker"], t["start_ms"], t["end_ms"]) for t in turns] == [
        ("Đại biểu A", 60000, 65000),
        ("Đại biểu B", 65000, 69250),
    ]
    plain = upload(sec, meeting_id, "hop.txt", PLAIN.encode()).json()
    turns = sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{plain['id']}")["turns"]
    assert [(t["speaker"], t["text"]) for t in turns] == [
        ("Chủ tọa", "Khai mạc cuộc họp."),
        ("Thư ký", "Báo cáo số đại biểu có mặt. đã đủ số lượng."),
    ]
    listed = del1.ok("GET", f"/api/meetings/{meeting_id}/transcripts")
    assert [t["id"] for t in listed] == [vtt["id"], srt["id"], plain["id"]]
    assert guest.request("GET", f"/api/meetings/{meeting_id}/transcripts").status_code == 403
    assert del1.request("DELETE", f"/api/meetings/{meeting_id}/transcripts/{srt['id']}").status_code == 403

    sec.ok("DELETE", f"/api/meetings/{meeting_id}/transcripts/{srt['id']}")
    assert [t["id"] for t in sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts")] == [vtt["id"], plain["id"]]
    assert sec.request("GET", f"/api/meetings/{meeting_id}/transcripts/{srt['id']}").status_code == 404
    actions = [e["action"] for e in app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})]
    assert {"transcript.add", "transcript.remove"} <= set(actions)


def test_bad_uploads_change_nothing(app: App) -> None:
    meeting_id, items = app.new_meeting()
    sec = app.users["sec"]
    bad = [
        ("empty.txt", b"  \n", {}, 400),
        ("scan.pdf", b"%PDF-1.4", {}, 415),
        ("latin.txt", "Chủ: xin".encode("utf-16"), {}, 400),
        ("nospeaker.txt", b"just words with no speaker\n", {}, 400),
        ("novoice.vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nwords\n", {}, 400),
        ("notvtt.vtt", b"00:00:01.000 --> 00:00:02.000\nA: words\n", {}, 400),
        ("big.txt", b"A: " + b"x" * (5 * 1024 * 1024 + 10), {}, 413),
        ("ok.txt", b"A: words\n", {"agenda_item_id": "999999"}, 404),
        ("ok.txt", b"A: words\n", {"agenda_item_id": "abc"}, 400),
    ]
    for name, body, fields, status in bad:
        response = upload(sec, meeting_id, name, body, **fields)
        assert response.status_code == status, (name, response.text)
        assert response.json()["detail"]
    no_file = sec.request("POST", f"/api/meetings/{meeting_id}/transcripts", data={"agenda_item_id": str(items[0])})
    assert no_file.status_code == 400
    assert sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts") == []


def test_the_secretary_corrects_a_turns_text_and_the_original_is_kept(app: App) -> None:
    meeting_id, _items = app.new_meeting()
    sec, chair, del1, guest = (app.users[name] for name in ("sec", "chair", "del1", "guest"))
    transcript = upload(sec, meeting_id, "hop.vtt", VTT.encode()).json()
    path = f"/api/meetings/{meeting_id}/transcripts/{transcript['id']}"
    turn = sec.ok("GET", path)["turns"][1]
    edit = f"{path}/turns/{turn['id']}"
    original = "Phí gửi xe đề xuất tăng lên 10.000 đồng. Áp dụng từ tháng sau."
    assert turn["text"] == original and turn["edits"] == 0

    # refused, and nothing changes: not the secretary, nothing to change, an empty text, a turn of another meeting
    other_meeting, _ = app.new_meeting()
    for client, body, status, where in (
        (chair, {"text": "Phí gửi xe tăng lên 12.000 đồng."}, 403, edit),
        (del1, {"text": "Phí gửi xe tăng lên 12.000 đồng."}, 403, edit),
        (sec, {}, 400, edit),
        (sec, {"text": "  \n "}, 400, edit),
        (sec, {"text": "x" * 20_001}, 400, edit),
        (sec, {"text": "Phí"}, 404, f"/api/meetings/{other_meeting}/transcripts/{transcript['id']}/turns/{turn['id']}"),
    ):
        response = client.request("PATCH", where, json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["detail"]
    assert sec.ok("GET", path)["turns"][1]["text"] == original
    assert sec.ok("GET", f"{edit}/revisions") == []

    corrected = sec.ok("PATCH", edit, json={"text": "Phí gửi xe đề xuất tăng lên  12.000 đồng.\nÁp dụng từ tháng sau."})
    assert corrected["text"] == "Phí gửi xe đề xuất tăng lên 12.000 đồng. Áp dụng từ tháng sau."
    assert corrected["edits"] == 1 and corrected["speaker"] == "Giám đốc Sở"
    again = sec.ok("PATCH", edit, json={"text": "Phí gửi xe đề xuất tăng lên 12.000 đồng một lượt."})
    assert again["edits"] == 2
    unchanged = sec.ok("PATCH", edit, json={"text": again["text"]})  # the same words: no new version
    assert unchanged["edits"] == 2
    assert del1.ok("GET", path)["turns"][1]["text"] == again["text"]

    # every earlier version, the original first, for those who read the transcript; not for guests
    revisions = del1.ok("GET", f"{edit}/revisions")
    assert [r["text"] for r in revisions] == [original, corrected["text"]]
    assert {r["edited_by"] for r in revisions} == {sec.user["full_name"] or "sec"}
    assert guest.request("GET", f"{edit}/revisions").status_code == 403
    entries = app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})
    assert len([e for e in entries if e["action"] == "transcript.turn" and e["target_id"] == turn["id"]]) == 2
