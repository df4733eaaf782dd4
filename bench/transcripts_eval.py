"""Retrieval and summaries over real transcripts: the QMSum parliamentary committee meetings.

    python bench/transcripts_eval.py [--data ../shared/data] [--limit N] [--window W --stride S]

Each meeting of ``qmsum-committee-train`` becomes a plain-text transcript ("Speaker: text" a line), read by
the product's parser (assistant.transcript.parse), cut into passages by its chunker (chunk_turns) and
indexed, all meetings in one Retriever, each question searched within its own meeting only (as the
server filters by what the asker may read). For every specific question:

- hit@5: the share of questions where at least one gold turn is among the turns the top-5 passages cover;
- turn-recall@5: the share of a question's gold turns those passages cover, averaged.

Next to it, in the same run, a plain BM25 (bm25s, English stop words) over non-overlapping 8-turn windows:
the baseline. Then windows and strides around the product's, and ROUGE-1/2/L (rouge-score, F1 with
stemming) of the extractive whole-meeting summary (assistant.summary.summarise over the turns) against the
reference summary, next to the lead-k baseline (the first turns up to the same length).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.chunk import Chunk, Page  # noqa: E402
from assistant.passages import distinct  # noqa: E402
from assistant.retriever import Retriever  # noqa: E402
from assistant.summary import summarise  # noqa: E402
from assistant.transcript import DEFAULT_STRIDE, DEFAULT_WINDOW, Turn, chunk_turns, parse  # noqa: E402

FOLDER = "qmsum-committee-train"
K = 5
BASELINE_WINDOW = 8
SUMMARY_SENTENCES = 10


@dataclass
class Meeting:
    name: str
    turns: list[Turn]
    questions: list[tuple[str, set[int]]]
    summary: str


def load(folder: Path, limit: int | None = None) -> list[Meeting]:
    """Every meeting of the folder, its transcript parsed by the product's parser."""
    meetings = []
    for path in sorted(folder.glob("*.json"))[:limit]:
        data = json.loads(path.read_text(encoding="utf-8"))
        lines = [
            f"{' '.join(t['speaker'].split())}: {' '.join(t['content'].split())}" for t in data["meeting_transcripts"]
        ]
        turns = parse("\n".join(lines) + "\n", "text")
        if len(turns) != len(data["meeting_transcripts"]):
            raise SystemExit(f"{path.name}: parsed {len(turns)} turns of {len(data['meeting_transcripts'])}")
        questions = []
        for query in data["specific_query_list"]:
            gold = {n for first, last in query["relevant_text_span"] for n in range(int(first), int(last) + 1)}
            questions.append((query["query"], gold))
        summary = next(q["answer"] for q in data["general_query_list"])
        meetings.append(Meeting(path.stem, turns, questions, summary))
    return meetings


def product_scores(meetings: list[Meeting], window: int, stride: int) -> tuple[float, float, int]:
    """hit@K and turn-recall@K of the product's chunking and retriever (lexical; dense is optional in the
    server and measured on documents by bench/assistant_eval.py)."""
    chunks: list[Chunk] = []
    for number, meeting in enumerate(meetings):
        chunks.extend(chunk_turns(number, meeting.turns, window, stride))
    retriever = Retriever.build(chunks, None)
    hits = recall = 0.0
    count = 0
    for number, meeting in enumerate(meetings):
        for query, gold in meeting.questions:
            # as the ask cites them: overlapping windows of the same turns count once (assistant.passages)
            found = distinct(retriever.search(query, k=4 * K, allowed={("transcript", number)}))[:K]
            covered = {n for passage in found for n in range(passage.hit.chunk.start, passage.hit.chunk.end)}
            hits += bool(covered & gold)
            recall += len(covered & gold) / len(gold)
            count += 1
    return hits / count, recall / count, len(chunks)


