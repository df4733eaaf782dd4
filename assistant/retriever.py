"""Hybrid retrieval: BM25 over Vietnamese-aware terms fused with dense vectors, filtered before ranking.

Rows are append-only: removing a document marks its rows dead (masked out of every search) and the
rows are compacted once a quarter of them are dead, or when the index is saved. Both halves rank
only what the asker may see, so a hidden document never takes one of the k places.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assistant import store
from assistant.chunk import Chunk
from assistant.dense import DenseIndex
from assistant.embed import Embedder
from assistant.lexical import DEFAULT_B, DEFAULT_K1, LexicalIndex
from assistant.structure import chain_keys, named_sections, without_clauses
from assistant.text import fold, syllables

DEFAULT_DENSE_WEIGHT = 0.1
"""Share of the dense score in the fused score, measured with all-MiniLM-L6-v2 by bench/assistant_eval.py: on
ALQAC 0.1 lifts MRR over lexical only (0.927 against 0.917, unaccented 0.922 against 0.917), 0.3 already lowers
it (0.908), 0.5 costs R@5; vi-dev is the same at every weight up to 0.5. A multilingual model may earn more."""
ENGLISH_DENSE_WEIGHT = 0.4
"""Share of the dense score for an English question. all-MiniLM-L6-v2 was trained on English: on 48 QMSum
meetings (bench/discussion_eval.py, 16 of each kind in two sets of 8, 348 questions), with NEIGHBOUR_WEIGHT,
the distinct top 5 passages reach an answering turn for 0.894/0.829/0.952 (product/research/committee) of
one set's questions and 0.915/0.743/0.970 of the other's at 0.4, against 0.872/0.800/0.940 and
0.936/0.686/0.960 at 0.5 and lower at 0.2 and 0.3 on the research meetings."""
NEIGHBOUR_WEIGHT = 0.2
"""Share of a transcript window's score taken from its neighbours (the mean fused score of the windows before
and after it), the rest from its own: a question about a discussion asks where the meeting talks about it for
a while, and a window in the middle of that talk outranks a passing mention elsewhere. A window as good as its
neighbours keeps its score, so transcripts and documents searched together stay on one scale. On the 48 QMSum
meetings it lifts the research meetings' distinct top 5 from 0.771/0.743 to 0.829/0.743 and the committees'
from 0.964/0.960 to 0.952/0.970; a third does no better on any kind."""


def dense_weight_for(language: str, default: float) -> float:
    """The dense share for a question in `language` ("vi"/"en"): `default` (the index's, measured on
    Vietnamese) unless dense search is off (0), ENGLISH_DENSE_WEIGHT for English."""
    if default == 0.0:
        return 0.0
    return ENGLISH_DENSE_WEIGHT if language == "en" else default


CONTEXT_CHARS = 300
CANDIDATES = 100
"""How many of each ranking's best enter the fusion (both scores are then computed exactly for all)."""

Source = int | tuple[str, int]
"""A document id, or ``(kind, id)`` for any kind of chunk (``("document", 3)`` is document 3)."""
Allowed = Callable[[Chunk], bool] | set[int] | frozenset[int] | set[Source] | frozenset[Source] | None
DOCUMENT = "document"
TRANSCRIPT = "transcript"


def source_of(chunk: Chunk) -> tuple[str, int]:
    """The ``(kind, id)`` a chunk belongs to."""
    return (chunk.kind, chunk.doc_id)


def _as_source(source: Source) -> tuple[str, int]:
    return (DOCUMENT, source) if isinstance(source, int) else source


