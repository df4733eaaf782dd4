"""Vietnamese laws as PDFs, end to end through the API: upload, wait until searchable, search and ask.

    python bench/law_eval.py [--data ../shared/data] [--laws N] [--lexical] [--cache DIR]

Each ALQAC law (``alqac-vi-legal-train/law.json``) is rendered as one PDF (reportlab, a Vietnamese
TrueType font): the law's name, then each article under an "Điều N. <title>" line. The PDFs are uploaded
through ``POST /api/meetings/{id}/documents`` to the real app (in-process, as tests/server/conftest.py
builds it), and the bench waits until every document is ``searchable`` and (unless ``--lexical``) every
passage has its vector. Then:

- ALQAC's 100 questions, as written and with every diacritic stripped: ``GET /api/search`` R@5 and MRR@10
  of the gold article, and the ask's citations R@5 (``POST /api/assistant/ask`` with ``limit`` 5);
- questions naming an article ("Điều N của <law> quy định gì?", and unaccented), generated from a fixed
  sample of articles: R@1 of search and of the ask's first citation.

A hit stands for the article whose text its snippet overlaps most: the bench extracts each PDF's pages
with the product's extractor and finds the "Điều N." lines in them, so a citation counts only when what
the tablet shows is the gold article's text. The ceiling is a perfect ranking (1.0); the ratio is printed
next to each figure, with the time a search and an ask took (p50) and the upload-to-searchable time.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from litestar.testing import TestClient  # noqa: E402
from reportlab.lib.utils import simpleSplit  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from documents.extract import extract_pages  # noqa: E402
from server.app import create_app  # noqa: E402
from server.cli import create_user_sync  # noqa: E402
from server.settings import Settings  # noqa: E402
from tests.support.pdfs import vietnamese_font  # noqa: E402

PASSWORD = "bench-password-42"
NAMED_PER_LAW = 8
ARTICLE_LINE = re.compile(r"^Điều (\d+[a-zđ]?)\.", re.MULTILINE)


@dataclass
class Law:
    name: str
    articles: list[tuple[str, str]]
    """(article id, text): the text's first line is the article's title."""
    pdf: Path = Path()
    document_id: int = 0
    starts: list[tuple[int, int, str]] = field(default_factory=list)
    """(page, offset, article id) of each "Điều N." line in the extracted pages, in order."""
    pages: dict[int, str] = field(default_factory=dict)


def render(law: Law, path: Path) -> None:
    """One PDF per law: its name, then "Điều N. <title>" and the article's paragraphs, flowing over A4 pages."""
    font = vietnamese_font()
    width, height = 595.28, 841.89
    canvas = Canvas(str(path), pagesize=(width, height), invariant=True)
    canvas.setTitle(law.name)
    y = height - 72

    def line(text: str, size: int = 11, gap: float = 0) -> None:
        nonlocal y
        for part in simpleSplit(text, font, size, width - 144) or [""]:
            if y < 72:
                canvas.showPage()
                y = height - 72
            canvas.setFont(font, size)
            canvas.drawString(72, y, part)
            y -= size + 4
        y -= gap

    line(law.name.upper(), 14, 10)
    for article_id, text in law.articles:
        title, _, body = text.strip().partition("\n")
        line(f"Điều {article_id}. {title.strip()}", 11, 2)
        for paragraph in body.split("\n"):
            if paragraph.strip():
                line(" ".join(paragraph.split()))
        y -= 6
    canvas.save()


