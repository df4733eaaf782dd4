"""Assistant quality through the real pipeline: PDFs -> pages -> chunks -> hybrid index -> cited answers.

    python bench/assistant_eval.py [--data ../shared/data] [--cache DIR] [--model PATH] [--no-scale] [--meetings N]

1. vi-dev: the two Vietnamese PDFs and questions.json: recall@1/@5 of the right document and page,
   MRR, and the share of answers whose text or cited snippets hold the expected text; lexical only
   next to fused.
2. ALQAC train: 2,131 law articles (one document each, chunked), 100 questions: recall@5 and MRR of the
   gold article for tokenisations, BM25 k1, chunk sizes, dense only and fused at several dense weights,
   with accented and unaccented (accent-stripped) questions. The product's configuration is marked *.
3. Not in the materials: unrelated questions must come back found=False; the coverage margin between
   them and the vi-dev questions is what MIN_COVERAGE sits in.
4. Lexical index rebuild time at 100k chunks (--no-scale skips it).
5. With --meetings N: the ask end to end through the API on the first N QMSum meetings of each kind
   (bench/discussion_eval.py: reach of the citations, "not in the materials", BM25 in the same run).

Chunk vectors are cached under --cache (default: the system temp dir), keyed by model and corpus, so
re-runs skip the slow encoding; the first run prints the encode throughput.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.answer import MIN_COVERAGE, answer  # noqa: E402
from assistant.chunk import DEFAULT_MAX_TOKENS, Chunk, Page, chunk_pages  # noqa: E402
from assistant.embed import Embedder, SentenceTransformerEmbedder  # noqa: E402
from assistant.lexical import DEFAULT_B, DEFAULT_K1, LexicalIndex  # noqa: E402
from assistant.retriever import DEFAULT_DENSE_WEIGHT, Retriever, SearchHit  # noqa: E402
from assistant.text import fold, lexical_tokens  # noqa: E402
from documents.extract import extract_pages  # noqa: E402

UNRELATED = [
    "Giá vé máy bay Hà Nội – Đà Nẵng tháng 5?",
    "Ai là huấn luyện viên đội tuyển bóng đá quốc gia?",
    "Dự báo thời tiết ngày mai ở Hà Nội thế nào?",
    "Công thức nấu phở bò gồm những nguyên liệu gì?",
    "Tỷ giá đô la Mỹ hôm nay là bao nhiêu?",
    "Lịch thi đấu SEA Games 33 diễn ra khi nào?",
    "Bao nhiêu người dân đã tiêm vắc xin Covid-19?",
    "Quy định xử phạt vi phạm nồng độ cồn khi lái xe ô tô?",
    "gia ve xe buyt ha noi bao nhieu",
    "What is the price of a flight from Hanoi to Da Nang in May?",
    "Who won the football World Cup in 2022?",
    "How many hospitals will the city build next year?",
]
FUSED_WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5)
Vectors = npt.NDArray[np.float32]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "icabinet-assistant-eval")
    parser.add_argument("--model", default=None, help="sentence-transformers model path (default: bundled MiniLM)")
    parser.add_argument("--no-scale", action="store_true", help="skip the 100k-chunk lexical rebuild timing")
    parser.add_argument(
        "--meetings",
        type=int,
        default=None,
        metavar="N",
        help="also part 5: the ask end to end on the first N QMSum meetings of each kind (bench/discussion_eval.py)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder(args.model)
    print(f"model {embedder.name}, dimension {embedder.dimension}, loaded in {time.perf_counter() - started:.1f} s")
    print(f"defaults: chunk {DEFAULT_MAX_TOKENS} tokens, BM25 k1={DEFAULT_K1} b={DEFAULT_B}, ", end="")
    print(f"dense weight {DEFAULT_DENSE_WEIGHT}, MIN_COVERAGE {MIN_COVERAGE}")
    coverages = vi_dev(args.data / "vi-dev", embedder, args.cache)
    alqac(args.data / "alqac-vi-legal-train", embedder, args.cache)
    not_in_materials(args.data / "vi-dev", embedder, coverages)
    if not args.no_scale:
        lexical_scale(args.data / "alqac-vi-legal-train")
    if args.meetings is not None:
        meetings_end_to_end(args.data, args.meetings)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


def meetings_end_to_end(data: Path, limit: int) -> None:
    """Part 5: English meeting transcripts imported and asked through the API, per kind, next to BM25."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("discussion_eval", REPO / "bench" / "discussion_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["discussion_eval"] = module
    spec.loader.exec_module(module)
    print("\n== 5. Meetings end to end through the API (bench/discussion_eval.py)")
    module.main(["--data", str(data), "--limit", str(limit)])


