"""Several processes, one search index: what a save costs the writer and a reload costs each reader.

Usage::

    .venv/bin/python bench/index_follow.py [--sizes 10000,100000] [--data ../shared/data]

Method
------
In a scaled-out installation one process (the holder of the ``search-index`` lease) writes the index
directory; every other process loads it again when the writer says it saved (``server/assistant/index.py``).
For each size:

1. Corpus: ALQAC law articles chunked with the bundled model's tokenizer (``chunk_pages``, one article a
   page, 20 chunks a document), repeated with their digits permuted until there are ``size`` chunks. The
   vectors are random unit vectors: a reload reads the saved FAISS index and never encodes, so their
   values do not change what is timed (the writer's first HNSW build is setup and not timed).
2. The writer builds and saves the index; a reader loads it (``Retriever.load`` then ``refresh``).
3. One document arrives: the writer adds its 20 chunks with their vectors, refreshes (BM25 and FAISS) and
   saves. That is the writer's cost of a document.
4. The reader loads the new save two ways, three times each, alternately, best of each:
   - fresh: ``Retriever.load(directory)`` + ``refresh()``, how a reader reloaded before (every chunk
     tokenised again);
   - following: ``Retriever.load(directory, previous=<the reader's index>)`` + ``refresh()``, what the
     server does now (only chunks it did not hold are tokenised; BM25 is rebuilt in the reload's thread).
   Ceiling: ``assistant.store.read`` alone, the files parsed and nothing built, which no reload can beat.
   Both loads must rank five questions identically (checked, not timed).

It always exits 0 and prints the figures; the server's searches keep using the old index while a reload
runs, so a reload's length is how stale a reader can be, not a pause.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant import store  # noqa: E402
from assistant.chunk import Chunk, Page, chunk_pages  # noqa: E402
from assistant.embed import SentenceTransformerEmbedder  # noqa: E402
from assistant.retriever import Retriever  # noqa: E402
from bench.assistant import load_alqac  # noqa: E402

CHUNKS_PER_DOC = 20
TRIES = 3
SEED = 0
QUESTIONS = 5


def corpus(articles: list[Chunk], size: int, rng: np.random.Generator) -> list[Chunk]:
    """`size` chunks: the article chunks in documents of CHUNKS_PER_DOC, repeats with their digits permuted."""
    chunks: list[Chunk] = []
    copies = 0
    while len(chunks) < size:
        digits = str.maketrans("0123456789", "".join(map(str, rng.permutation(10)))) if copies else {}
        for chunk in articles[: size - len(chunks)]:
            row = len(chunks)
            doc_id, page = row // CHUNKS_PER_DOC, row % CHUNKS_PER_DOC + 1
            text = chunk.text.translate(digits)
            chunks.append(replace(chunk, id=f"{doc_id}:1:{page}:0", doc_id=doc_id, page=page, text=text))
        copies += 1
    return chunks


def unit_vectors(count: int, dimension: int, rng: np.random.Generator) -> npt.NDArray[np.float32]:
    vectors = rng.normal(size=(count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def timed(work: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def ranking(retriever: Retriever, question: str) -> list[str]:
    return [hit.chunk.id for hit in retriever.search(question, k=8)]


def loaded(directory: Path, embedder: SentenceTransformerEmbedder, previous: Retriever | None) -> Retriever:
    retriever = Retriever.load(directory, embedder, previous=previous)
    retriever.refresh()
    return retriever


def one_size(
    size: int, articles: list[Chunk], questions: list[str], embedder: SentenceTransformerEmbedder
) -> dict[str, float]:
    rng = np.random.default_rng(SEED)
    chunks = corpus(articles, size, rng)
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder) / "index"
        writer = Retriever.build(chunks, embedder, vectors=unit_vectors(len(chunks), embedder.dimension, rng))
        writer.refresh()
        save_seconds, _ = timed(lambda: writer.save(directory))
        first_load, reader = timed(lambda: loaded(directory, embedder, None))
        assert isinstance(reader, Retriever)

        doc_id = len(chunks) // CHUNKS_PER_DOC + 1
        digits = str.maketrans("0123456789", "9876543210")
        document = [
            replace(chunk, id=f"{doc_id}:1:{row + 1}:0", doc_id=doc_id, page=row + 1, text=chunk.text.translate(digits))
            for row, chunk in enumerate(articles[-CHUNKS_PER_DOC:])
        ]

        def add_document() -> None:
            writer.add(document, unit_vectors(len(document), embedder.dimension, rng))
            writer.refresh()
            writer.save(directory)

        writer_seconds, _ = timed(add_document)

        ceilings, fresh_times, following_times = [], [], []
        fresh = following = reader
        for _ in range(TRIES):
            ceilings.append(timed(lambda: store.read(directory, embedder.name, embedder.dimension))[0])
            seconds, fresh = timed(lambda: loaded(directory, embedder, None))
            fresh_times.append(seconds)
            seconds, following = timed(lambda: loaded(directory, embedder, reader))
            following_times.append(seconds)
        assert isinstance(fresh, Retriever) and isinstance(following, Retriever)
        same = all(ranking(fresh, question) == ranking(following, question) for question in questions)
        found = doc_id in following.doc_ids()
    return {
        "chunks": len(chunks),
        "save": save_seconds,
        "first_load": first_load,
        "writer_document": writer_seconds,
        "ceiling": min(ceilings),
        "fresh": min(fresh_times),
        "following": min(following_times),
        "same": float(same and found),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Search index: a writer's save and a reader's reload, by size.")
    parser.add_argument("--sizes", default="10000,100000", help="index sizes in chunks (default 10000,100000)")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="the shared test data")
    args = parser.parse_args()
    folder = args.data / "alqac-vi-legal-train"
    if not (folder / "law.json").exists():
        sys.exit(f"missing test material: {folder / 'law.json'} (give --data)")
    busy = psutil.cpu_percent(interval=1.0)
    load = os.getloadavg()
    print(f"Search index shared by processes; {date.today()}, {platform.machine()}, {os.cpu_count()} cores, ", end="")
    print(f"load average {load[0]:.2f}; CPU busy before the run {busy:.0f}%")
    embedder = SentenceTransformerEmbedder()
    alqac = load_alqac(folder)
    pages = [Page(doc_id=0, version=1, page=index + 1, text=text) for index, text in enumerate(alqac.articles)]
    articles = chunk_pages(pages, embedder.count_tokens)
    questions = alqac.questions[:QUESTIONS]
    print(f"{len(alqac.articles)} ALQAC articles -> {len(articles)} chunks, repeated to each size\n")
    print(
        "| chunks | writer: one document (add + BM25 + save) | reader: fresh load | reader: following load "
        "| ceiling (read files) | following / ceiling | fresh / following | same ranking |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size in (int(value) for value in args.sizes.split(",") if value.strip()):
        r = one_size(size, articles, questions, embedder)
        print(
            f"| {int(r['chunks']):,} | {r['writer_document']:.2f} s | {r['fresh']:.2f} s | {r['following']:.2f} s "
            f"| {r['ceiling']:.2f} s | {r['following'] / r['ceiling']:.2f} | {r['fresh'] / r['following']:.2f} "
            f"| {'yes' if r['same'] else 'NO'} |",
            flush=True,
        )
        print(f"  (setup: first save {r['save']:.2f} s, first load {r['first_load']:.2f} s)", flush=True)


if __name__ == "__main__":
    main()
