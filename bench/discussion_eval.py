"""The ask over real meeting transcripts, end to end through the API, per meeting kind.

    python bench/discussion_eval.py [--data ../shared/data] [--limit N]

Each meeting of ``qmsum-all-train`` is imported as a plain-text transcript ("Speaker: text" a line) by
``POST /api/meetings/{id}/transcripts`` into the real app (create_app over a temporary data directory,
driven over HTTP by Litestar's TestClient), and once the index holds every passage with its vector, each
specific question is asked by a delegate, ``POST /api/assistant/ask`` with ``limit: 5``. Per kind (product
design ES/IS/TS, research Bed/Bmr/Bro, committee):

- reach@5: the share of questions whose citations' turn spans (``turn``..``turn_last``) hold a gold
  answering turn (``relevant_text_span``);
- not found: the share answered "not in the materials" (found false and no passage shown); found false:
  the share declining to state an answer, passages shown or not;
- BM25: plain BM25 (bm25s, English stop words) over non-overlapping 8-turn windows of the same meeting, its
  top 5: the ceiling the ask is held to, and the ratio to it.

Then unrelated questions asked in every meeting (must be "not in the materials", no passage), and the ask's
latency (``took_ms``) for the discussion questions. ``--limit N`` takes the first N meetings of each kind.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.answer import NOT_FOUND  # noqa: E402
from assistant.discussion import is_discussion  # noqa: E402

FOLDER = "qmsum-all-train"
K = 5
BASELINE_WINDOW = 8
PASSWORD = "correct-horse-42"
UNRELATED_EN = [
    "What is the price of a flight from Hanoi to Da Nang in May?",
    "Who won the football World Cup in 2022?",
    "How many hospitals will the city build next year?",
    "What is the weather forecast for Hanoi tomorrow?",
    "What is the recipe for beef pho?",
    "What is the exchange rate of the US dollar today?",
    "When are the SEA Games 33 matches scheduled?",
    "What are the fines for drunk driving in Vietnam?",
    "Who is the coach of the national football team?",
    "How tall is Mount Everest?",
    "Which airline has the cheapest tickets to Tokyo?",
    "What did the orchestra play at the wedding reception?",
    "What did the board decide about the new football stadium?",
    "Who will be the next mayor of Hanoi?",
    "What was said about the airport expansion in Da Nang?",
    "How much does a kilogram of rice cost at the market?",
    "What are the opening hours of the national history museum?",
    "Summarise the discussion about the wedding guest list",
    "What did the chef say about the dessert menu?",
    "Why did the orchestra cancel its concert?",
    "What is the capital city of Australia?",
    "How many goals did the striker score last season?",
    "What was decided about the fares of the Hanoi metro line?",
    "Which team won the badminton final of the national games?",
    "What did the pilot say about the turbulence over the mountains?",
    "Who painted the ceiling of the Sistine Chapel?",
    "What is the population of Ho Chi Minh City?",
]
"""English questions no meeting of the set is about (the eval's Vietnamese ones are in assistant_eval.py)."""


def kind_of(name: str) -> str:
    """product design (AMI: ES, IS, TS), committee (covid_, education_), research (ICSI: Bed, Bmr, Bro, …)."""
    if name[:2] in ("ES", "IS", "TS"):
        return "product"
    if "_" in name:
        return "committee"
    return "research"


@dataclass
class Meeting:
    name: str
    kind: str
    lines: list[str]
    questions: list[tuple[str, set[int]]]


@dataclass
class Tally:
    asked: int = 0
    reached: int = 0
    not_found: int = 0
    declined: int = 0
    baseline: int = 0
    took_ms: list[float] = field(default_factory=list)


def load(
    folder: Path, limit: int | None, only: set[str] | None = None, kinds: set[str] | None = None, skip: int = 0
) -> list[Meeting]:
    """The first `limit` meetings of each kind (None: all) of `kinds` (None: all) after the first `skip` of
    each, or the meetings named in `only`."""
    meetings: list[Meeting] = []
    taken: dict[str, int] = {}
    for path in sorted(folder.glob("*.json")):
        kind = kind_of(path.stem)
        if only is not None and path.stem not in only or kinds is not None and kind not in kinds:
            continue
        taken[kind] = taken.get(kind, 0) + 1
        if only is None and (taken[kind] <= skip or limit is not None and taken[kind] > skip + limit):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        lines = [
            f"{' '.join(t['speaker'].split())}: {' '.join(t['content'].split())}" for t in data["meeting_transcripts"]
        ]
        questions = [
            (q["query"], {n for a, b in q["relevant_text_span"] for n in range(int(a), int(b) + 1)})
            for q in data["specific_query_list"]
        ]
        meetings.append(Meeting(path.stem, kind, lines, questions))
    return meetings


@contextmanager
def running_app(data_dir: Path) -> Iterator[tuple[Any, Any, Any]]:
    """The real app with a secretary and a delegate: (http client, secretary headers, delegate headers)."""
    from litestar.testing import TestClient

    from server.app import create_app
    from server.cli import create_user_sync
    from server.settings import Settings

    app = create_app(Settings(data_dir=data_dir, embedding_threads=2))
    with TestClient(app=app, timeout=120) as http:
        fresh = not (data_dir / "bench-meetings.json").is_file()
        if fresh:
            create_user_sync(app.state.settings, "root", PASSWORD, "admin")

        def login(username: str) -> dict[str, str]:
            http.cookies.clear()
            reply = http.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            reply.raise_for_status()
            return {"Authorization": f"Bearer {reply.json()['token']}"}

        root = login("root")
        for username, role in (("sec", "secretary"), ("del1", "user")) if fresh else ():
            body = {"username": username, "password": PASSWORD, "full_name": username}
            if role != "user":
                body["role"] = role
            http.post("/api/users", json=body, headers=root).raise_for_status()
        yield http, login("sec"), login("del1")


def call(http: Any, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
    http.cookies.clear()
    reply = http.request(method, path, headers=headers, **kwargs)
    if reply.status_code >= 300:
        raise SystemExit(f"{method} {path}: {reply.status_code} {reply.text}")
    return reply.json()


def import_meetings(http: Any, sec: dict[str, str], meetings: list[Meeting]) -> dict[str, int]:
    """Each meeting created, the delegate added, its transcript imported; the meeting ids by name."""
    ids = {}
    for meeting in meetings:
        meeting_id = call(http, "POST", "/api/meetings", sec, json={"title": meeting.name})["id"]
        participant = {"username": "del1", "role": "delegate"}
        call(http, "POST", f"/api/meetings/{meeting_id}/participants", sec, json=participant)
        body = ("\n".join(meeting.lines) + "\n").encode()
        files = {"file": (f"{meeting.name}.txt", body, "text/plain")}
        transcript = call(http, "POST", f"/api/meetings/{meeting_id}/transcripts", sec, files=files)
        if transcript["turn_count"] != len(meeting.lines):
            raise SystemExit(f"{meeting.name}: {transcript['turn_count']} turns of {len(meeting.lines)}")
        ids[meeting.name] = meeting_id
    return ids


def wait_searchable(http: Any, count: int) -> float:
    """Seconds until the index holds the passages of `count` transcripts, every one with its vector."""
    index = http.app.state.search_index
    if index.embedder is not None:
        index.embedder.load()  # a search does not wait for a model still loading: the asks must not rank by words
    started = time.perf_counter()
    while True:
        retriever = index.retriever
        sources = {(c.kind, c.doc_id) for c in retriever._chunks if c.kind == "transcript"}
        if len(sources) >= count and not retriever.missing_vectors(1):
            return time.perf_counter() - started
        time.sleep(1.0)


def baseline_reaches(meeting: Meeting) -> list[bool]:
    """Plain BM25 over non-overlapping 8-turn windows: whether its top 5 reach a gold turn, per question."""
    import bm25s

    texts = [line.partition(": ")[2] for line in meeting.lines]
    spans = [(i, min(i + BASELINE_WINDOW, len(texts))) for i in range(0, len(texts), BASELINE_WINDOW)]
    index = bm25s.BM25()
    corpus = [" ".join(texts[a:b]) for a, b in spans]
    index.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)
    reached = []
    for query, gold in meeting.questions:
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        rows, _ = index.retrieve(tokens, k=min(K, len(corpus)), show_progress=False)
        covered = {n for row in rows[0] for n in range(*spans[int(row)])}
        reached.append(bool(covered & gold))
    return reached


def cited_turns(reply: dict[str, Any]) -> list[set[int]]:
    return [
        set(range(c["turn"], c["turn_last"] + 1))
        for c in reply["citations"][:K]
        if c["kind"] == "transcript" and c["turn"] is not None
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None, help="only the first N meetings of each kind")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the app's data here; a later run with the same meetings "
        "asks again without importing and encoding them again",
    )
    parser.add_argument(
        "--kinds", default=None, help="comma-separated meeting kinds to take (product,research,committee; default all)"
    )
    parser.add_argument(
        "--skip", type=int, default=0, help="leave out the first N meetings of each kind (a set not tuned on)"
    )
    parser.add_argument("--misses", action="store_true", help="print the questions whose citations miss")
    parser.add_argument("--sweep", action="store_true", help="also rank with each dense weight (retrieval alone)")
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)  # the app's and httpx's request lines
    kept = args.workdir / "bench-meetings.json" if args.workdir else None
    # a kept workdir is asked about the meetings it holds, whatever --limit says
    meetings = load(
        args.data / FOLDER,
        args.limit,
        set(json.loads(kept.read_text())) if kept and kept.is_file() else None,
        set(args.kinds.split(",")) if args.kinds else None,
        args.skip,
    )
    print(f"{len(meetings)} meetings, {sum(len(m.lines) for m in meetings)} turns, ", end="")
    print(f"{sum(len(m.questions) for m in meetings)} specific questions")
    tallies: dict[str, Tally] = {}
    discussion_ms: list[float] = []
    unrelated = [0, 0, 0]  # asked, not found, passages shown
    with tempfile.TemporaryDirectory() as scratch, running_app(args.workdir or Path(scratch)) as (http, sec, delegate):  # noqa: E501
        started = time.perf_counter()
        saved = (args.workdir or Path(scratch)) / "bench-meetings.json"
        ids = json.loads(saved.read_text()) if saved.is_file() else {}
        if set(ids) != {m.name for m in meetings}:
            ids = import_meetings(http, sec, meetings)
            saved.write_text(json.dumps(ids))
        imported = time.perf_counter() - started
        waited = wait_searchable(http, len(meetings))
        print(f"imported in {imported:.1f} s, searchable with vectors {waited:.1f} s later")
        for meeting in meetings:
            tally = tallies.setdefault(meeting.kind, Tally())
            for (question, gold), base in zip(meeting.questions, baseline_reaches(meeting), strict=True):
                body = {"question": question, "meeting_id": ids[meeting.name], "limit": K}
                reply = call(http, "POST", "/api/assistant/ask", delegate, json=body)
                covered = set().union(*cited_turns(reply))
                tally.asked += 1
                tally.reached += bool(covered & gold)
                tally.declined += not reply["found"]
                tally.not_found += not reply["found"] and not reply["citations"]
                tally.baseline += base
                tally.took_ms.append(reply["took_ms"])
                if args.misses and not covered & gold:
                    print(f"miss {meeting.name} found={reply['found']} cited={len(reply['citations'])}: {question}")
                if is_discussion(question):
                    discussion_ms.append(reply["took_ms"])
            for question in UNRELATED_EN:
                body = {"question": question, "meeting_id": ids[meeting.name], "limit": K}
                reply = call(http, "POST", "/api/assistant/ask", delegate, json=body)
                unrelated[0] += 1
                unrelated[1] += reply["answer"] in NOT_FOUND.values() and not reply["found"]
                unrelated[2] += bool(reply["citations"])
        if args.sweep:
            sweep(http, meetings)
    report(tallies, discussion_ms, unrelated)
    return 0