# ---------------------------------------------------------------- shared


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print an aligned table."""
    cells = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for index, row in enumerate(cells):
        print(
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            print("  ".join("-" * width for width in widths))


def normalise(text: str) -> str:
    """What questions.json compares: NFC, lower case, whitespace folded."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def cached_vectors(embedder: SentenceTransformerEmbedder, texts: list[str], cache: Path, label: str) -> Vectors:
    """Encode `texts`, or read their vectors from a cache keyed by model and corpus."""
    digest = hashlib.sha256(embedder.name.encode())
    for text in texts:
        digest.update(text.encode() + b"\0")
    path = cache / f"{label}-{digest.hexdigest()[:16]}.npy"
    if path.exists():
        return np.load(path)
    started = time.perf_counter()
    parts = []
    step = 512
    for first in range(0, len(texts), step):
        parts.append(embedder.encode(texts[first : first + step]))
        done = min(first + step, len(texts))
        rate = done / (time.perf_counter() - started)
        print(f"\r  encoding {label}: {done}/{len(texts)} ({rate:.1f} passages/s)", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dimension), dtype=np.float32)
    elapsed = time.perf_counter() - started
    print(f"encoded {len(texts)} {label} passages in {elapsed:.0f} s: {len(texts) / elapsed:.1f} passages/s")
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def ranks_by_document(hits: list[SearchHit]) -> list[int]:
    """Documents in the order of their best chunk."""
    order: list[int] = []
    for hit in hits:
        if hit.chunk.doc_id not in order:
            order.append(hit.chunk.doc_id)
    return order


# ---------------------------------------------------------------- 1. vi-dev


@dataclass
class ViDevCase:
    question: str
    expect: str
    doc_id: int
    page: int


def vi_dev(folder: Path, embedder: SentenceTransformerEmbedder, cache: Path) -> list[float]:
    """Section 1; returns the best coverage of each question under the product's settings."""
    spec = json.loads((folder / "questions.json").read_text(encoding="utf-8"))
    files = sorted({question["document"] for question in spec["questions"]})
    pages = [
        Page(doc_id=doc_id, version=1, page=page.page, text=page.text)
        for doc_id, name in enumerate(files)
        for page in extract_pages(folder / name)
    ]
    cases = []
    for question in spec["questions"]:
        doc_id = files.index(question["document"])
        page = question.get("page") or next(
            page.page
            for page in pages
            if page.doc_id == doc_id and normalise(question["expect"]) in normalise(page.text)
        )
        cases.append(ViDevCase(question["q"], question["expect"], doc_id, page))
    chunks = chunk_pages(pages, embedder.count_tokens)
    print(f"\n== 1. vi-dev: {len(files)} PDFs, {len(pages)} pages, {len(chunks)} chunks, {len(cases)} questions")
    vectors = cached_vectors(embedder, [chunk.text for chunk in chunks], cache, "vi-dev")
    rows = []
    coverages: list[float] = []
    details = []
    for label, weight in [("lexical only", 0.0), *[(f"fused w={w}", w) for w in FUSED_WEIGHTS], ("dense only", 1.0)]:
        retriever = Retriever.build(chunks, embedder, dense_weight=weight, vectors=vectors)
        doc1 = doc5 = page1 = page5 = expected = 0
        reciprocal = 0.0
        for case in cases:
            hits = retriever.search(case.question, k=5)
            docs = ranks_by_document(hits)
            doc1 += docs[:1] == [case.doc_id]
            doc5 += case.doc_id in docs
            places = [
                i for i, hit in enumerate(hits, 1) if (hit.chunk.doc_id, hit.chunk.page) == (case.doc_id, case.page)
            ]
            page1 += bool(places) and places[0] == 1
            page5 += bool(places)
            reciprocal += 1 / places[0] if places else 0.0
            reply = answer(case.question, hits)
            holds = reply.found and any(
                normalise(case.expect) in normalise(text)
                for text in [reply.text, *(c.snippet for c in reply.citations)]
            )
            expected += holds
            if weight == DEFAULT_DENSE_WEIGHT:
                coverages.append(max((hit.coverage for hit in hits), default=0.0))
                details.append(
                    (
                        case.question[:60],
                        case.expect,
                        places[0] if places else "-",
                        f"{coverages[-1]:.2f}",
                        "yes" if holds else "NO",
                    )
                )
        count = len(cases)
        mark = " *" if weight == DEFAULT_DENSE_WEIGHT else ""
        rows.append(
            (
                label + mark,
                f"{doc1 / count:.2f}",
                f"{doc5 / count:.2f}",
                f"{page1 / count:.2f}",
                f"{page5 / count:.2f}",
                f"{reciprocal / count:.3f}",
                f"{expected}/{count}",
            )
        )
    table(
        "vi-dev retrieval and answers (page = the page holding the expected text)",
        ("configuration", "doc R@1", "doc R@5", "page R@1", "page R@5", "page MRR", "expect in answer"),
        rows,
    )
    table(
        "vi-dev per question (product settings)",
        ("question", "expect", "page rank", "coverage", "expect found"),
        details,
    )
    return coverages


