"""Document summaries: the key sentences, chosen by centrality with MMR for diversity, cited by page."""

from __future__ import annotations

import math
from collections import Counter
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]

from assistant.answer import Citation, snippet
from assistant.chunk import Page
from assistant.embed import Embedder
from assistant.text import lexical_tokens, sentences

MMR_LAMBDA = 0.7
"""Weight of centrality against novelty when picking the next sentence (1: centrality only)."""
MIN_WORDS = 6
"""Shorter sentences (headings, captions, page furniture) are never key sentences."""
MAX_WORDS = 80

Matrix: TypeAlias = "sparse.csr_matrix | npt.NDArray[np.float32]"


def summarise(pages: list[Page], k: int = 5, embedder: Embedder | None = None) -> list[Citation]:
    """The `k` key sentences of `pages` in document order, each cited by its page.

    A sentence's centrality is its cosine similarity with the whole document (TF-IDF over the BM25
    terms, or `embedder` vectors when given); maximal marginal relevance then trades centrality for
    novelty so the summary does not repeat itself. `Citation.score` is the centrality.
    """
    candidates = [
        (page, start, end)
        for page in pages
        for start, end in sentences(page.text)
        if MIN_WORDS <= len(page.text[start:end].split()) <= MAX_WORDS
    ]
    if not candidates or k <= 0:
        return []
    texts = [page.text[start:end] for page, start, end in candidates]
    vectors = _embedded(texts, embedder) if embedder is not None else _tfidf(texts)
    centroid = np.asarray(vectors.mean(axis=0)).ravel()
    norm = float(np.linalg.norm(centroid))
    centrality = np.asarray(vectors @ (centroid / norm if norm else centroid)).ravel()
    chosen = _mmr(vectors, centrality, k)
    citations = []
    for index in sorted(chosen, key=lambda i: (candidates[i][0].page, candidates[i][1])):
        page, start, end = candidates[index]
        citations.append(
            Citation(
                doc_id=page.doc_id,
                page=page.page,
                # the sentence alone (cut to a window if very long): neighbours would overlap other key sentences
                snippet=snippet(page.text[start:end], 0, end - start),
                score=round(float(centrality[index]), 4),
                chunk_id=f"{page.doc_id}:{page.version}:{page.page}:{start}",
            )
        )
    return citations


def _mmr(vectors: Matrix, centrality: npt.NDArray[np.floating], k: int) -> list[int]:
    chosen: list[int] = []
    closest = np.zeros(len(centrality))  # each sentence's similarity to its nearest chosen one
    for _ in range(min(k, len(centrality))):
        gain = MMR_LAMBDA * centrality - (1 - MMR_LAMBDA) * closest
        gain[chosen] = -np.inf
        best = int(np.argmax(gain))
        chosen.append(best)
        similarity = np.asarray(vectors @ _row(vectors, best)).ravel()
        closest = np.maximum(closest, similarity)
    return chosen


def _row(vectors: Matrix, index: int) -> npt.NDArray[np.float32]:
    row = vectors[index]
    return np.asarray(row.toarray() if sparse.issparse(row) else row, dtype=np.float32).ravel()


def _embedded(texts: list[str], embedder: Embedder) -> npt.NDArray[np.float32]:
    return embedder.encode(texts)


def _tfidf(texts: list[str]) -> sparse.csr_matrix:
    """Rows of L2-normalised TF-IDF (sublinear TF) over the BM25 terms of each text."""
    counts = [Counter(lexical_tokens(text)) for text in texts]
    vocabulary: dict[str, int] = {}
    for count in counts:
        for term in count:
            vocabulary.setdefault(term, len(vocabulary))
    frequency = Counter(term for count in counts for term in count)
    idf = {term: math.log((1 + len(texts)) / (1 + seen)) + 1 for term, seen in frequency.items()}
    rows, columns, values = [], [], []
    for row, count in enumerate(counts):
        weights = {term: (1 + math.log(times)) * idf[term] for term, times in count.items()}
        norm = math.sqrt(sum(weight * weight for weight in weights.values())) or 1.0
        for term, weight in weights.items():
            rows.append(row)
            columns.append(vocabulary[term])
            values.append(weight / norm)
    return sparse.csr_matrix(
        (np.asarray(values, dtype=np.float32), (rows, columns)), shape=(len(texts), len(vocabulary))
    )