SWEEP_WEIGHTS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0)


def sweep(http: Any, meetings: list[Meeting]) -> None:
    """Retrieval alone (the server's own index, in process): reach@5 of the distinct passages for each dense
    weight, per kind: what the English weight is chosen from."""
    from assistant.discussion import subject
    from assistant.passages import distinct

    retriever = http.app.state.search_index.retriever
    transcripts = {(c.kind, c.doc_id) for c in retriever._chunks if c.kind == "transcript"}
    by_meeting = {}
    # the transcripts were imported one per meeting, in the meetings' order
    for meeting, source in zip(meetings, sorted(transcripts, key=lambda s: s[1]), strict=True):
        by_meeting[meeting.name] = source
    print(f"\n{'dense weight':12} " + " ".join(f"{kind:>10}" for kind in ("product", "research", "committee")))
    for weight in SWEEP_WEIGHTS:
        reached: dict[str, list[bool]] = {}
        for meeting in meetings:
            for question, gold in meeting.questions:
                query = subject(question) if is_discussion(question) else question
                hits = retriever.search(query, 4 * K, {by_meeting[meeting.name]}, dense_weight=weight)
                covered = {n for p in distinct(hits)[:K] for n in range(p.hit.chunk.start, p.hit.chunk.end)}
                reached.setdefault(meeting.kind, []).append(bool(covered & gold))
        kinds = ("product", "research", "committee")
        if weight == SWEEP_WEIGHTS[-1]:
            evidence(retriever, meetings, by_meeting)
        cells = [f"{sum(v) / len(v):10.3f}" if (v := reached.get(kind)) else f"{'':10}" for kind in kinds]
        print(f"{weight:12.1f} " + " ".join(cells))


