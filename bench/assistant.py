"""Assistant speed: ask latency at 1k-100k chunks and indexing throughput, each next to a ceiling from the same run.

Usage::

    .venv/bin/python bench/assistant.py [--sizes 1000,10000,100000] [--queries 50] [--index-chunks 1500]
                                        [--data ../shared/data] [--threads N]

Method
------
1. Indexing throughput. About ``--index-chunks`` real chunks: the pages of the two vi-dev PDFs
   (``documents.extract.extract_pages``) topped up with ALQAC law articles (first the gold articles of
   the questions part 2 asks, then a seeded sample; five articles a document, one article a page).
   Ceiling: the bundled model loaded straight through sentence-transformers, ``model.encode(texts,
   batch_size=64, normalize_embeddings=True)`` on the chunk texts. Product, on the same pages:
   ``chunk_pages`` (the embedder's ``count_tokens``), ``Retriever.add`` (words), ``embedder.encode``,
   ``Retriever.add_vectors``, ``refresh`` (BM25 and FAISS) and ``save`` into a fresh temporary directory.
   Ceiling and product run alternately, twice each, best of each, with the same torch threads, after
   one unmeasured warm-up encode of each model.

2. Ask latency. An ask is what the server does for a question: ``Retriever.search(question, k=20,
   allowed=<doc ids the asker may read>)`` then ``assistant.answer.answer(question, hits, limit=5)``, with the
   real bundled model encoding the question. Corpus: the ALQAC chunks of part 1 (real text, real
   vectors: nothing is encoded again) sampled with repeats into documents of about 20 chunks, one
   article a page; each copy of a page gets its digits permuted (same length, so the chunk offsets
   still hold) and its vectors jittered (Gaussian noise, cosine ~0.9 to the original, re-normalised).
   The first copy of every chunk keeps its text and vector as they are. Build time = ``Retriever.build``
   with the vectors given (tokenising) + FAISS (exact up to 50k vectors, HNSW above) + BM25.
   Questions: ALQAC train questions, each as written and accent-folded (``assistant.text.fold``),
   after five warm-up asks. Scopes: every document (the set of all doc ids) and a seeded 30% of them
   (the documents of "this user's meetings"). Per question, the raw ``embedder.encode([q])`` (the
   ceiling: an ask cannot be faster than encoding its question) is timed just before the ask; a thin
   wrapper around the embedder also times the ask's own encoding, so "rest" (the ask less it: ranking,
   context, coverage, answer) comes from the same call and is not blurred by load between two calls.
   p99 over 50 questions is close to the maximum.

The machine is shared: the CPU busy share of other processes just before the run is printed, and when
it is high the figures are pessimistic. It always exits 0: it prints PASS/FAIL per target instead.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant import dense  # noqa: E402
from assistant.answer import answer  # noqa: E402
from assistant.chunk import Chunk, Page, chunk_pages  # noqa: E402
from assistant.embed import SentenceTransformerEmbedder, default_model_path  # noqa: E402
from assistant.retriever import Retriever  # noqa: E402
from assistant.text import fold  # noqa: E402
from documents.extract import extract_pages  # noqa: E402

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

ASK_LIMIT = 5  # AskRequest.limit's default: citations an ask returns
ASK_K = 20  # server.assistant.service.retrieved(ASK_LIMIT): passages retrieved per question
CHUNKS_PER_DOC = 20
VISIBLE_SHARE = 0.3
ARTICLES_PER_DOC = 5  # indexing material: ALQAC articles per document
WARMUP_ASKS = 5
JITTER = 0.025  # per-dimension noise on a unit 384-d vector: cosine ~ 1 / sqrt(1 + 384 * JITTER**2) ~ 0.9
ENCODE_BATCH = 64
SEED = 0

TARGET_ASK_P50_MS = 150.0  # at 100k chunks
TARGET_INDEX_RATIO = 1.3

Vectors = npt.NDArray[np.float32]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# ---------------------------------------------------------------- material


@dataclass
class Alqac:
    articles: list[str]
    questions: list[str]
    gold: list[list[int]]
    """Per question, the indexes of the articles that answer it."""


def load_alqac(folder: Path) -> Alqac:
    """ALQAC's law articles (text, in file order) and its questions with their gold articles."""
    laws = json.loads((folder / "law.json").read_text(encoding="utf-8"))
    keys = [(law["id"], article["id"]) for law in laws for article in law["articles"]]
    where = {key: index for index, key in enumerate(keys)}
    questions = json.loads((folder / "train.json").read_text(encoding="utf-8"))
    return Alqac(
        articles=[article["text"] for law in laws for article in law["articles"]],
        questions=[question["text"] for question in questions],
        gold=[[where[(item["law_id"], item["article_id"])] for item in q["relevant_articles"]] for q in questions],
    )


