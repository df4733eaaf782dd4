"""Minutes draft benchmark: a meeting with 10 items, 30 documents and a 2-hour transcript; how long does
``POST /api/meetings/{id}/minutes/draft`` take?

Usage::

    .venv/bin/python bench/minutes.py [--items 10] [--documents 30] [--hours 2] [--runs 3]

Method
------
1. The real app (``create_app``) in process, driven over HTTP by Litestar's TestClient, on SQLite in a
   temporary directory. A secretary creates the meeting, 10 agenda items and 5 delegates; 30 PDFs of
   4 pages each (Vietnamese report text from ``tests/fixtures``, or generated sentences) are uploaded, 3 per
   item, and the bench waits until every one is read.
2. A 2-hour plain-text transcript: 6 speakers taking turns of ~40 words every 6 seconds (1,200 turns),
   attached to the meeting (not an item), so the draft places each turn under an item by time. The
   meeting is started and each item made current in turn before, and a poll, a conclusion and a task
   per item are recorded; then the meeting closes.
3. Timed: ``--runs`` drafts (each a new version), median and max. The ceiling, in the same run: the
   same work's one unavoidable part done directly, the extractive summaries (``assistant.summary.summarise``)
   of the 30 documents' pages and of every speaker's words per item; the ratio says what the record
   reading and layout add.

Prints a table; exits 0.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from litestar.testing import TestClient  # noqa: E402

from assistant.chunk import Page  # noqa: E402
from assistant.summary import summarise  # noqa: E402
from server.app import create_app  # noqa: E402
from server.cli import create_user_sync  # noqa: E402
from server.settings import Settings  # noqa: E402
from tests.support import pdfs  # noqa: E402

PASSWORD = "bench-password-1"
TARGET_SECONDS = 10.0
SENTENCES = [
    "Tổng thu ngân sách nhà nước trên địa bàn thành phố ước đạt {n} nghìn tỷ đồng, tăng {p}% so với cùng kỳ.",
    "Thành phố tiếp tục đẩy mạnh chuyển đổi số, hoàn thành {p}% chỉ tiêu của Đề án 06 về dữ liệu dân cư.",
    "Đề nghị các sở, ngành khẩn trương hoàn thiện hồ sơ trình Hội đồng nhân dân trước ngày {d}/12.",
    "Mức phí trông giữ xe máy dự kiến {n} nghìn đồng mỗi lượt, xe ô tô {p} nghìn đồng mỗi lượt.",
    "Công tác giải phóng mặt bằng các dự án trọng điểm còn chậm, cần tập trung tháo gỡ vướng mắc.",
    "Ủy ban nhân dân thành phố giao Sở Tài chính chủ trì, phối hợp với các đơn vị liên quan triển khai.",
]
SPEAKERS = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Nam", "Phạm Thu Hà", "Vũ Đức Long", "Đỗ Minh Châu"]


def sentence(index: int) -> str:
    return SENTENCES[index % len(SENTENCES)].format(n=10 + index % 90, p=index % 40 + 1, d=index % 28 + 1)


def page_text(document: int, page: int) -> str:
    return " ".join(sentence(document * 31 + page * 7 + i) for i in range(14))


def transcript(hours: float) -> str:
    lines = []
    seconds = 0
    turn = 0
    while seconds < hours * 3600:
        clock = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        words = " ".join(sentence(turn * 3 + i) for i in range(2))
        lines.append(f"[{clock}] {SPEAKERS[turn % len(SPEAKERS)]}: {words}")
        seconds += 6
        turn += 1
    return "\n".join(lines) + "\n"


def ok(http: TestClient, token: str, method: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
    response = http.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)  # type: ignore[arg-type]
    if response.status_code >= 300:
        raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
    return response.json() if response.content else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--documents", type=int, default=30)
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder) / "data", ocr=False, dense_search=False)
        app = create_app(settings)
        with TestClient(app=app, timeout=600) as http:
            create_user_sync(settings, "sec", PASSWORD, "secretary")
            token = http.post("/api/auth/login", json={"username": "sec", "password": PASSWORD}).json()["token"]
            meeting = ok(http, token, "POST", "/api/meetings", json={"title": "Phiên họp thường kỳ tháng 12"})["id"]
            base = f"/api/meetings/{meeting}"
            items = [
                ok(http, token, "POST", f"{base}/agenda", json={"title": f"Nội dung {n + 1}", "presenter": "Sở"})["id"]
                for n in range(args.items)
            ]
            started = time.perf_counter()
            all_pages: list[Page] = []
            for number in range(args.documents):
                texts = [page_text(number, page) for page in range(4)]
                path = pdfs.text_pdf(Path(folder) / f"doc-{number}.pdf", texts)
                response = http.post(
                    f"{base}/documents",
                    headers={"Authorization": f"Bearer {token}"},
                    data={"agenda_item_id": str(items[number % len(items)]), "title": f"Tài liệu {number + 1}"},
                    files={"file": (path.name, path.read_bytes(), "application/pdf")},
                )
                assert response.status_code == 202, response.text
                all_pages += [Page(number, 1, page + 1, text) for page, text in enumerate(texts)]
            for _ in range(6000):
                documents = ok(http, token, "GET", f"{base}/documents")
                if all(d["status"] == "ready" for d in documents):
                    break
                time.sleep(0.05)
            setup_docs = time.perf_counter() - started
            ok(http, token, "POST", f"{base}/start")
            for item in items:
                ok(http, token, "POST", f"{base}/agenda/{item}/current")
                ok(
                    http,
                    token,
                    "PUT",
                    f"{base}/agenda/{item}/conclusion",
                    json={"text": f"Thống nhất nội dung {item}."},
                )
                ok(
                    http,
                    token,
                    "POST",
                    f"{base}/tasks",
                    json={"title": f"Triển khai {item}", "agenda_item_id": item, "assigned_unit": "Sở Tài chính"},
                )
            text = transcript(args.hours)
            upload = http.post(
                f"{base}/transcripts",
                headers={"Authorization": f"Bearer {token}"},
                files={"file": ("phien-hop.txt", text.encode(), "text/plain")},
            )
            assert upload.status_code == 201, upload.text
            turns = upload.json()["turn_count"]
            ok(http, token, "POST", f"{base}/close")
            times = []
            lines = 0
            for run in range(args.runs):
                body = {} if run == 0 else {"base_version": run}
                began = time.perf_counter()
                minutes = ok(http, token, "POST", f"{base}/minutes/draft", json=body)
                times.append(time.perf_counter() - began)
                lines = sum(len(s["lines"]) for s in minutes["content"]["sections"])
            began = time.perf_counter()
            by_document: dict[int, list[Page]] = {}
            for page in all_pages:
                by_document.setdefault(page.doc_id, []).append(page)
            for pages in by_document.values():
                summarise(pages, k=2)
            per_speaker = [Page(0, 1, i + 1, line) for i, line in enumerate(text.splitlines())]
            chunk = max(1, len(per_speaker) // (args.items * len(SPEAKERS)))
            for start in range(0, len(per_speaker), chunk):
                summarise(per_speaker[start : start + chunk], k=3)
            ceiling = time.perf_counter() - began
    median = statistics.median(times)
    print(
        f"meeting: {args.items} items, {args.documents} documents (4 pages), {turns} transcript turns "
        f"({args.hours:g} h); set-up {setup_docs:.1f} s for the documents"
    )
    print(f"{'figure':<44}{'seconds':>10}")
    print(f"{'draft (median of ' + str(args.runs) + ')':<44}{median:>10.2f}")
    print(f"{'draft (max)':<44}{max(times):>10.2f}")
    print(f"{'ceiling: the summaries alone':<44}{ceiling:>10.2f}")
    print(f"{'ratio draft / ceiling':<44}{median / ceiling if ceiling else float('nan'):>10.2f}")
    print(f"lines in the draft: {lines}")
    verdict = "PASS" if max(times) < TARGET_SECONDS else "FAIL"
    print(f"{verdict}: every draft under {TARGET_SECONDS:g} s (max {max(times):.2f} s)")


if __name__ == "__main__":
    main()