def evidence(retriever: Any, meetings: list[Meeting], by_meeting: dict[str, Any]) -> None:
    """How much the best passages bear on the meetings' questions and on unrelated ones: coverage and cosine."""
    from assistant.discussion import subject

    def best(question: str, source: Any) -> tuple[float, float]:
        query = subject(question) if is_discussion(question) else question
        hits = retriever.search(query, 3, {source}, dense_weight=0.5)
        return max((h.coverage for h in hits), default=0.0), max((h.dense for h in hits), default=0.0)

    asked = [best(q, by_meeting[m.name]) for m in meetings for q, _ in m.questions]
    unrelated = [best(q, by_meeting[m.name]) for m in meetings for q in UNRELATED_EN]
    for name, values in (("questions", asked), ("unrelated", unrelated)):
        coverage = sorted(v[0] for v in values)
        cosine = sorted(v[1] for v in values)
        at = [0, len(values) // 10, len(values) // 2, len(values) - 1]
        print(f"{name:10} coverage min/p10/p50/max " + "/".join(f"{coverage[i]:.2f}" for i in at), end="")
        print("  cosine min/p10/p50/max " + "/".join(f"{cosine[i]:.2f}" for i in at))


def report(tallies: dict[str, Tally], discussion_ms: list[float], unrelated: list[int]) -> None:
    header = f"{'kind':10} {'questions':>9} {'reach@5':>8} {'BM25@5':>7} {'ratio':>6} {'not found':>9} {'found=F':>8}"
    print("\n" + header)
    total = Tally()
    for kind in ("product", "research", "committee"):
        if kind not in tallies:
            continue
        t = tallies[kind]
        total.asked += t.asked
        total.reached += t.reached
        total.baseline += t.baseline
        total.not_found += t.not_found
        total.declined += t.declined
        total.took_ms += t.took_ms
        row(kind, t)
    row("all", total)
    print(f"\nunrelated questions: {unrelated[0]} asked, {unrelated[1]} 'not in the materials', ", end="")
    print(f"{unrelated[2]} showed passages")
    if total.took_ms:
        p50 = statistics.median(total.took_ms)
        print(f"ask took_ms: p50 {p50:.0f}, p95 {statistics.quantiles(total.took_ms, n=20)[-1]:.0f}, ", end="")
        print(f"max {max(total.took_ms):.0f}")
    if discussion_ms:
        print(f"discussion summaries ({len(discussion_ms)}): p50 {statistics.median(discussion_ms):.0f} ms, ", end="")
        print(f"max {max(discussion_ms):.0f} ms (ceiling 1000 ms: ratio {max(discussion_ms) / 1000:.2f})")


def row(name: str, t: Tally) -> None:
    asked = max(t.asked, 1)
    reach, base = t.reached / asked, t.baseline / asked
    ratio = reach / base if base else float("nan")
    print(
        f"{name:10} {t.asked:9d} {reach:8.3f} {base:7.3f} {ratio:6.2f} {t.not_found / asked:9.3f} "
        f"{t.declined / asked:8.3f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