# ---------------------------------------------------------------- 2. ALQAC


@dataclass
class Alqac:
    articles: list[tuple[str, str]]
    pages: list[Page]
    questions: list[str]
    gold: list[set[int]]


def load_alqac(folder: Path) -> Alqac:
    """Articles as one-page documents (doc_id = article index) and the questions with their gold articles."""
    laws = json.loads((folder / "law.json").read_text(encoding="utf-8"))
    articles = [(law["id"], article["id"]) for law in laws for article in law["articles"]]
    texts = [article["text"] for law in laws for article in law["articles"]]
    where = {key: index for index, key in enumerate(articles)}
    questions = json.loads((folder / "train.json").read_text(encoding="utf-8"))
    return Alqac(
        articles=articles,
        pages=[Page(doc_id=index, version=1, page=1, text=text) for index, text in enumerate(texts)],
        questions=[question["text"] for question in questions],
        gold=[
            {where[(item["law_id"], item["article_id"])] for item in question["relevant_articles"]}
            for question in questions
        ],
    )


def article_metrics(
    ranked: Callable[[str], list[int]], questions: list[str], gold: list[set[int]]
) -> tuple[float, float]:
    """Recall@5 and MRR of the gold article, given a function ranking articles for a question."""
    hits5 = 0
    reciprocal = 0.0
    for question, expected in zip(questions, gold, strict=True):
        order = ranked(question)
        places = [order.index(article) + 1 for article in expected if article in order]
        best = min(places) if places else None
        hits5 += best is not None and best <= 5
        reciprocal += 1 / best if best else 0.0
    return hits5 / len(questions), reciprocal / len(questions)


def lexical_ranker(chunks: list[Chunk], tokenize: Callable[[str], list[str]], k1: float) -> Callable[[str], list[int]]:
    """Rank articles by their best chunk's BM25."""
    index = LexicalIndex(k1=k1, b=DEFAULT_B, tokenize=tokenize)
    index.append(chunk.text for chunk in chunks)
    alive = np.ones(len(chunks), dtype=bool)
    article_of = np.asarray([chunk.doc_id for chunk in chunks])
    articles = int(article_of.max()) + 1

    def ranked(question: str) -> list[int]:
        best = np.full(articles, -1.0)
        np.maximum.at(best, article_of, index.scores(question, alive))
        return [int(article) for article in np.argsort(-best, kind="stable")[:50]]

    return ranked


def alqac(folder: Path, embedder: SentenceTransformerEmbedder, cache: Path) -> None:
    """Section 2."""
    data = load_alqac(folder)
    unaccented = [fold(question) for question in data.questions]
    started = time.perf_counter()
    chunks = chunk_pages(data.pages, embedder.count_tokens)
    took = time.perf_counter() - started
    print(f"\n== 2. ALQAC train: {len(data.pages)} articles, {len(chunks)} chunks (chunked in {took:.1f} s), ", end="")
    print(f"{len(data.questions)} questions")

    tokenisations: list[tuple[str, Callable[[str], list[str]]]] = [
        ("syllables", partial(lexical_tokens, folded=False, bigrams=False)),
        ("syllables + bigrams", partial(lexical_tokens, folded=False)),
        ("syllables + folded", partial(lexical_tokens, bigrams=False)),
        ("+ bigrams + folded, prefixed apart", partial(lexical_tokens, fold_prefix="~")),
        ("+ bigrams + folded (product)", lexical_tokens),
    ]
    rows = []
    for name, tokenize in tokenisations:
        for k1 in (1.2, DEFAULT_K1):
            ranked = lexical_ranker(chunks, tokenize, k1)
            accented = article_metrics(ranked, data.questions, data.gold)
            plain = article_metrics(ranked, unaccented, data.gold)
            mark = " *" if tokenize is lexical_tokens and k1 == DEFAULT_K1 else ""
            rows.append(
                (
                    f"BM25 {name}, k1={k1}{mark}",
                    f"{accented[0]:.2f}",
                    f"{accented[1]:.3f}",
                    f"{plain[0]:.2f}",
                    f"{plain[1]:.3f}",
                )
            )
    header = ("configuration", "R@5", "MRR", "unaccented R@5", "unaccented MRR")
    table(
        f"ALQAC lexical ({DEFAULT_MAX_TOKENS}-token chunks; unaccented = the questions with accents stripped)",
        header,
        rows,
    )

    rows = []
    for size in (80, DEFAULT_MAX_TOKENS, 200):
        sized = (
            chunks if size == DEFAULT_MAX_TOKENS else chunk_pages(data.pages, embedder.count_tokens, max_tokens=size)
        )
        ranked = lexical_ranker(sized, lexical_tokens, DEFAULT_K1)
        accented = article_metrics(ranked, data.questions, data.gold)
        plain = article_metrics(ranked, unaccented, data.gold)
        mark = " *" if size == DEFAULT_MAX_TOKENS else ""
        rows.append(
            (
                f"{size} tokens{mark}",
                len(sized),
                f"{accented[0]:.2f}",
                f"{accented[1]:.3f}",
                f"{plain[0]:.2f}",
                f"{plain[1]:.3f}",
            )
        )
    table(
        "ALQAC chunk size (product BM25)",
        ("chunk size", "chunks", "R@5", "MRR", "unaccented R@5", "unaccented MRR"),
        rows,
    )

    vectors = cached_vectors(embedder, [chunk.text for chunk in chunks], cache, "alqac")
    rows = []
    for label, weight in [("lexical only", 0.0), *[(f"fused w={w}", w) for w in FUSED_WEIGHTS], ("dense only", 1.0)]:
        retriever = Retriever.build(chunks, embedder, dense_weight=weight, vectors=vectors)
        started = time.perf_counter()

        def ranked(question: str, retriever: Retriever = retriever) -> list[int]:
            return ranks_by_document(retriever.search(question, k=100))

        accented = article_metrics(ranked, data.questions, data.gold)
        latency = (time.perf_counter() - started) / len(data.questions) * 1000
        plain = article_metrics(ranked, unaccented, data.gold)
        mark = " *" if weight == DEFAULT_DENSE_WEIGHT else ""
        rows.append(
            (
                label + mark,
                f"{accented[0]:.2f}",
                f"{accented[1]:.3f}",
                f"{plain[0]:.2f}",
                f"{plain[1]:.3f}",
                f"{latency:.0f}",
            )
        )
    table("ALQAC through Retriever.search (product tokens and k1; w = dense weight)", (*header, "ms/query"), rows)