@dataclass(frozen=True)
class SearchHit:
    """One retrieved chunk and its scores."""

    chunk: Chunk
    score: float
    """Fused score in [0, 1]: (1 - w) * lexical / best lexical + w * normalised dense; a transcript window's
    is blended with its neighbours' (NEIGHBOUR_WEIGHT)."""
    lexical: float
    """Raw BM25 score."""
    dense: float
    """Cosine similarity with the query (0 when the chunk has no vector yet or there is no embedder)."""
    coverage: float = 0.0
    """IDF-weighted share of the question's content words found in the chunk: how much evidence it holds."""
    before: str = ""
    """Up to CONTEXT_CHARS of the page's text just before the chunk (from the chunks next to it)."""
    after: str = ""
    """Up to CONTEXT_CHARS of the page's text just after the chunk: where a quoted sentence goes on."""
    named: int = 0
    """How many of the sections the question names ("Điều 143", "mục 2.1") the chunk is in, plus one when
    the question also names its document by title: such hits rank first, and answers quote them first."""


class Retriever:
    """An index of chunks answering `search(query, k, allowed)`; thread-safe."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        dense_weight: float = DEFAULT_DENSE_WEIGHT,
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
    ) -> None:
        """An empty index; without an `embedder` it is lexical only."""
        if not 0.0 <= dense_weight <= 1.0:
            raise ValueError("dense_weight must be within [0, 1]")
        self.embedder = embedder
        self.dense_weight = dense_weight
        self._lexical = LexicalIndex(k1=k1, b=b)
        self._dense = DenseIndex(embedder.dimension) if embedder is not None else None
        self._chunks: list[Chunk] = []
        self._alive: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)
        # each row's source as a small integer code (documents and transcripts share ids, so the kind is in it)
        self._doc_of_row: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._codes: dict[tuple[str, int], int] = {}
        self._row_of: dict[str, int] = {}
        self._sections: dict[tuple[str, str], set[str]] = {}  # see _named_rows
        self._lock = threading.RLock()
        self.saved_id: str | None = None
        """The id of the write this index was last saved as or loaded from (meta.json's ``saved``)."""

    @classmethod
    def build(
        cls,
        chunks: list[Chunk],
        embedder: Embedder | None,
        *,
        dense_weight: float = DEFAULT_DENSE_WEIGHT,
        vectors: npt.NDArray[np.float32] | None = None,
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
    ) -> Retriever:
        """An index of `chunks`, encoded with `embedder` unless their `vectors` are given (None: lexical only)."""
        retriever = cls(embedder, dense_weight=dense_weight, k1=k1, b=b)
        if vectors is None and embedder is not None:
            vectors = embedder.encode([chunk.text for chunk in chunks])
        retriever.add(chunks, vectors)
        return retriever

    def __len__(self) -> int:
        """The number of chunks searched (removed ones excluded)."""
        return int(self._alive.sum())

    @property
    def model(self) -> str | None:
        """The embedding model's name, or None when lexical only."""
        return self.embedder.name if self.embedder is not None else None

    def doc_ids(self, kind: str = DOCUMENT) -> set[int]:
        """The documents (or sources of another `kind`) that have chunks in the index."""
        with self._lock:
            return {c.doc_id for c, alive in zip(self._chunks, self._alive, strict=True) if alive and c.kind == kind}

    def _code(self, source: Source) -> int:
        """The row code of `source`; -1 (matching no row) when it has none."""
        return self._codes.get(_as_source(source), -1)

    def _rows_of(self, source: Source) -> npt.NDArray[np.bool_]:
        return np.asarray(self._alive & (self._doc_of_row == self._code(source)), dtype=bool)

    def chunks(self) -> list[Chunk]:
        """Every chunk in the index, in the order added."""
        with self._lock:
            return [chunk for chunk, alive in zip(self._chunks, self._alive, strict=True) if alive]

    def has_vectors(self, doc_id: int) -> bool:
        """Whether every chunk of `doc_id` has its dense vector (so it ranks with both halves)."""
        with self._lock:
            rows = self._rows_of(doc_id)
            return self._dense is not None and bool(self._dense.has_vector[rows].all())

    def indexed_versions(self) -> dict[int, int]:
        """Each indexed document and the version of it the index holds (the newest, if several)."""
        with self._lock:
            versions: dict[int, int] = {}
            for chunk, alive in zip(self._chunks, self._alive, strict=True):
                if alive and chunk.kind == DOCUMENT:
                    versions[chunk.doc_id] = max(chunk.version, versions.get(chunk.doc_id, 0))
            return versions

    def vector_count(self) -> int:
        """How many of the searched chunks have their dense vector."""
        if self._dense is None:
            return 0
        with self._lock:
            return int(self._dense.has_vector[: len(self._alive)][self._alive].sum())

    def vector_counts(self, kind: str = DOCUMENT) -> dict[int, tuple[int, int]]:
        """Each source of `kind` in the index (its id) with how many of its chunks have their dense vector
        and how many chunks it has."""
        with self._lock:
            alive = self._alive
            codes = self._doc_of_row[alive]
            if self._dense is not None:
                has = self._dense.has_vector[: len(alive)][alive]
            else:
                has = np.zeros(len(codes), dtype=bool)
            size = len(self._codes)
            totals = np.bincount(codes, minlength=size)
            done = np.bincount(codes[has], minlength=size)
            return {
                key: (int(done[code]), int(totals[code]))
                for (source_kind, key), code in self._codes.items()
                if source_kind == kind and totals[code] > 0
            }

    def missing_vectors(self, limit: int) -> list[Chunk]:
        """Up to `limit` chunks still waiting for their dense vector, oldest first (none without an embedder)."""
        if self._dense is None:
            return []
        with self._lock:
            rows = np.flatnonzero(self._alive & ~self._dense.has_vector[: len(self._alive)])[:limit]
            return [self._chunks[row] for row in rows]

    def add(self, chunks: list[Chunk], vectors: npt.NDArray[np.float32] | None = None) -> None:
        """Index `chunks`, searchable at once by their words; `vectors` (one row each) may come later
        through `add_vectors`. A chunk id already present is replaced."""
        if vectors is not None and len(vectors) != len(chunks):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        with self._lock:
            self._kill([self._row_of[chunk.id] for chunk in chunks if chunk.id in self._row_of])
            first = self._append_rows(chunks)
            self._lexical.append(chunk.search_text for chunk in chunks)
            if self._dense is not None:
                self._dense.grow(len(self._chunks))
                if vectors is not None:
                    self._dense.set(np.arange(first, len(self._chunks), dtype=np.int64), vectors)

    def _append_rows(self, chunks: list[Chunk]) -> int:
        """Give `chunks` rows after the last (their lexical and dense halves are the caller's); the first row."""
        first = len(self._chunks)
        self._chunks.extend(chunks)
        self._row_of.update((chunk.id, first + offset) for offset, chunk in enumerate(chunks))
        self._alive = np.concatenate([self._alive, np.ones(len(chunks), dtype=bool)])
        codes = [self._codes.setdefault(source_of(chunk), len(self._codes)) for chunk in chunks]
        self._doc_of_row = np.concatenate([self._doc_of_row, np.asarray(codes, dtype=np.int64)])
        self._index_sections(chunks)
        return first

    def add_vectors(self, chunk_ids: list[str], vectors: npt.NDArray[np.float32]) -> None:
        """Give chunks already added their dense vectors (encoding follows indexing in the background).

        Ids no longer in the index (the document was removed meanwhile) are skipped.
        """
        if self._dense is None:
            raise ValueError("this index has no embedder: it takes no vectors")
        with self._lock:
            known = [(at, self._row_of[chunk_id]) for at, chunk_id in enumerate(chunk_ids) if chunk_id in self._row_of]
            if known:
                positions, rows = (np.asarray(values, dtype=np.int64) for values in zip(*known, strict=True))
                self._dense.set(rows, vectors[positions])

    def replace_page(self, doc_id: int, page: int, chunks: list[Chunk]) -> bool:
        """Put `chunks` in place of the chunks of one page of `doc_id` (a page whose text changed, such as a
        scan read by OCR); False, and nothing touched, when the page already has exactly these chunks (their
        vectors are kept)."""
        with self._lock:
            rows = [int(row) for row in np.flatnonzero(self._rows_of(doc_id)) if self._chunks[row].page == page]
            held = [(self._chunks[row].id, self._chunks[row].search_text) for row in rows]
            if held == [(c.id, c.search_text) for c in chunks]:
                return False
            self._kill(rows)
            self.add(chunks)
            return True

    def remove(self, doc_id: Source) -> None:
        """Drop every chunk of document `doc_id` (all versions), or of a `(kind, id)` source; unknown ids are
        ignored."""
        with self._lock:
            self._kill(np.flatnonzero(self._rows_of(doc_id)).tolist())

    def refresh(self) -> None:
        """Bring the BM25 matrix (and FAISS index) up to date now rather than at the next search.

        A worker calls it after `add`/`remove` so that no asker waits for the rebuild.
        """
        with self._lock:
            self._lexical.scores("", self._alive)
            if self._dense is not None:
                self._dense.export()

    def search(
        self, query: str, k: int = 5, allowed: Allowed = None, *, dense_weight: float | None = None
    ) -> list[SearchHit]:
        """The `k` best chunks for `query` among those `allowed` (document ids and `(kind, id)` sources, or a
        predicate; None: all), fused with `dense_weight` (None: the index's; see dense_weight_for).

        What is not allowed is removed before ranking, so it never takes a place. A query with no word
        the index knows gives dense-only results (or none without vectors).
        """
        weight = self.dense_weight if dense_weight is None else dense_weight
        query_vector = self._encode_query(query) if weight > 0.0 else None
        with self._lock:
            mask = self._allowed_mask(allowed)
            if k <= 0 or not mask.any():
                return []
            lexical = self._lexical.scores(query, self._alive)
            lexical[~mask] = 0.0
            candidates, dense_top = self._candidates(lexical, mask, query_vector)
            named = self._named_rows(query, mask)
            if named:
                candidates = np.union1d(candidates, np.fromiter(named, dtype=np.int64)).astype(np.int64)
            if len(candidates) == 0:
                return []
            fused, cosines = self._fuse(candidates, lexical, dense_top, query_vector, weight)
            fused = self._with_neighbours(candidates, fused, lexical, dense_top, query_vector, weight)
            priority = np.asarray([named.get(int(row), 0) for row in candidates], dtype=np.float32)
            order = np.lexsort((-fused, -priority))[:k]
            hits = [
                self._hit(
                    without_clauses(query) if priority[i] else query,
                    int(candidates[i]),
                    float(fused[i]),
                    float(lexical[candidates[i]]),
                    float(cosines[i]),
                )
                for i in order
            ]
            named_hits = zip(hits, order, strict=True)
            return [replace(hit, named=int(priority[i])) if priority[i] else hit for hit, i in named_hits]

    def save(self, directory: Path) -> str:
        """Write the index to `directory` (index.faiss, chunks.jsonl, meta.json), replacing it atomically;
        returns the id of this write (`saved_id`)."""
        with self._lock:
            self._compact()
            index, positions = self._dense.export() if self._dense is not None else (None, None)
            self.saved_id = store.write(directory, self._chunks, index, positions, self._meta())
            return self.saved_id

    @classmethod
    def load(cls, directory: Path, embedder: Embedder | None, previous: Retriever | None = None) -> Retriever:
        """Read an index written by `save`, for use with `embedder` (None: lexical only).

        With `previous` (the same directory as loaded before: a reader following the writer), the chunks
        it already held with the same text keep their terms rather than being tokenised again, which was
        most of a reload; `previous` is only read.

        Raises IndexMismatch when the index was built with another model or dimension, or its files
        disagree with its meta.json (IndexChanged, a subclass, when another process replaced it while it was
        read: load again); FileNotFoundError when there is no index.
        """
        saved = store.read(directory, embedder.name if embedder else None, embedder.dimension if embedder else None)
        retriever = cls(
            embedder,
            dense_weight=float(saved.meta.get("dense_weight", DEFAULT_DENSE_WEIGHT)),
            k1=float(saved.meta.get("k1", DEFAULT_K1)),
            b=float(saved.meta.get("b", DEFAULT_B)),
        )
        if previous is None:
            retriever.add(saved.chunks)
        else:
            retriever._add_following(saved.chunks, previous)
        if retriever._dense is not None and saved.index is not None:
            retriever._dense.restore(saved.index, saved.positions)
        saved_id = saved.meta.get("saved")
        retriever.saved_id = str(saved_id) if saved_id is not None else None
        return retriever

    def _meta(self) -> dict[str, object]:
        vectors = int(self._dense.has_vector.sum()) if self._dense is not None else 0
        return {
            "format": 1,
            "model": self.model if vectors else None,
            "dimension": self.embedder.dimension if self.embedder is not None and vectors else None,
            "count": len(self._chunks),
            "vectors": vectors,
            "index_type": self._dense.kind if self._dense is not None and vectors else None,
            "dense_weight": self.dense_weight,
            "k1": self._lexical.k1,
            "b": self._lexical.b,
            "terms": "syllables + syllable bigrams + accent-folded forms (assistant.text.lexical_tokens)",
        }

    def _encode_query(self, query: str) -> npt.NDArray[np.float32] | None:
        # outside the lock: encoding is the slow part of a search and touches no index state
        if self._dense is None or self.embedder is None or self.dense_weight == 0.0 or not query.strip():
            return None
        if not self._dense.has_vector.any() or not getattr(self.embedder, "ready", True):
            # a model still loading (LazyEmbedder) is not waited for: this search ranks by words
            return None
        return np.asarray(self.embedder.encode([query])[0], dtype=np.float32)

    def _allowed_mask(self, allowed: Allowed) -> npt.NDArray[np.bool_]:
        if allowed is None:
            return self._alive.copy()
        if callable(allowed):
            chosen = np.fromiter((allowed(chunk) for chunk in self._chunks), dtype=bool, count=len(self._chunks))
        else:
            codes = [self._code(source) for source in allowed]
            chosen = np.isin(self._doc_of_row, np.asarray(codes, dtype=np.int64))
        return np.asarray(self._alive & chosen, dtype=bool)

    def _candidates(
        self,
        lexical: npt.NDArray[np.float32],
        mask: npt.NDArray[np.bool_],
        query_vector: npt.NDArray[np.float32] | None,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Rows worth fusing: the best lexical and dense ones; also the dense top scores (for scaling)."""
        matched = np.flatnonzero(lexical > 0)
        if len(matched) > CANDIDATES:
            matched = matched[np.argpartition(-lexical[matched], CANDIDATES)[:CANDIDATES]]
        dense_scores = np.zeros(0, dtype=np.float32)
        if query_vector is not None and self._dense is not None:
            dense_rows, dense_scores = self._dense.search(query_vector, mask, CANDIDATES)
            matched = np.union1d(matched, dense_rows)
        return matched.astype(np.int64), dense_scores

    def _fuse(
        self,
        rows: npt.NDArray[np.int64],
        lexical: npt.NDArray[np.float32],
        dense_top: npt.NDArray[np.float32],
        query_vector: npt.NDArray[np.float32] | None,
        weight: float,
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Fused scores of `rows` and their cosines, the dense part weighing `weight`.

        Lexical scores are divided by the best one. Cosines are scaled between the worst and the best
        of the dense candidates: MiniLM's cosines bunch together (0.3-0.7), so dividing them by their
        maximum alone would leave every candidate near 1 and let dense flatten the lexical ranking.
        """
        best_lexical = float(lexical[rows].max()) if len(rows) else 0.0
        lexical_part = lexical[rows] / best_lexical if best_lexical > 0 else np.zeros(len(rows), dtype=np.float32)
        if query_vector is None or self._dense is None or len(dense_top) == 0:
            return lexical_part.astype(np.float32), np.zeros(len(rows), dtype=np.float32)
        cosines = self._dense.cosine(rows, query_vector)
        top, floor = float(dense_top[0]), float(dense_top[-1])
        spread = top - floor
        dense_part = np.clip((cosines - floor) / spread, 0.0, 1.0) if spread > 1e-6 else (cosines >= top).astype(float)
        dense_part[~self._dense.has_vector[rows]] = 0.0
        return ((1 - weight) * lexical_part + weight * dense_part).astype(np.float32), cosines

    def _with_neighbours(
        self,
        rows: npt.NDArray[np.int64],
        fused: npt.NDArray[np.float32],
        lexical: npt.NDArray[np.float32],
        dense_top: npt.NDArray[np.float32],
        query_vector: npt.NDArray[np.float32] | None,
        weight: float,
    ) -> npt.NDArray[np.float32]:
        """`fused` with each transcript window's score made of its own (1 - NEIGHBOUR_WEIGHT) and the mean fused
        score of the windows just before and after it (NEIGHBOUR_WEIGHT; a window at either end of its
        transcript has one, counted with a 0 for the other); the scores of other kinds of chunk are unchanged."""
        before, after = self._transcript_neighbours(rows)
        present = (before >= 0) | (after >= 0)
        if not present.any():
            return fused
        others = np.setdiff1d(np.concatenate([before[before >= 0], after[after >= 0]]), rows)
        extended = np.concatenate([rows, others]).astype(np.int64)
        scores, _ = self._fuse(extended, lexical, dense_top, query_vector, weight)
        # _fuse divides by the best lexical score of the rows it is given: the candidates hold the best one
        score_of = dict(zip(extended.tolist(), scores.tolist(), strict=True))
        around = np.asarray(
            [
                (score_of.get(int(b), 0.0) if b >= 0 else 0.0) + (score_of.get(int(a), 0.0) if a >= 0 else 0.0)
                for b, a in zip(before, after, strict=True)
            ],
            dtype=np.float32,
        )
        blended = (1 - NEIGHBOUR_WEIGHT) * fused + NEIGHBOUR_WEIGHT * around / 2
        return np.where(present, blended, fused).astype(np.float32)

    def _transcript_neighbours(
        self, rows: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """For each of `rows`, the live row of the same transcript whose window starts just before it and the
        one that starts just after it (-1: none, or not a transcript window)."""
        before = np.full(len(rows), -1, dtype=np.int64)
        after = np.full(len(rows), -1, dtype=np.int64)
        transcript = [at for at, row in enumerate(rows) if self._chunks[row].kind == TRANSCRIPT]
        by_source: dict[int, list[int]] = {}
        for at in transcript:
            by_source.setdefault(int(self._doc_of_row[rows[at]]), []).append(at)
        for code, positions in by_source.items():
            windows = np.flatnonzero((self._doc_of_row == code) & self._alive)
            starts = np.asarray([self._chunks[row].start for row in windows], dtype=np.int64)
            order = np.argsort(starts, kind="stable")
            windows, starts = windows[order], starts[order]
            for at in positions:
                place = int(np.searchsorted(starts, self._chunks[rows[at]].start))
                if place > 0:
                    before[at] = windows[place - 1]
                if place + 1 < len(windows):
                    after[at] = windows[place + 1]
        return before, after

    def _hit(self, query: str, row: int, score: float, lexical: float, dense: float) -> SearchHit:
        chunk = self._chunks[row]
        before, after = self._context(chunk)
        return SearchHit(
            chunk=chunk,
            score=score,
            lexical=lexical,
            dense=dense,
            coverage=self._lexical.coverage(query, chunk.search_text),
            before=before,
            after=after,
        )

    def _context(self, chunk: Chunk) -> tuple[str, str]:
        """The page text around `chunk`, rebuilt from its neighbours (chunks of a page tile it, overlapping)."""
        if chunk.kind != DOCUMENT:
            return "", ""  # a transcript window or a record is whole in itself
        rows = np.flatnonzero(self._rows_of(chunk.doc_id))
        page = [
            other
            for other in (self._chunks[row] for row in rows)
            if other.version == chunk.version and other.page == chunk.page and other.id != chunk.id
        ]
        previous = max((other for other in page if other.start < chunk.start), key=lambda c: c.start, default=None)
        following = min((other for other in page if other.start > chunk.start), key=lambda c: c.start, default=None)
        # the context stays within the chunk's section: the next article's text is not this one's
        if previous is not None and previous.headings != chunk.headings:
            previous = None
        if following is not None and following.headings != chunk.headings:
            following = None
        before = after = ""
        if previous is not None:
            gap = " " if previous.end < chunk.start else ""
            before = (previous.text[: max(0, chunk.start - previous.start)] + gap)[-CONTEXT_CHARS:]
        if following is not None and following.end > chunk.end:
            gap = " " if following.start > chunk.end else ""
            after = (gap + following.text[max(0, chunk.end - following.start) :])[:CONTEXT_CHARS]
        return before, after

    def _add_following(self, chunks: list[Chunk], previous: Retriever) -> None:
        """`add` into this new, empty index, taking each chunk's terms from `previous` when it holds the
        same chunk (id and text)."""
        with previous._lock:  # a moment: copies of its lists, not of what they hold
            vocabulary, terms = previous._lexical.terms_of()
            row_of, held = dict(previous._row_of), list(previous._chunks)
        with self._lock:
            self._lexical.adopt(vocabulary)
            self._append_rows(chunks)
            for chunk in chunks:
                row = row_of.get(chunk.id)
                if row is not None and held[row].search_text == chunk.search_text:
                    self._lexical.append_terms(terms[row])
                else:
                    self._lexical.append([chunk.search_text])
            if self._dense is not None:
                self._dense.grow(len(self._chunks))
            # an adopted vocabulary keeps the terms of chunks removed since: drop them once they are many
            if self._lexical.unused_terms(self._alive) > len(vocabulary) // 2:
                self._lexical.compact(np.arange(len(self._chunks), dtype=np.int64))

    def _kill(self, rows: Iterable[int]) -> None:
        rows = list(rows)
        if not rows:
            return
        self._alive[rows] = False
        for row in rows:
            self._row_of.pop(self._chunks[row].id, None)
        self._lexical.invalidate()
        if (len(self._alive) - int(self._alive.sum())) * 4 > len(self._alive):
            self._compact()

    def _compact(self) -> None:
        if self._alive.all():
            return
        keep = np.flatnonzero(self._alive).astype(np.int64)
        self._chunks = [self._chunks[row] for row in keep]
        self._alive = np.ones(len(keep), dtype=bool)
        self._doc_of_row = self._doc_of_row[keep]
        self._row_of = {chunk.id: row for row, chunk in enumerate(self._chunks)}
        self._sections = {}
        self._index_sections(self._chunks)
        self._lexical.compact(keep)
        if self._dense is not None:
            self._dense.compact(keep)

    # ---------------------------------------------------------------- sections a question names

    def _index_sections(self, chunks: Iterable[Chunk]) -> None:
        """Remember the sections each chunk belongs to ("Điều 143", "Chương II", "2.1"), by chunk id; ids
        of removed chunks stay until the next compaction and are skipped (they have no row)."""
        for chunk in chunks:
            if chunk.headings:
                for key in chain_keys(chunk.headings):
                    self._sections.setdefault(key, set()).add(chunk.id)

    def _named_rows(self, query: str, mask: npt.NDArray[np.bool_]) -> dict[int, int]:
        """The allowed rows in a section the question names ("Điều 143 quy định gì?"), each with how many
        of the named sections it is in: they rank first (by that count, then by their fused score), since
        a question naming an article or a section asks about it, whatever words it uses."""
        named: dict[int, int] = {}
        for key in named_sections(query):
            for chunk_id in self._sections.get(key, ()):
                row = self._row_of.get(chunk_id)
                if row is not None and mask[row]:
                    named[row] = named.get(row, 0) + 1
        if named:
            # "Điều 5 của Luật Du lịch": the article of the document the question names by its title comes first
            words = {fold(word) for word in syllables(query)}
            titled: dict[str, bool] = {}
            for row in named:
                title = self._chunks[row].title
                if title not in titled:
                    title_words = {fold(word) for word in syllables(title)}
                    titled[title] = bool(title_words) and title_words <= words
                named[row] += titled[title]
        return named
