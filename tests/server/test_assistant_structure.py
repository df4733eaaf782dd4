"""Structure and readiness through the HTTP API: citations and search hits name the article or section of
their passage, a question naming an article finds it, a hidden law's headings reach no one who may not read
it, and each document and /health show how far the meaning vectors have come (real model, real PDFs)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import App, Client, build_app
from tests.server.test_assistant import ask, wait_searchable
from tests.server.test_documents import upload
from tests.server.test_transcripts import upload as transcript_upload
from tests.support import pdfs

LAW_A = [
    "LUẬT THỬ NGHIỆM\nChương I\nNHỮNG QUY ĐỊNH CHUNG\nĐiều 1. Phạm vi điều chỉnh\n"
    "Luật này quy định về việc thử nghiệm phần mềm phòng họp không giấy.\n"
    "Điều 2. Đối tượng áp dụng\n"
    "1. Cơ quan nhà nước, tổ chức chính trị và đơn vị sự nghiệp công lập sử dụng phần mềm phòng họp.\n"
    "2. Cán bộ, công chức, viên chức tham dự cuộc họp.",
    "Chương II\nQUYỀN VÀ NGHĨA VỤ\nĐiều 3. Quyền của đại biểu\n"
    "Đại biểu được đọc tài liệu cuộc họp trên máy tính bảng và biểu quyết kín.",
]
LAW_B = [
    "LUẬT HỌP TRỰC TUYẾN\nĐiều 1. Phạm vi điều chỉnh\nLuật này quy định về họp trực tuyến.\n"
    "Điều 2. Giải thích từ ngữ\nHọp trực tuyến là cuộc họp có đại biểu tham dự qua mạng.\n"
    "Điều 3. Bảo vệ bí mật phiên họp kín\nTài liệu mật không được chia sẻ màn hình trong cuộc họp trực tuyến."
]
HIDDEN_HEADING = "Bảo vệ bí mật phiên họp kín"


class Laws:
    def __init__(self, app: App, folder: Path) -> None:
        self.app = app
        self.meeting_id, _ = app.new_meeting()
        sec = app.users["sec"]
        self.a = upload(sec, self.meeting_id, pdfs.text_pdf(folder / "a.pdf", LAW_A), title="Luật Thử nghiệm").json()
        # confidential, nobody named: the chair may read it, del1 may not
        self.b = upload(
            sec,
            self.meeting_id,
            pdfs.text_pdf(folder / "b.pdf", LAW_B),
            title="Luật Họp trực tuyến",
            classification="confidential",
        ).json()
        for document in (self.a, self.b):
            wait_searchable(sec, document["id"])


@pytest.fixture(scope="module")
def laws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Laws]:
    with build_app(tmp_path_factory.mktemp("structure")) as app:
        yield Laws(app, tmp_path_factory.mktemp("laws"))


def search(client: Client, query: str, **params: Any) -> list[dict[str, Any]]:
    hits: list[dict[str, Any]] = client.ok("GET", "/api/search", params={"q": query, **params})["hits"]
    return hits


def test_a_question_naming_an_article_finds_it_and_the_citation_names_it(laws: Laws) -> None:
    chair = laws.app.users["chair"]
    first = search(chair, "Điều 3 của Luật Thử nghiệm quy định gì?", meeting_id=laws.meeting_id)[0]
    assert (first["document_id"], first["page"], first["heading"]) == (laws.a["id"], 2, "Điều 3. Quyền của đại biểu")
    first = search(chair, "dieu 2 luat hop truc tuyen", meeting_id=laws.meeting_id)[0]
    assert (first["document_id"], first["heading"]) == (laws.b["id"], "Điều 2. Giải thích từ ngữ")
    reply = ask(chair, "Khoản 2 Điều 2 Luật Thử nghiệm quy định gì?", meeting_id=laws.meeting_id)
    assert reply["found"], reply
    cited = reply["citations"][0]
    assert (cited["document_id"], cited["page"], cited["heading"]) == (laws.a["id"], 1, "Điều 2. Đối tượng áp dụng")
    assert "Cán bộ, công chức" in reply["answer"] + cited["snippet"]


def test_passages_before_any_heading_have_none(laws: Laws) -> None:
    hits = search(laws.app.users["chair"], "LUẬT THỬ NGHIỆM", document_id=laws.a["id"])
    assert any(hit["heading"] is None and hit["page"] == 1 for hit in hits), hits


def test_a_hidden_laws_headings_reach_no_one_who_may_not_read_it(laws: Laws) -> None:
    del1, chair = laws.app.users["del1"], laws.app.users["chair"]
    question = "Điều 3 Luật Họp trực tuyến bảo vệ bí mật phiên họp kín"
    assert any(hit["heading"] == f"Điều 3. {HIDDEN_HEADING}" for hit in search(chair, question))
    for response in (
        del1.ok("GET", "/api/search", params={"q": question}),
        del1.ok("GET", "/api/search", params={"q": question, "meeting_id": laws.meeting_id}),
        ask(del1, question, meeting_id=laws.meeting_id),
        ask(del1, question, scope="all"),
    ):
        assert HIDDEN_HEADING not in str(response) and laws.b["id"] not in [
            item.get("document_id") for item in response.get("hits", response.get("citations", []))
        ]
    assert del1.request("GET", f"/api/documents/{laws.b['id']}").status_code == 404


def wait_vectors(client: Client, document_id: int, within: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        document: dict[str, Any] = client.ok("GET", f"/api/documents/{document_id}")
        vectors = document["vectors"]
        if vectors is not None and vectors["total"] > 0 and vectors["done"] == vectors["total"]:
            return document
        time.sleep(0.2)
    raise AssertionError(f"document {document_id}'s vectors not complete after {within}s")


def test_documents_and_health_show_the_vectors_progress(laws: Laws) -> None:
    sec = laws.app.users["sec"]
    seen = []
    for document in (laws.a, laws.b):
        done = wait_vectors(sec, document["id"])
        seen.append(done["vectors"]["total"])
    listed = {d["id"]: d["vectors"] for d in sec.ok("GET", f"/api/meetings/{laws.meeting_id}/documents")}
    assert [listed[laws.a["id"]]["total"], listed[laws.b["id"]]["total"]] == seen
    health = laws.app.anonymous().ok("GET", "/health")["assistant"]
    assert health["passages"] >= sum(seen) and health["vectors"]["total"] == health["passages"]
    assert 0 < health["vectors"]["done"] <= health["vectors"]["total"]


def test_an_unknown_document_has_no_progress_to_show(tmp_path: Path) -> None:
    with build_app(tmp_path, dense_search=False) as app:
        meeting_id, _ = app.new_meeting()
        sec = app.users["sec"]
        document = upload(sec, meeting_id, pdfs.text_pdf(tmp_path / "a.pdf", LAW_A)).json()
        searchable = wait_searchable(sec, document["id"])
        # words only: nothing to encode, so no progress is claimed, and /health says there is nothing to wait for
        assert searchable["vectors"] is None
        health = app.anonymous().ok("GET", "/health")["assistant"]
        assert health["passages"] > 0 and health["vectors"] == {"done": 0, "total": 0}
        assert sec.request("GET", "/api/documents/999999").status_code == 404


def test_a_transcript_says_searchable_once_its_turns_are_found(laws: Laws) -> None:
    sec = laws.app.users["sec"]
    body = (
        "Chủ tọa: Đề nghị các đại biểu cho ý kiến về dự thảo quy chế phòng họp không giấy.\n"
        "Đại biểu Lan: Tôi đề nghị bổ sung quy định sao lưu biên bản hằng tuần.\n"
    ).encode()
    created = transcript_upload(sec, laws.meeting_id, "hop.txt", body)
    assert created.status_code == 201, created.text
    transcript_id = created.json()["id"]
    path = f"/api/meetings/{laws.meeting_id}/transcripts/{transcript_id}"
    deadline = time.monotonic() + 120
    while not (detail := sec.ok("GET", path))["searchable"]:
        assert time.monotonic() < deadline, detail
        time.sleep(0.1)
    # what it says is what search finds
    reply = ask(sec, "Đại biểu Lan đề nghị bổ sung quy định gì?", meeting_id=laws.meeting_id)
    assert any(c["kind"] == "transcript" and c["source_id"] == transcript_id for c in reply["citations"]), reply
    while not ((vectors := sec.ok("GET", path)["vectors"]) and vectors["done"] == vectors["total"] > 0):
        assert time.monotonic() < deadline + 180, vectors
        time.sleep(0.2)
    listed = sec.ok("GET", f"/api/meetings/{laws.meeting_id}/transcripts")
    assert [(t["searchable"], t["vectors"]) for t in listed if t["id"] == transcript_id] == [(True, vectors)]
    # guests may not list transcripts at all; nothing of this one reaches them
    assert "Lan" not in str(laws.app.users["guest"].request("GET", f"/api/meetings/{laws.meeting_id}/transcripts").text)