# ---------------------------------------------------------------- 3. not in the materials


def not_in_materials(folder: Path, embedder: Embedder, coverages: list[float]) -> None:
    """Section 3."""
    spec = json.loads((folder / "questions.json").read_text(encoding="utf-8"))
    files = sorted({question["document"] for question in spec["questions"]})
    pages = [
        Page(doc_id, 1, page.page, page.text)
        for doc_id, name in enumerate(files)
        for page in extract_pages(folder / name)
    ]
    retriever = Retriever.build(chunk_pages(pages, embedder.count_tokens), embedder)
    rows = []
    refused = 0
    unrelated_coverages = []
    for question in UNRELATED:
        hits = retriever.search(question, k=5)
        reply = answer(question, hits, language="vi" if any(ord(ch) > 127 for ch in question) else "en")
        unrelated_coverages.append(max((hit.coverage for hit in hits), default=0.0))
        refused += not reply.found
        rows.append((question, f"{unrelated_coverages[-1]:.2f}", "no" if not reply.found else "FOUND", reply.text[:60]))
    table(
        f"\n== 3. Not in the materials: {refused}/{len(UNRELATED)} answered found=False",
        ("question", "coverage", "found", "answer"),
        rows,
    )
    print(
        f"\ncoverage: vi-dev questions min {min(coverages):.2f}, unrelated max {max(unrelated_coverages):.2f}; "
        f"MIN_COVERAGE {MIN_COVERAGE} sits between them"
    )


# ---------------------------------------------------------------- 4. scale


def lexical_scale(folder: Path, count: int = 100_000) -> None:
    """Section 4: tokenising and rebuilding BM25 over `count` chunks of ALQAC text (sampled with repeats)."""
    data = load_alqac(folder)
    passages = []
    for page in data.pages:
        words = page.text.split()
        passages.extend(" ".join(words[first : first + 80]) for first in range(0, len(words), 80))
    sample = [passages[i] for i in np.random.default_rng(0).integers(0, len(passages), count)]
    index = LexicalIndex()
    started = time.perf_counter()
    index.append(sample)
    tokenised = time.perf_counter() - started
    alive = np.ones(count, dtype=bool)
    started = time.perf_counter()
    index.scores("cai nghiện ma túy", alive)
    rebuilt = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(20):
        index.scores("người nghiện ma túy từ đủ 18 tuổi bị đưa vào cơ sở cai nghiện bắt buộc", alive)
    query = (time.perf_counter() - started) / 20 * 1000
    table(
        f"\n== 4. Lexical index at {count:,} chunks",
        ("step", "time"),
        [
            ("tokenise (once per chunk, at add)", f"{tokenised:.1f} s"),
            ("BM25 rebuild (after add/remove)", f"{rebuilt:.1f} s"),
            ("BM25 scores per query", f"{query:.1f} ms"),
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
