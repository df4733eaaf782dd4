"""The lexical half of retrieval: BM25 (the `bm25s` library) over Vietnamese-aware terms.

Rows are the retriever's rows (append-only, with dead rows left to the caller's mask until it
compacts). The BM25 matrix is rebuilt lazily, at the first search after a change: with every row's
term ids kept, that is one pass of bm25s over integer arrays (see bench/assistant_eval.py for the
time at 100k chunks).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import bm25s  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

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


class LexicalIndex:
    """BM25 over the rows' terms, with term ids kept per row so rebuilding never re-tokenises."""

    def __init__(self, *, k1: float = DEFAULT_K1, b: float = DEFAULT_B, tokenize: Tokenizer = lexical_tokens) -> None:
        """An empty index scoring with BM25 `k1` and `b` over the terms `tokenize` gives."""
        self.k1 = k1
        self.b = b
        self.tokenize = tokenize
        self._vocab: dict[str, int] = {}
        self._terms: list[npt.NDArray[np.int32]] = []
        self._distinct: list[npt.NDArray[np.int32]] = []
        self._bm25: bm25s.BM25 | None = None
        self._indexed_rows: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._document_frequency: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._stale = True

    def __len__(self) -> int:
        return len(self._terms)

    def append(self, texts: Iterable[str]) -> None:
        """Add one row per text (tokenised now; the BM25 matrix follows at the next search)."""
        for text in texts:
            ids = [self._vocab.setdefault(term, len(self._vocab)) for term in self.tokenize(text)]
            terms = np.asarray(ids, dtype=np.int32)
            self._terms.append(terms)
            self._distinct.append(np.unique(terms))
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
        self._distinct = [np.unique(row_terms) for row_terms in self._terms]
        self._stale = True

    def scores(self, query: str, alive: npt.NDArray[np.bool_]) -> Floats:
        """BM25 of `query` for every row (0 for rows not `alive` and for terms no row holds)."""
        self._refresh(alive)
        scores = np.zeros(len(self._terms), dtype=np.float32)
        ids = self.query_ids(query)
        if self._bm25 is None or not ids:
            return scores
        # ids outside the vocabulary never get here: bm25s fails on them
        scores[self._indexed_rows] = self._bm25.get_scores_from_ids(ids)
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
        if not self._stale:
            return
        self._indexed_rows = np.flatnonzero(alive[: len(self._terms)]).astype(np.int64)
        corpus = [self._terms[row].tolist() for row in self._indexed_rows]
        self._document_frequency = np.zeros(len(self._vocab), dtype=np.int64)
        if corpus and self._vocab:
            self._document_frequency = np.bincount(
                np.concatenate([self._distinct[row] for row in self._indexed_rows]), minlength=len(self._vocab)
            )
            bm25 = bm25s.BM25(k1=self.k1, b=self.b, csc_backend="scipy")
            # a copy: bm25s adds its "" token to the dict it is given
            bm25.index((corpus, dict(self._vocab)), create_empty_token=False, show_progress=False)
            self._bm25 = bm25
        else:
            self._bm25 = None
        self._stale = False
