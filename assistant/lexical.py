"""The lexical half of retrieval: BM25 (Lucene's variant) over Vietnamese-aware terms.

Rows are the retriever's rows (append-only, with dead rows left to the caller's mask until it
compacts). Each row keeps its term ids and their counts, so the postings are rebuilt lazily, at the
first search after a change, by a few vectorised passes over integer arrays and no tokenising. The
scores are those of the `bm25s` library's "lucene" method, which this replaced: bm25s builds its
matrix with a Python loop per row (two thirds of a reload, 12-20 s at 100k chunks), and a reader
process following the index writer rebuilds after every save (see bench/index_follow.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]

from assistant.text import _fold_word, lexical_tokens, syllables

# Measured on ALQAC train with 120-token chunks (bench/assistant_eval.py): k1 0.5 beats 1.2 by 0.03-0.04
# MRR; b barely matters (0.5-0.9 within 0.005).
DEFAULT_K1 = 0.5
DEFAULT_B = 0.75

# Words that make a sentence a question rather than say what it is about; they are left out of the
# coverage measure (they rarely occur in the materials, so they would look like unmatched rare terms).
_QUESTION_WORDS = """
    bao nhieu gi nao ai sao khong chua hay hoac la co cua va cac nhung duoc nhu the thi nay cho biet
    what which who whom whose when where why how many much is are was were do does did the a an of to in on
    for and or by with from at as be been it its this that these those about there please tell me i we
"""
QUESTION_WORDS = frozenset(_QUESTION_WORDS.split())
"""Accent-folded. Only words that are rarely content: "đá" (bóng đá) or "vé" fold to words that would be."""

Floats = npt.NDArray[np.float32]
Tokenizer = Callable[[str], list[str]]
Row = tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.int32]]
"""A row's term ids in text order, its distinct term ids, and how often each of those occurs."""