@dataclass
class Material:
    pages: list[Page]
    vi_dev_pages: int
    articles: int
    first_article_doc: int
    """Doc ids from here on hold ALQAC articles (below: the vi-dev PDFs)."""


def indexing_material(data: Path, alqac: Alqac, asked: int, count: int, count_tokens: Callable[[str], int]) -> Material:
    """The vi-dev PDFs' pages, then ALQAC articles until they chunk into at least `count` chunks: first the
    gold articles of the first `asked` questions (so the asks of part 2 find their answer), then a sample."""
    pages = [
        Page(doc_id=doc_id, version=1, page=page.page, text=page.text)
        for doc_id, path in enumerate(sorted((data / "vi-dev").glob("*.pdf")))
        for page in extract_pages(path)
    ]
    vi_dev = len(pages)
    first_doc = len({page.doc_id for page in pages})
    total = len(chunk_pages(pages, count_tokens))
    articles = alqac.articles
    order = list(range(len(articles)))
    random.Random(SEED).shuffle(order)
    gold = list(dict.fromkeys(index for indexes in alqac.gold[:asked] for index in indexes))
    chosen = set(gold)
    order = gold + [index for index in order if index not in chosen]
    taken = 0
    for index in order:
        if total >= count:
            break
        page = Page(first_doc + taken // ARTICLES_PER_DOC, 1, taken % ARTICLES_PER_DOC + 1, articles[index])
        total += len(chunk_pages([page], count_tokens))
        pages.append(page)
        taken += 1
    return Material(pages, vi_dev, taken, first_doc)


# ---------------------------------------------------------------- 1. indexing throughput


@dataclass
class Indexed:
    seconds: float
    steps: dict[str, float]
    chunks: list[Chunk]
    vectors: Vectors
    first_article_doc: int = 0


def ceiling_encode(model: SentenceTransformer, texts: list[str]) -> float:
    """Seconds for sentence-transformers itself to encode `texts`."""
    started = time.perf_counter()
    model.encode(
        texts, batch_size=ENCODE_BATCH, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    return time.perf_counter() - started


def product_index(pages: list[Page], embedder: SentenceTransformerEmbedder, directory: Path) -> Indexed:
    """The product's indexing path for `pages`, timed step by step."""
    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name] = now - clock
        clock = now

    started = clock
    chunks = chunk_pages(pages, embedder.count_tokens)
    step("chunk")
    retriever = Retriever(embedder)
    retriever.add(chunks)
    step("add (tokenise)")
    vectors = embedder.encode([chunk.text for chunk in chunks])
    step("encode")
    retriever.add_vectors([chunk.id for chunk in chunks], vectors)
    step("add_vectors")
    retriever.refresh()
    step("refresh")
    retriever.save(directory)
    step("save")
    return Indexed(time.perf_counter() - started, steps, chunks, vectors)


def indexing(data: Path, alqac: Alqac, asked: int, count: int, embedder: SentenceTransformerEmbedder) -> Indexed:
    """Section 1; returns the best product run (its chunks and vectors seed section 2)."""
    from sentence_transformers import SentenceTransformer

    material = indexing_material(data, alqac, asked, count, embedder.count_tokens)
    pages = material.pages
    texts = [chunk.text for chunk in chunk_pages(pages, embedder.count_tokens)]
    model = SentenceTransformer(str(default_model_path()), device="cpu")
    model.encode(texts[:ENCODE_BATCH], batch_size=ENCODE_BATCH, normalize_embeddings=True, show_progress_bar=False)
    embedder.encode(texts[:ENCODE_BATCH])
    ceilings: list[float] = []
    runs: list[Indexed] = []
    with tempfile.TemporaryDirectory() as folder:
        for attempt in range(2):
            ceilings.append(ceiling_encode(model, texts))
            runs.append(product_index(pages, embedder, Path(folder) / f"index-{attempt}"))
    del model
    ceiling = min(ceilings)
    best = min(runs, key=lambda run: run.seconds)
    ratio = best.seconds / ceiling
    print(
        f"\n== 1. Indexing {len(texts):,} chunks: {material.vi_dev_pages} vi-dev pages + "
        f"{material.articles} ALQAC articles (best of {len(runs)}, alternating)"
    )
    print(f"{'':44} {'seconds':>8} {'chunks/s':>9}")
    print(f"{'raw model.encode, batch 64 (ceiling)':44} {ceiling:8.2f} {len(texts) / ceiling:9.1f}")
    print(f"{'product: chunk + add + encode + refresh + save':44} {best.seconds:8.2f} {len(texts) / best.seconds:9.1f}")
    print(f"ratio product / ceiling {ratio:.2f}, target ≤ {TARGET_INDEX_RATIO}: {verdict(ratio <= TARGET_INDEX_RATIO)}")
    print("all runs (s): ceiling " + ", ".join(f"{s:.2f}" for s in ceilings), end="; ")
    print("product " + ", ".join(f"{run.seconds:.2f}" for run in runs))
    print("best product run by step (s): " + ", ".join(f"{name} {s:.2f}" for name, s in best.steps.items()))
    best.first_article_doc = material.first_article_doc
    return best


# ---------------------------------------------------------------- 2. ask latency


@dataclass
class Unit:
    """One page's chunks (offsets into that page) and their vectors: what a synthetic page copies."""

    chunks: list[Chunk]
    vectors: Vectors


def units_of(indexed: Indexed) -> list[Unit]:
    """The ALQAC pages of section 1, one unit a page."""
    rows: dict[tuple[int, int], list[int]] = {}
    for row, chunk in enumerate(indexed.chunks):
        if chunk.doc_id >= indexed.first_article_doc:
            rows.setdefault((chunk.doc_id, chunk.page), []).append(row)
    return [Unit([indexed.chunks[row] for row in group], indexed.vectors[group]) for group in rows.values()]


def synthetic_corpus(units: list[Unit], size: int) -> tuple[list[Chunk], Vectors]:
    """`size` chunks in documents of about CHUNKS_PER_DOC, pages copied from `units` with repeats.

    Every unit is used once as it is before any is repeated; a repeat permutes the page's digits and
    jitters its vectors.
    """
    rng = np.random.default_rng(SEED)
    chunks: list[Chunk] = []
    vectors: list[Vectors] = []
    doc_id, page, in_doc, copies = 0, 0, 0, 0
    while len(chunks) < size:
        for index in rng.permutation(len(units)):
            if len(chunks) >= size:
                break
            if in_doc >= CHUNKS_PER_DOC:
                doc_id, page, in_doc = doc_id + 1, 0, 0
            page += 1
            unit = units[int(index)]
            taken = unit.chunks[: size - len(chunks)]
            digits = str.maketrans("0123456789", "".join(map(str, rng.permutation(10)))) if copies else {}
            chunks.extend(
                replace(
                    chunk,
                    id=f"{doc_id}:1:{page}:{chunk.start}",
                    doc_id=doc_id,
                    version=1,
                    page=page,
                    text=chunk.text.translate(digits),
                )
                for chunk in taken
            )
            block = unit.vectors[: len(taken)]
            if copies:
                block = block + rng.normal(0.0, JITTER, block.shape).astype(np.float32)
                block /= np.linalg.norm(block, axis=1, keepdims=True)
            vectors.append(block.astype(np.float32))
            in_doc += len(taken)
        copies += 1
    return chunks, np.ascontiguousarray(np.concatenate(vectors), dtype=np.float32)


class TimedEmbedder:
    """The product's embedder, also adding up the seconds spent in its `encode` (so an ask's own query
    encoding can be told apart from the rest of it, measured in the same call)."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.seconds = 0.0

    def encode(self, texts: list[str]) -> Vectors:
        started = time.perf_counter()
        vectors = self.inner.encode(texts)
        self.seconds += time.perf_counter() - started
        return vectors

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


@dataclass
class Built:
    retriever: Retriever
    steps: dict[str, float]


def build_index(chunks: list[Chunk], vectors: Vectors, embedder: TimedEmbedder) -> Built:
    """Retriever.build with the vectors given, then FAISS and BM25 brought up to date, each timed."""
    started = time.perf_counter()
    retriever = Retriever.build(chunks, embedder, vectors=vectors)
    built = time.perf_counter()
    assert retriever._dense is not None
    retriever._dense.export()  # FAISS: what the first search (or refresh) would build
    faiss_done = time.perf_counter()
    retriever.refresh()  # BM25 (FAISS is current by now)
    done = time.perf_counter()
    steps = {"tokenise": built - started, "FAISS": faiss_done - built, "BM25": done - faiss_done}
    return Built(retriever, steps)


def dense_path(retriever: Retriever, allowed: set[int]) -> str:
    """Which search DenseIndex.search takes for `allowed` (mirrors its condition)."""
    assert retriever._dense is not None
    kind = retriever._dense.kind
    visible = int(np.isin([chunk.doc_id for chunk in retriever.chunks()], list(allowed)).sum())
    if visible < len(retriever) and (visible <= dense.HNSW_THRESHOLD or kind == "flat"):
        return f"exact over {visible:,}"
    return f"{kind}" + (" filtered" if visible < len(retriever) else "")


@dataclass
class Timings:
    encode: list[float] = field(default_factory=list)
    """The ceiling: raw embedder.encode([question]), just before the ask."""
    ask: list[float] = field(default_factory=list)
    """search + answer."""
    rest: list[float] = field(default_factory=list)
    """The ask less its own query encoding: ranking, context, coverage and the answer."""
    answer: list[float] = field(default_factory=list)
    found: int = 0


def measure(
    retriever: Retriever, embedder: TimedEmbedder, questions: list[str], warmup: list[str], allowed: set[int]
) -> Timings:
    for question in warmup:
        embedder.encode([question])
        answer(question, retriever.search(question, k=ASK_K, allowed=allowed), limit=ASK_LIMIT)
    timings = Timings()
    for question in questions:
        started = time.perf_counter()
        embedder.inner.encode([question])
        timings.encode.append(time.perf_counter() - started)
        embedder.seconds = 0.0
        started = time.perf_counter()
        hits = retriever.search(question, k=ASK_K, allowed=allowed)
        searched = time.perf_counter()
        reply = answer(question, hits, limit=ASK_LIMIT)
        done = time.perf_counter()
        timings.ask.append(done - started)
        timings.rest.append(done - started - embedder.seconds)
        timings.answer.append(done - searched)
        timings.found += reply.found
    return timings


def ask_latency(
    indexed: Indexed,
    sizes: list[int],
    questions: list[str],
    warmup: list[str],
    embedder: TimedEmbedder,
) -> None:
    """Section 2."""
    units = units_of(indexed)
    base = sum(len(unit.chunks) for unit in units)
    print(f"\n== 2. Ask latency: search(k={ASK_K}) + answer, {len(questions)} questions (half accent-folded), ", end="")
    print(f"corpus from {base:,} real ALQAC chunks and their vectors ({len(units)} articles)")
    builds = []
    rows = []
    results: dict[tuple[int, str], Timings] = {}
    for size in sizes:
        chunks, vectors = synthetic_corpus(units, size)
        built = build_index(chunks, vectors, embedder)
        retriever = built.retriever
        doc_ids = sorted(retriever.doc_ids())
        visible = set(random.Random(SEED).sample(doc_ids, max(1, round(VISIBLE_SHARE * len(doc_ids)))))
        assert retriever._dense is not None
        kind = retriever._dense.kind
        builds.append((size, len(doc_ids), kind, built.steps))
        for scope, allowed in (("all", set(doc_ids)), (f"{VISIBLE_SHARE:.0%} docs", visible)):
            timings = measure(retriever, embedder, questions, warmup, allowed)
            results[(size, scope)] = timings
            rows.append((size, scope, dense_path(retriever, allowed), timings))
        del built, retriever, chunks, vectors

    print(f"\nindex build, vectors given (s)\n{'chunks':>8} {'docs':>6} {'FAISS':>6} ", end="")
    print(f"{'tokenise':>9} {'FAISS s':>8} {'BM25 s':>7} {'total s':>8}")
    for size, docs, kind, steps in builds:
        print(
            f"{size:>8,} {docs:>6,} {kind:>6} {steps['tokenise']:>9.2f} {steps['FAISS']:>8.2f} "
            f"{steps['BM25']:>7.2f} {sum(steps.values()):>8.2f}"
        )

    print("\nask latency (ms); ceiling = raw embedder.encode([question]); ratio = ask / encode;")
    print("rest = the ask less its own query encoding (same call); answer = assistant.answer.answer alone")
    head = (
        f"{'chunks':>8} {'scope':<9} {'dense search':<17} {'encode p50':>10} {'p99':>6} {'ask p50':>8} {'p99':>6} "
        f"{'ratio p50':>9} {'p99':>5} {'rest p50':>8} {'p99':>6} {'answer p50':>10} {'found':>5}"
    )
    print(head)
    print("-" * len(head))
    for size, scope, path, t in rows:
        encode, ask, rest = ([1000 * percentile(v, share) for share in (0.5, 0.99)] for v in (t.encode, t.ask, t.rest))
        print(
            f"{size:>8,} {scope:<9} {path:<17} {encode[0]:>10.1f} {encode[1]:>6.1f} {ask[0]:>8.1f} {ask[1]:>6.1f} "
            f"{ask[0] / encode[0]:>8.2f}x {ask[1] / encode[1]:>4.2f}x {rest[0]:>8.1f} {rest[1]:>6.1f} "
            f"{1000 * statistics.median(t.answer):>10.2f} {t.found:>2}/{len(t.ask)}"
        )
    largest = max(sizes)
    worst = max(percentile(results[(largest, scope)].ask, 0.5) for scope in {scope for _, scope in results}) * 1000
    note = "" if largest == 100_000 else f" (target is set at 100,000; largest size run: {largest:,})"
    print(
        f"ask p50 at {largest:,} chunks (worse scope) {worst:.1f} ms, target < {TARGET_ASK_P50_MS:.0f} ms: "
        f"{verdict(worst < TARGET_ASK_P50_MS)}{note}"
    )


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Assistant ask latency and indexing throughput against ceilings.")
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="corpus sizes in chunks (default 1000,10000,100000)"
    )
    parser.add_argument("--queries", type=int, default=50, help="measured questions, half accent-folded (default 50)")
    parser.add_argument("--index-chunks", type=int, default=1500, help="real chunks to index in part 1 (default 1500)")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="the shared test data")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads (default: every core)")
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    alqac = args.data / "alqac-vi-legal-train"
    missing = [
        str(path) for path in (alqac / "law.json", alqac / "train.json", args.data / "vi-dev") if not path.exists()
    ]
    if missing:
        sys.exit(f"missing test material: {missing} (give --data)")
    busy_percent = psutil.cpu_percent(interval=1.0)
    load = os.getloadavg()
    print(f"Assistant speed; {date.today()}, {platform.machine()}, {os.cpu_count()} cores, ", end="")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    busy = "  (other work was running: figures are pessimistic)" if busy_percent > 10 else ""
    print(f"CPU busy just before the run (other processes): {busy_percent:.0f}%{busy}")
    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder()
    import torch

    torch.set_num_threads(args.threads)  # after the embedder, which sets every core: the same for every model
    print(f"model {embedder.name} ({embedder.dimension}-d), loaded in {time.perf_counter() - started:.1f} s; ", end="")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")

    data = load_alqac(alqac)
    half = math.ceil(args.queries / 2)
    indexed = indexing(args.data, data, half, args.index_chunks, embedder)
    questions = [form for question in data.questions[:half] for form in (question, fold(question))][: args.queries]
    warmup = data.questions[-WARMUP_ASKS:]
    ask_latency(indexed, sizes, questions, warmup, TimedEmbedder(embedder))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