def baseline_scores(meetings: list[Meeting]) -> tuple[float, float]:
    """Plain BM25 over non-overlapping 8-turn windows of the turns' text, one index per meeting."""
    import bm25s

    hits = recall = 0.0
    count = 0
    for meeting in meetings:
        spans = [
            (i, min(i + BASELINE_WINDOW, len(meeting.turns))) for i in range(0, len(meeting.turns), BASELINE_WINDOW)
        ]
        corpus = [" ".join(t.text for t in meeting.turns[a:b]) for a, b in spans]
        index = bm25s.BM25()
        index.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)
        for query, gold in meeting.questions:
            k = min(K, len(corpus))
            rows, _ = index.retrieve(
                bm25s.tokenize([query], stopwords="en", show_progress=False), k=k, show_progress=False
            )
            covered = {n for row in rows[0] for n in range(*spans[int(row)])}
            hits += bool(covered & gold)
            recall += len(covered & gold) / len(gold)
            count += 1
    return hits / count, recall / count


def rouge(meetings: list[Meeting]) -> tuple[dict[str, float], dict[str, float]]:
    """Mean ROUGE F1 of the extractive summary and of the lead baseline of the same length."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    ours = {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
    lead = dict(ours)
    for meeting in meetings:
        pages = [Page(doc_id=0, version=1, page=n + 1, text=t.text) for n, t in enumerate(meeting.turns)]
        summary = " ".join(c.snippet for c in summarise(pages, SUMMARY_SENTENCES))
        words = len(summary.split())
        first = " ".join(" ".join(t.text for t in meeting.turns).split()[:words])
        for name, score in scorer.score(meeting.summary, summary).items():
            ours[name] += score.fmeasure / len(meetings)
        for name, score in scorer.score(meeting.summary, first).items():
            lead[name] += score.fmeasure / len(meetings)
    return ours, lead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None, help="only the first N meetings")
    parser.add_argument("--window", type=int, default=DEFAULT_WINDOW)
    parser.add_argument("--stride", type=int, default=DEFAULT_STRIDE)
    parser.add_argument("--sweep", action="store_true", help="also windows and strides around the product's")
    args = parser.parse_args()
    meetings = load(args.data / FOLDER, args.limit)
    questions = sum(len(m.questions) for m in meetings)
    print(f"{len(meetings)} meetings, {sum(len(m.turns) for m in meetings)} turns, {questions} specific questions")
    started = time.perf_counter()
    hit, recall, chunks = product_scores(meetings, args.window, args.stride)
    took = time.perf_counter() - started
    base_hit, base_recall = baseline_scores(meetings)
    print(f"\n{'retrieval':44} {'hit@5':>7} {'recall@5':>9} {'ratio':>7}")
    print(f"{'BM25 baseline, 8-turn windows':44} {base_hit:7.3f} {base_recall:9.3f} {1:7.2f}")
    label = f"product, {args.window}-turn windows every {args.stride} ({chunks} passages, {took:.1f} s)"
    print(f"{label:44} {hit:7.3f} {recall:9.3f} {hit / base_hit:7.2f}")
    if args.sweep:
        for window, stride in ((2, 1), (3, 1), (4, 1), (4, 2), (6, 2), (6, 3), (8, 4), (8, 8)):
            h, r, n = product_scores(meetings, window, stride)
            print(f"{f'  window {window}, stride {stride} ({n} passages)':44} {h:7.3f} {r:9.3f} {h / base_hit:7.2f}")
    ours, lead = rouge(meetings)
    print(f"\n{'whole-meeting summary (F1)':44} {'R-1':>7} {'R-2':>7} {'R-L':>7}")
    print(
        f"{'extractive, ' + str(SUMMARY_SENTENCES) + ' key sentences':44} " + " ".join(f"{ours[n]:7.3f}" for n in ours)
    )
    print(f"{'lead baseline, same length':44} " + " ".join(f"{lead[n]:7.3f}" for n in lead))


if __name__ == "__main__":
    main()
