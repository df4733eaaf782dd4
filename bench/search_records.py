"""One search over every kind of material, and what users read of it: ``GET /api/search`` latency over
documents, transcripts, conclusions, tasks and approved minutes, next to the raw retriever's search in the
same run, and how many hits and answers show the index's glosses or say a line twice.

Usage::

    .venv/bin/python bench/search_records.py [--meetings 20] [--minutes 4] [--rounds 3]

Method
------
1. The real app (``create_app``) in process, driven over HTTP by Litestar's TestClient, on SQLite in a
   temporary directory, with the bundled embedding model. A secretary creates ``--meetings`` meetings (a chair in each),
   each with three agenda items, a conclusion per item, two tasks (unit, person, deadline), a 24-turn
   transcript and one public PDF page; a delegate takes part in every meeting. The first ``--minutes``
   meetings are closed and their drafted minutes approved. The bench waits until the search finds every
   conclusion.
2. Queries: each conclusion's own words ("phương án <topic>"), each task's title, a transcript line, and
   English questions that only the index's glosses let reach a Vietnamese record ("what did we decide",
   "task status and deadline", "approved minutes of the meeting"). Timed, per query, as the delegate:
   ``GET /api/search`` (limit 10) over every kind, and with ``kind=conclusion,task``; the ceiling is
   ``SearchIndex.search`` itself (the retriever ranking the same sources, no database, no shown text),
   called just before in the same process. ``--rounds`` passes; medians and p95 over all of them.
3. What users read: every hit of every query, and the ask's answer and citations for each Vietnamese
   query, checked for a gloss (an English word or phrase in brackets: "(meeting)", "(approved minutes)",
   "(conclusion: ...)") and for a sentence said twice. "Indexed with a gloss" counts the hits whose
   indexed passage holds one: what a hit showed before shown text was kept apart.

Prints a table; exits 0.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from litestar.testing import TestClient  # noqa: E402

from server.app import create_app  # noqa: E402
from server.cli import create_user_sync  # noqa: E402
from server.settings import Settings  # noqa: E402
from tests.support import pdfs  # noqa: E402

PASSWORD = "bench-password-1"
GLOSS = re.compile(r"\((?:[a-z]+[ ,:]*)+\)")
TOPICS = [
    "chiếu sáng công cộng", "thu gom rác thải", "cấp nước sạch", "bãi đỗ xe ngầm", "cây xanh đô thị",
    "trường học liên cấp", "xe buýt điện", "thoát nước mưa", "chợ dân sinh", "nhà ở xã hội",
    "camera giao thông", "y tế cơ sở", "chuyển đổi số", "phòng cháy chữa cháy", "vỉa hè đi bộ",
    "công viên ven hồ", "nước thải công nghiệp", "điện mặt trời", "thư viện số", "đường vành đai",
]  # fmt: skip
ENGLISH = ["what did we decide", "task status and deadline", "approved minutes of the meeting"]


def said(text: str) -> list[str]:
    plain = " ".join(unicodedata.normalize("NFC", text).split()).strip(" …")
    return [s.strip(" .") for s in re.split(r"(?<=[.!?])\s+", plain) if s.strip(" .")]


def repeated(text: str) -> bool:
    sentences = said(text)
    return len(sentences) != len(set(sentences))


class Http:
    def __init__(self, http: TestClient, token: str) -> None:  # type: ignore[type-arg]
        self.http, self.token = http, token

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
        if response.status_code >= 300:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None


def login(http: TestClient, username: str) -> Http:  # type: ignore[type-arg]
    body = http.post("/api/auth/login", json={"username": username, "password": PASSWORD}).json()
    return Http(http, body["token"])


def build(sec: Http, chair: Http, delegate_id: int, folder: Path, meetings: int, minutes: int) -> list[str]:
    """The meetings and their records; returns the Vietnamese queries (each record's own words)."""
    queries: list[str] = []
    for number in range(meetings):
        topic = TOPICS[number % len(TOPICS)]
        meeting = sec.ok("POST", "/api/meetings", json={"title": f"Phiên họp số {number + 1}"})["id"]
        base = f"/api/meetings/{meeting}"
        sec.ok("POST", f"{base}/participants", json={"username": "del", "role": "delegate"})
        sec.ok("POST", f"{base}/participants", json={"username": "chair", "role": "chair"})
        items = [sec.ok("POST", f"{base}/agenda", json={"title": f"{topic} phần {k + 1}"})["id"] for k in range(3)]
        path = pdfs.text_pdf(folder / f"m{number}.pdf", [f"Tờ trình về {topic}: tổng mức đầu tư {number + 3} tỷ đồng."])
        sec.ok(
            "POST",
            f"{base}/documents",
            data={"classification": "public"},
            files={"file": (path.name, path.read_bytes(), "application/pdf")},
        )
        sec.ok("POST", f"{base}/start")
        for k, item in enumerate(items):
            text = f"Thống nhất phương án {topic} giai đoạn {k + 1}, hoàn thành trong năm {2027 + k}"
            sec.ok("PUT", f"{base}/agenda/{item}/conclusion", json={"text": text})
            queries.append(f"phương án {topic} giai đoạn {k + 1}")
        for k in range(2):
            title = f"Lập kế hoạch {topic} bước {k + 1}"
            body = {"title": title, "assigned_unit": "Sở Kế hoạch và Đầu tư", "assignee_id": delegate_id}
            sec.ok("POST", f"{base}/tasks", json={**body, "deadline": f"2027-0{k + 3}-15", "agenda_item_id": items[k]})
            queries.append(title)
        turns = "".join(
            f"Đại biểu {t % 4 + 1}: Ý kiến số {t + 1} về {topic} và kinh phí thực hiện.\n" for t in range(24)
        )
        sec.ok("POST", f"{base}/transcripts", files={"file": ("hop.txt", turns.encode(), "text/plain")})
        queries.append(f"ý kiến số 7 về {topic}")
        if number < minutes:
            sec.ok("POST", f"{base}/close")
            drafted = sec.ok("POST", f"{base}/minutes/draft", json={})
            chair.ok("POST", f"{base}/minutes/approve", json={"base_version": drafted["version"]})
    return queries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meetings", type=int, default=20)
    parser.add_argument("--minutes", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder) / "data", ocr=False)
        app = create_app(settings)
        with TestClient(app=app, timeout=600) as http:
            create_user_sync(settings, "sec", PASSWORD, "secretary")
            create_user_sync(settings, "del", PASSWORD, "member")
            create_user_sync(settings, "chair", PASSWORD, "member")
            sec, chair, delegate = login(http, "sec"), login(http, "chair"), login(http, "del")
            delegate_id = delegate.ok("GET", "/api/me")["id"]
            started = time.perf_counter()
            queries = build(sec, chair, delegate_id, Path(folder), args.meetings, args.minutes)
            for query in queries[:: max(1, len(queries) // 20)]:  # wait until the index has caught up
                for _ in range(2400):
                    if any(
                        query.split()[-1] in h["snippet"]
                        for h in delegate.ok("GET", "/api/search", params={"q": query})["hits"]
                    ):
                        break
                    time.sleep(0.05)
            setup_s = time.perf_counter() - started
            index = app.state.search_index
            sources = {(c.kind, c.doc_id) if c.kind != "document" else c.doc_id for c in index.retriever.chunks()}
            indexed_text = {c.id: c.text for c in index.retriever.chunks()}
            every = queries + ENGLISH
            api_all: list[float] = []
            api_kinds: list[float] = []
            ceiling: list[float] = []
            hits_seen = hits_gloss = hits_repeat = indexed_gloss = 0
            for _ in range(args.rounds):
                for query in every:
                    t0 = time.perf_counter()
                    raw = index.search(query, 10, sources)
                    ceiling.append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()
                    hits = delegate.ok("GET", "/api/search", params={"q": query, "limit": 10})["hits"]
                    api_all.append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()
                    delegate.ok("GET", "/api/search", params={"q": query, "limit": 10, "kind": "conclusion,task"})
                    api_kinds.append((time.perf_counter() - t0) * 1000)
                    for hit in hits:
                        hits_seen += 1
                        hits_gloss += bool(GLOSS.search(hit["snippet"]))
                        hits_repeat += repeated(hit["snippet"])
                    indexed_gloss += sum(bool(GLOSS.search(indexed_text.get(h.chunk.id, ""))) for h in raw)
            kinds_seen: dict[str, int] = {}
            answers = answers_gloss = answers_repeat = cited = cited_gloss = 0
            for query in queries:
                reply = delegate.ok("POST", "/api/assistant/ask", json={"question": query})
                answers += 1
                answers_gloss += bool(GLOSS.search(reply["answer"]))
                answers_repeat += repeated(reply["answer"])
                for citation in reply["citations"]:
                    cited += 1
                    cited_gloss += bool(GLOSS.search(citation["snippet"]))
                    kinds_seen[citation["kind"]] = kinds_seen.get(citation["kind"], 0) + 1
            chunks = len(indexed_text)
    p50_all, p50_kinds, p50_raw = (statistics.median(v) for v in (api_all, api_kinds, ceiling))
    print(
        f"search_records: {args.meetings} meetings ({args.minutes} with approved minutes), {chunks} passages, "
        f"{len(every)} queries x {args.rounds} rounds; setup {setup_s:.0f} s"
    )
    print()
    print("| measure | p50 ms | p95 ms | ceiling p50 ms (SearchIndex.search) | ratio |")
    print("|---|---|---|---|---|")
    for name, values in (("GET /api/search, every kind", api_all), ("GET /api/search?kind=conclusion,task", api_kinds)):
        print(
            f"| {name} | {statistics.median(values):.1f} | {percentile(values, 0.95):.1f} | {p50_raw:.1f} | "
            f"{statistics.median(values) / p50_raw:.2f} |"
        )
    print()
    print("| what users read | count | with a gloss | a line twice |")
    print("|---|---|---|---|")
    print(f"| search hits | {hits_seen} | {hits_gloss} | {hits_repeat} |")
    print(f"| the retriever's top 10, as indexed | {hits_seen} | {indexed_gloss} | – |")
    print(f"| ask answers | {answers} | {answers_gloss} | {answers_repeat} |")
    print(f"| ask citations | {cited} | {cited_gloss} | – |")
    print()
    print("citations by kind:", ", ".join(f"{k} {v}" for k, v in sorted(kinds_seen.items())))
    del p50_all, p50_kinds


if __name__ == "__main__":
    main()
