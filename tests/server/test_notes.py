"""Private notes: the author's alone, per document page, and only on documents they may read."""

from __future__ import annotations

from tests.server.conduct_helpers import ready_document
from tests.server.conftest import App


def test_write_replace_delete_and_count(app: App) -> None:
    meeting_id, _ = app.new_meeting()
    document = ready_document(app, meeting_id, "internal")
    del1, base = app.users["del1"], f"/api/documents/{document['id']}/notes"
    del1.ok("PUT", f"{base}/1", json={"text": "Hỏi lại Sở Tài chính"})
    del1.ok("PUT", f"{base}/2", json={"text": "Trang 2"})
    saved = del1.ok("PUT", f"{base}/1", json={"text": "Hỏi lại Sở Tài chính về vốn"})
    assert saved["updated_at"]
    assert [(n["page"], n["text"]) for n in del1.ok("GET", base)] == [
        (1, "Hỏi lại Sở Tài chính về vốn"),
        (2, "Trang 2"),
    ]
    state = del1.ok("GET", f"/api/meetings/{meeting_id}/snapshot")["state"]
    assert state["my_notes"] == [{"document_id": document["id"], "count": 2}]
    cleared = del1.ok("PUT", f"{base}/2", json={"text": ""})
    assert cleared["updated_at"] is None
    assert [n["page"] for n in del1.ok("GET", base)] == [1]
    # the audit records that a note changed, never what it says
    audit = app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})
    assert {"note.save", "note.delete"} <= {a["action"] for a in audit}
    assert "Sở Tài chính" not in str(audit)


def test_nobody_else_reads_them(app: App) -> None:
    meeting_id, _ = app.new_meeting()
    document = ready_document(app, meeting_id, "public")
    base = f"/api/documents/{document['id']}/notes"
    app.users["del1"].ok("PUT", f"{base}/1", json={"text": "Ý riêng của đại biểu"})
    app.users["sec"].ok("PUT", f"{base}/1", json={"text": "Ghi chú thư ký"})
    for username in ("sec", "chair", "guest", "root"):
        notes = app.users[username].ok("GET", base)
        assert "Ý riêng" not in str(notes), username
        state = app.users[username].ok("GET", f"/api/meetings/{meeting_id}/snapshot")["state"]
        expected = [{"document_id": document["id"], "count": 1}] if username == "sec" else []
        assert state["my_notes"] == expected, username
    for username in ("outsider", "sec2"):
        assert app.users[username].request("GET", base).status_code == 404


def test_notes_need_the_right_to_read_the_document(app: App) -> None:
    meeting_id, _ = app.new_meeting()
    secret = ready_document(app, meeting_id, "confidential", allowed_usernames="chair")
    base = f"/api/documents/{secret['id']}/notes"
    app.users["chair"].ok("PUT", f"{base}/1", json={"text": "Được đọc"})
    for username in ("del1", "guest"):
        assert app.users[username].request("GET", base).status_code == 404
        assert app.users[username].request("PUT", f"{base}/1", json={"text": "x"}).status_code == 404
    internal = ready_document(app, meeting_id, "internal")
    refused = app.users["guest"].request("PUT", f"/api/documents/{internal['id']}/notes/1", json={"text": "x"})
    assert refused.status_code == 404


def test_bad_notes_are_refused(app: App) -> None:
    meeting_id, _ = app.new_meeting()
    document = ready_document(app, meeting_id, "internal")
    base = f"/api/documents/{document['id']}/notes"
    del1 = app.users["del1"]
    before = del1.ok("GET", f"/api/meetings/{meeting_id}/snapshot")
    for page, body, status in (
        (3, {"text": "beyond the last page"}, 400),
        (0, {"text": "no page zero"}, 400),
        (1, {"text": "x" * 20001}, 400),
        (1, {"note": "wrong field"}, 400),
        (1, {"text": 12}, 400),
    ):
        response = del1.request("PUT", f"{base}/{page}", json=body)
        assert response.status_code == status, (page, body, response.text)
        assert response.json()["detail"]
    assert del1.ok("GET", base) == []
    assert del1.ok("GET", f"/api/meetings/{meeting_id}/snapshot") == before
    assert del1.request("GET", "/api/documents/999999/notes").status_code == 404