def fold(text: str) -> str:
    """`text` without diacritics (what a user types without accents)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def locate(law: Law) -> None:
    """Where each article starts in the pages the server extracts from the PDF."""
    for page in extract_pages(law.pdf):
        law.pages[page.page] = page.text
        for match in ARTICLE_LINE.finditer(page.text):
            law.starts.append((page.page, match.start(), match.group(1)))


def article_of(law: Law, page: int, snippet: str) -> str | None:
    """The article whose text the snippet (on `page`) overlaps most; None when it is not found there."""
    text = law.pages.get(page, "").replace("\n", " ")
    core = snippet.strip("…").strip()
    at = text.find(core)
    if at < 0 or not core:
        return None
    span = (at, at + len(core))
    previous = None
    best: tuple[int, str | None] = (-1, None)
    bounds = []
    for start_page, offset, article in law.starts:
        if start_page < page:
            previous = article
        elif start_page == page:
            bounds.append((offset, article))
    edges = [(0, previous), *bounds]
    for index, (start, article) in enumerate(edges):
        end = edges[index + 1][0] if index + 1 < len(edges) else len(text)
        overlap = min(end, span[1]) - max(start, span[0])
        if overlap > best[0]:
            best = (overlap, article)
    return best[1]


class Api:
    def __init__(self, http: TestClient, token: str) -> None:  # type: ignore[type-arg]
        self.http = http
        self.token = token

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        self.http.cookies.clear()
        response = self.http.request(method, path, headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
        if response.status_code >= 300:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json()


def login(http: TestClient, username: str) -> Api:  # type: ignore[type-arg]
    http.cookies.clear()
    response = http.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    response.raise_for_status()
    return Api(http, response.json()["token"])


def wait_until_ready(api: Api, laws: list[Law], vectors: bool) -> tuple[float, float]:
    """Seconds until every document is searchable, and until every passage has its vector."""
    started = time.perf_counter()
    searchable_at = None
    while True:
        documents = [api.call("GET", f"/api/documents/{law.document_id}") for law in laws]
        failed = [d for d in documents if d["status"] == "failed"]
        if failed:
            raise SystemExit(f"processing failed: {failed}")
        if searchable_at is None and all(d["searchable"] for d in documents):
            searchable_at = time.perf_counter() - started
            print(f"all {len(laws)} laws searchable after {searchable_at:.1f} s", flush=True)
        if searchable_at is not None:
            progress = api.call("GET", "/health").get("assistant", {}).get("vectors")
            if not vectors or (progress and progress["done"] >= progress["total"]):
                return searchable_at, time.perf_counter() - started
            if progress:
                print(f"\r  vectors {progress['done']}/{progress['total']}", end="", file=sys.stderr, flush=True)
        time.sleep(1.0)


@dataclass
class Question:
    text: str
    gold: set[tuple[str, str]]
    """(law name, article id)."""


def ranks(law_of: dict[int, Law], results: list[dict[str, Any]]) -> list[tuple[str, str] | None]:
    """The article each hit or citation stands for, in order."""
    out: list[tuple[str, str] | None] = []
    for result in results:
        law = law_of.get(result.get("document_id") or 0)
        article = article_of(law, result["page"], result["snippet"]) if law else None
        out.append((law.name, article) if law and article else None)
    return out


def first_rank(order: list[tuple[str, str] | None], gold: set[tuple[str, str]]) -> int | None:
    return next((index + 1 for index, item in enumerate(order) if item in gold), None)


def evaluate(api: Api, meeting_id: int, law_of: dict[int, Law], questions: list[Question]) -> dict[str, float]:
    r1 = r5 = reciprocal = ask1 = ask5 = 0.0
    search_ms: list[float] = []
    ask_ms: list[float] = []
    for question in questions:
        started = time.perf_counter()
        hits = api.call("GET", "/api/search", params={"q": question.text, "meeting_id": meeting_id, "limit": 10})
        search_ms.append((time.perf_counter() - started) * 1000)
        place = first_rank(ranks(law_of, hits["hits"]), question.gold)
        r1 += place == 1
        r5 += place is not None and place <= 5
        reciprocal += 1 / place if place else 0.0
        started = time.perf_counter()
        reply = api.call(
            "POST", "/api/assistant/ask", json={"question": question.text, "meeting_id": meeting_id, "limit": 5}
        )
        ask_ms.append((time.perf_counter() - started) * 1000)
        cited = first_rank(ranks(law_of, reply["citations"][:5]), question.gold)
        ask1 += cited == 1
        ask5 += cited is not None
    count = len(questions) or 1
    return {
        "search R@1": r1 / count,
        "search R@5": r5 / count,
        "search MRR@10": reciprocal / count,
        "ask R@1": ask1 / count,
        "ask R@5": ask5 / count,
        "search p50 ms": statistics.median(search_ms) if search_ms else 0.0,
        "ask p50 ms": statistics.median(ask_ms) if ask_ms else 0.0,
    }


def named_questions(laws: list[Law], per_law: int) -> list[Question]:
    """ "Điều N của <law> quy định gì?" for a fixed sample of each law's articles."""
    rng = random.Random(18)
    questions = []
    for law in laws:
        for article_id, _ in rng.sample(law.articles, min(per_law, len(law.articles))):
            questions.append(Question(f"Điều {article_id} của {law.name} quy định gì?", {(law.name, article_id)}))
    return questions


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--laws", type=int, default=None, help="only the first N laws (and their questions)")
    parser.add_argument("--lexical", action="store_true", help="words only: no embedding model, no vectors")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "icabinet-law-eval")
    parser.add_argument("--threads", type=int, default=2, help="the embedding model's CPU threads")
    args = parser.parse_args(argv)
    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    folder = args.data / "alqac-vi-legal-train"
    if not folder.is_dir():
        raise SystemExit(f"no ALQAC data in {folder}")
    raw = json.loads((folder / "law.json").read_text(encoding="utf-8"))[: args.laws]
    laws = [Law(item["id"], [(a["id"], a["text"]) for a in item["articles"]]) for item in raw]
    names = {law.name for law in laws}
    train = json.loads((folder / "train.json").read_text(encoding="utf-8"))
    alqac = [
        Question(q["text"], {(a["law_id"], a["article_id"]) for a in q["relevant_articles"]})
        for q in train
        if all(a["law_id"] in names for a in q["relevant_articles"])
    ]
    args.cache.mkdir(parents=True, exist_ok=True)
    for index, law in enumerate(laws):
        law.pdf = args.cache / f"law-{index:02d}.pdf"
        if not law.pdf.exists():
            render(law, law.pdf)
        locate(law)
    pages = sum(len(law.pages) for law in laws)
    print(f"{len(laws)} laws, {sum(len(law.articles) for law in laws)} articles, {pages} PDF pages")

    with tempfile.TemporaryDirectory(prefix="law-eval-") as data_dir:
        settings = Settings(
            data_dir=Path(data_dir), dense_search=not args.lexical, embedding_threads=args.threads, ocr=False
        )
        app = create_app(settings)
        with TestClient(app=app, timeout=600) as http:
            create_user_sync(app.state.settings, "root", PASSWORD, "admin")
            root = login(http, "root")
            root.call("POST", "/api/users", json={"username": "sec", "password": PASSWORD, "role": "secretary"})
            sec = login(http, "sec")
            meeting_id = sec.call("POST", "/api/meetings", json={"title": "Luật"})["id"]
            started = time.perf_counter()
            for law in laws:
                with law.pdf.open("rb") as handle:
                    law.document_id = sec.call(
                        "POST",
                        f"/api/meetings/{meeting_id}/documents",
                        files={"file": (law.pdf.name, handle, "application/pdf")},
                        data={"title": law.name},
                    )["id"]
            print(f"uploaded in {time.perf_counter() - started:.1f} s")
            searchable, vectors = wait_until_ready(sec, laws, not args.lexical)
            print(f"\nready: searchable after {searchable:.1f} s, vectors after {vectors:.1f} s")
            law_of = {law.document_id: law for law in laws}
            named = named_questions(laws, NAMED_PER_LAW)
            sets = {
                "ALQAC questions": alqac,
                "ALQAC unaccented": [Question(fold(q.text), q.gold) for q in alqac],
                "named article": named,
                "named, unaccented": [Question(fold(q.text), q.gold) for q in named],
            }
            rows = [(label, len(qs), evaluate(sec, meeting_id, law_of, qs)) for label, qs in sets.items()]
    print()
    columns = ["search R@1", "search R@5", "search MRR@10", "ask R@1", "ask R@5", "search p50 ms", "ask p50 ms"]
    print("| set | questions | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for label, count, figures in rows:
        cells = [f"{figures[c]:.0f}" if c.endswith("ms") else f"{figures[c]:.3f}" for c in columns]
        print(f"| {label} | {count} | " + " | ".join(cells) + " |")
    print("ceiling: a perfect ranking, 1.000 on every recall and MRR; the figures above are their ratio to it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
