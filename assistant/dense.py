"""The dense half of retrieval: FAISS inner product over L2-normalised vectors (cosine similarity).

Exact search (IndexFlatIP) up to HNSW_THRESHOLD vectors, HNSW (IndexHNSWFlat) above. A row's vector is
optional (vectors follow the text in the background); FAISS positions map to rows through `_rows`.
Neither index type is asked to remove anything: dead rows are masked out of every search and the
index is rebuilt when the caller compacts its rows.
"""

from __future__ import annotations

import faiss
import numpy as np
import numpy.typing as npt

HNSW_THRESHOLD = 50_000
"""Above this many vectors, HNSW; below, exact search (a few ms at this size)."""
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128

Floats = npt.NDArray[np.float32]
Rows = npt.NDArray[np.int64]


class DenseIndex:
    """Vectors of the caller's rows, searchable by inner product, filtered before ranking."""

    def __init__(self, dimension: int) -> None:
        """An empty index of `dimension`-sized vectors."""
        self.dimension = dimension
        self._vectors: Floats = np.zeros((0, dimension), dtype=np.float32)
        self._has_vector: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)
        self._index: faiss.Index | None = None
        self._rows: Rows = np.zeros(0, dtype=np.int64)  # FAISS position -> row
        self._stale = False

    @property
    def has_vector(self) -> npt.NDArray[np.bool_]:
        """Per row: whether its vector is in."""
        return self._has_vector

    @property
    def kind(self) -> str:
        """ "flat" or "hnsw": what the FAISS index is (or will be, at the current size)."""
        if self._index is not None and not self._stale:
            return "hnsw" if isinstance(self._index, faiss.IndexHNSWFlat) else "flat"
        return "hnsw" if int(self._has_vector.sum()) > HNSW_THRESHOLD else "flat"

    def grow(self, rows: int) -> None:
        """Make room for rows up to `rows` (new rows have no vector yet)."""
        extra = rows - len(self._has_vector)
        if extra > 0:
            self._vectors = np.concatenate([self._vectors, np.zeros((extra, self.dimension), dtype=np.float32)])
            self._has_vector = np.concatenate([self._has_vector, np.zeros(extra, dtype=bool)])

    def set(self, rows: Rows, vectors: Floats) -> None:
        """Give `rows` their vectors (rows that already had one are replaced at the next rebuild)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(rows), self.dimension):
            raise ValueError(f"expected {len(rows)} vectors of dimension {self.dimension}, got {vectors.shape}")
        replaced = bool(self._has_vector[rows].any())
        self._vectors[rows] = vectors
        self._has_vector[rows] = True
        if replaced or self._stale or self._index is None:
            self._stale = True
        elif isinstance(self._index, faiss.IndexFlatIP) and self._index.ntotal + len(rows) > HNSW_THRESHOLD:
            self._stale = True  # crossing the threshold: rebuild as HNSW
        else:
            self._index.add(vectors)
            self._rows = np.concatenate([self._rows, rows.astype(np.int64)])

    def compact(self, keep: Rows) -> None:
        """Keep only rows `keep` (in that order), renumbered from 0; the index is rebuilt when next used."""
        self._vectors = np.ascontiguousarray(self._vectors[keep])
        self._has_vector = self._has_vector[keep]
        self._stale = True

    def cosine(self, rows: Rows, query: Floats) -> Floats:
        """Cosine similarity of `query` with `rows` (0 where a row has no vector yet)."""
        return np.asarray(self._vectors[rows] @ query, dtype=np.float32)

    def search(self, query: Floats, allowed: npt.NDArray[np.bool_], top: int) -> tuple[Rows, Floats]:
        """The `top` rows among `allowed` (a mask over rows) with a vector, best first, and their cosines."""
        self._refresh()
        candidates = allowed[: len(self._has_vector)] & self._has_vector
        count = int(candidates.sum())
        if count == 0 or self._index is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        top = min(top, count)
        if count < len(self._rows) and (count <= HNSW_THRESHOLD or isinstance(self._index, faiss.IndexFlatIP)):
            # a filtered exact search: HNSW misses neighbours when the filter is tight, and at this size
            # exact is a matrix product of a few milliseconds
            rows = np.flatnonzero(candidates)
            scores = self._vectors[rows] @ query
            # only the top few need ordering: a partition first, not a sort of every visible row
            best = np.argpartition(-scores, top - 1)[:top] if top < len(scores) else np.arange(len(scores))
            best = best[np.argsort(-scores[best], kind="stable")]
            return rows[best].astype(np.int64), scores[best].astype(np.float32)
        params = None
        if count < len(self._rows):
            # filtering happens inside the search, so hidden rows never take a slot
            bitmap = np.packbits(candidates[self._rows], bitorder="little")
            params = faiss.SearchParametersHNSW(  # type: ignore[attr-defined]  # missing from faiss stubs
                sel=faiss.IDSelectorBitmap(len(self._rows), faiss.swig_ptr(bitmap))
            )
            params.efSearch = max(HNSW_EF_SEARCH, top)
        distances, positions = self._index.search(query.reshape(1, -1), top, params=params)
        found = positions[0] >= 0
        return self._rows[positions[0][found]], distances[0][found].astype(np.float32)

    def export(self) -> tuple[faiss.Index | None, Rows]:
        """The FAISS index (current) and its position -> row map, for saving."""
        self._refresh()
        return self._index, self._rows

    def restore(self, index: faiss.Index, rows: Rows) -> None:
        """Adopt a saved FAISS index whose positions are `rows` (grown to hold them beforehand)."""
        if index.d != self.dimension or index.ntotal != len(rows):
            raise ValueError("the FAISS index does not match its row map")
        if len(rows):
            self._vectors[rows] = index.reconstruct_n(0, index.ntotal)
            self._has_vector[rows] = True
        self._index, self._rows, self._stale = index, rows.astype(np.int64), False

    def _refresh(self) -> None:
        if not self._stale and self._index is not None:
            return
        rows = np.flatnonzero(self._has_vector).astype(np.int64)
        index: faiss.Index
        if len(rows) > HNSW_THRESHOLD:
            index = faiss.IndexHNSWFlat(self.dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            index = faiss.IndexFlatIP(self.dimension)
        if len(rows):
            index.add(np.ascontiguousarray(self._vectors[rows]))
        self._index, self._rows, self._stale = index, rows, False