class LexicalIndex:
    """BM25 over the rows' terms, with term ids kept per row so rebuilding never re-tokenises."""

    def __init__(self, *, k1: float = DEFAULT_K1, b: float = DEFAULT_B, tokenize: Tokenizer = lexical_tokens) -> None:
        """An empty index scoring with BM25 `k1` and `b` over the terms `tokenize` gives."""
        self.k1 = k1
        self.b = b
        self.tokenize = tokenize
        self._vocab: dict[str, int] = {}
        self._terms: list[npt.NDArray[np.int32]] = []  # each row's term ids in text order (its length)
        self._distinct: list[npt.NDArray[np.int32]] = []  # each row's distinct term ids
        self._counts: list[npt.NDArray[np.int32]] = []  # how often each of those occurs in the row
        self._indexed_rows: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._document_frequency: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        # postings by term: entries indptr[t]:indptr[t + 1] of posting_rows / posting_scores are term t's
        self._indptr: npt.NDArray[np.int64] = np.zeros(1, dtype=np.int64)
        self._posting_rows: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        self._posting_scores: Floats = np.zeros(0, dtype=np.float32)
        self._stale = True

    def __len__(self) -> int:
        return len(self._terms)

    def append(self, texts: Iterable[str]) -> None:
        """Add one row per text (tokenised now; the BM25 matrix follows at the next search)."""
        for text in texts:
            ids = [self._vocab.setdefault(term, len(self._vocab)) for term in self.tokenize(text)]
            terms = np.asarray(ids, dtype=np.int32)
            distinct, counts = np.unique(terms, return_counts=True)
            self._terms.append(terms)
            self._distinct.append(distinct.astype(np.int32))
            self._counts.append(counts.astype(np.int32))
        self._stale = True

    def terms_of(self) -> tuple[dict[str, int], list[Row]]:
        """The vocabulary and every row's terms (all, distinct, counts), for `adopt` by another index."""
        return dict(self._vocab), list(zip(self._terms, self._distinct, self._counts, strict=True))

    def adopt(self, vocabulary: dict[str, int]) -> None:
        """Start an empty index from another's vocabulary (`terms_of`), so its rows can be taken as they
        are by `append_terms` instead of being tokenised again."""
        if self._terms:
            raise ValueError("only an empty index adopts a vocabulary")
        self._vocab = dict(vocabulary)

    def append_terms(self, row: Row) -> None:
        """Add one row already tokenised under this index's (adopted) vocabulary (from `terms_of`)."""
        terms, distinct, counts = row
        self._terms.append(terms)
        self._distinct.append(distinct)
        self._counts.append(counts)
        self._stale = True

    def invalidate(self) -> None:
        """Rows died: rebuild the BM25 matrix at the next search."""
        self._stale = True

    def compact(self, keep: npt.NDArray[np.int64]) -> None:
        """Keep only rows `keep` (in that order), renumbered from 0, and drop terms no row uses."""
        terms = [self._terms[row] for row in keep]
        used = np.unique(np.concatenate(terms)) if terms else np.zeros(0, dtype=np.int32)
        remap = np.full(len(self._vocab), -1, dtype=np.int32)
        remap[used] = np.arange(len(used), dtype=np.int32)
        self._vocab = {term: int(remap[old]) for term, old in self._vocab.items() if remap[old] >= 0}
        self._terms = [remap[row_terms] for row_terms in terms]
        # one-to-one on the terms kept: a row's distinct terms stay distinct, their counts the same
        self._distinct = [remap[self._distinct[row]] for row in keep]
        self._counts = [self._counts[row] for row in keep]
        self._stale = True

    def scores(self, query: str, alive: npt.NDArray[np.bool_]) -> Floats:
        """BM25 of `query` for every row (0 for rows not `alive` and for terms no row holds)."""
        self._refresh(alive)
        scores = np.zeros(len(self._terms), dtype=np.float32)
        for term in self.query_ids(query):  # a term the query repeats counts each time, as in bm25s
            start, end = self._indptr[term], self._indptr[term + 1]
            # a term's postings name each row once, so this fancy-indexed += adds to no row twice
            scores[self._posting_rows[start:end]] += self._posting_scores[start:end]
        return scores

    def query_ids(self, query: str) -> list[int]:
        """The vocabulary ids of `query`'s terms, unknown terms dropped."""
        return [self._vocab[term] for term in self.tokenize(query) if term in self._vocab]

    def coverage(self, query: str, text: str) -> float:
        """The share of `query`'s content words found in `text`, each word weighted by its IDF.

        Words are compared accent-folded (an unaccented question still covers accented text); question
        words ("bao nhiêu", "là gì", "what") do not count; a word no row holds gets the highest IDF, so
        a question about something absent from the materials covers little.
        """
        words = {_fold_word(word) for word in syllables(query)} - QUESTION_WORDS
        if not words:
            return 0.0
        present = {_fold_word(word) for word in syllables(text)}
        weights = {word: self.idf(word) for word in words}
        total = sum(weights.values())
        return sum(weight for word, weight in weights.items() if word in present) / total if total else 0.0

    def idf(self, term: str) -> float:
        """Lucene BM25 IDF of `term` over the indexed rows (the maximum for an unknown term)."""
        count = len(self._indexed_rows)
        term_id = self._vocab.get(term)
        known = term_id is not None and term_id < len(self._document_frequency)
        frequency = int(self._document_frequency[term_id]) if known and term_id is not None else 0
        return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))

    def _refresh(self, alive: npt.NDArray[np.bool_]) -> None:
        """Rebuild the postings over the rows `alive`: idf(t) * tf / (tf + k1 * (1 - b + b * length / average))."""
        if not self._stale:
            return
        rows = np.flatnonzero(alive[: len(self._terms)]).astype(np.int64)
        vocabulary = len(self._vocab)
        self._indexed_rows = rows
        self._document_frequency = np.zeros(vocabulary, dtype=np.int64)
        self._indptr = np.zeros(vocabulary + 1, dtype=np.int64)
        self._posting_rows = np.zeros(0, dtype=np.int32)
        self._posting_scores = np.zeros(0, dtype=np.float32)
        self._stale = False
        if not len(rows) or not vocabulary:
            return
        sizes = np.fromiter((len(self._distinct[row]) for row in rows), dtype=np.int64, count=len(rows))
        lengths = np.fromiter((len(self._terms[row]) for row in rows), dtype=np.float32, count=len(rows))
        terms = np.concatenate([self._distinct[row] for row in rows])
        frequency = np.concatenate([self._counts[row] for row in rows]).astype(np.float32)
        self._document_frequency = np.bincount(terms, minlength=vocabulary).astype(np.int64)
        frequent = self._document_frequency
        idf = np.log1p((len(rows) - frequent + 0.5) / (frequent + 0.5)).astype(np.float32)
        norm = self.k1 * ((1 - self.b) + self.b * np.repeat(lengths, sizes) / float(lengths.mean()))
        scores = idf[terms] * frequency / (norm + frequency)
        # the entries are grouped by row; scipy's CSR -> CSC conversion regroups them by term in linear time
        by_row = sparse.csr_matrix(
            (scores, terms, np.concatenate([[0], np.cumsum(sizes)])), shape=(len(rows), vocabulary)
        )
        by_term = by_row.tocsc()
        self._posting_rows = rows.astype(np.int32)[by_term.indices]
        self._posting_scores = np.ascontiguousarray(by_term.data, dtype=np.float32)
        self._indptr = by_term.indptr.astype(np.int64)

    def unused_terms(self, alive: npt.NDArray[np.bool_]) -> int:
        """How many vocabulary entries no row `alive` uses (an adopted vocabulary keeps removed rows' terms)."""
        self._refresh(alive)
        return len(self._vocab) - int(np.count_nonzero(self._document_frequency))
