"""An index on disk: a directory of chunks.jsonl, index.faiss (when there are vectors) and meta.json.

Written into a temporary sibling directory and renamed into place, so a reader (or a crash) sees the
old index or the new one, never half of one. Each write has its own id (meta.json's ``saved``): `read`
checks it again after reading the files, so a reader in another process that a write overtook (its
files then come from two writes) gets `IndexChanged` and reads again, never a mixed index.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from assistant.chunk import Chunk

CHUNKS = "chunks.jsonl"
INDEX = "index.faiss"
META = "meta.json"
CHUNK_FIELDS = tuple(field.name for field in fields(Chunk))


class IndexMismatch(ValueError):
    """A saved index does not fit: another model or dimension, or its files disagree with meta.json."""


class IndexChanged(IndexMismatch):
    """The index was replaced while it was being read: read it again."""


@dataclass
class Saved:
    """What `read` found."""

    meta: dict[str, Any]
    chunks: list[Chunk]
    index: faiss.Index | None
    positions: npt.NDArray[np.int64]
    """Row of each FAISS position."""


def write(
    directory: Path,
    chunks: list[Chunk],
    index: faiss.Index | None,
    positions: npt.NDArray[np.int64] | None,
    meta: Mapping[str, object],
) -> str:
    """Write an index directory atomically (replacing any previous one); returns this write's id."""
    saved = secrets.token_hex(8)
    meta = dict(meta) | {"saved": saved}
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        vector_of = np.full(len(chunks), -1, dtype=np.int64)
        if index is not None and positions is not None and index.ntotal > 0:
            vector_of[positions] = np.arange(len(positions))
            faiss.write_index(index, str(staging / INDEX))
        with (staging / CHUNKS).open("w", encoding="utf-8") as out:
            for chunk, position in zip(chunks, vector_of.tolist(), strict=True):
                # a shallow dict: asdict's deep copy of every field was most of a save (4.7 of 6 s at 100k)
                record = {name: getattr(chunk, name) for name in CHUNK_FIELDS}
                record["vector"] = position if position >= 0 else None
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        (staging / META).write_text(json.dumps(dict(meta), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        _fsync_files(staging)
        _fsync_directory(staging)
        _swap(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return saved


def saved_id(directory: Path) -> str | None:
    """The id of the write now in ``directory`` (None: no index there)."""
    try:
        meta = json.loads((Path(directory) / META).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
        return None
    saved = meta.get("saved")
    return str(saved) if saved is not None else None


def read(directory: Path, model: str | None, dimension: int | None) -> Saved:
    """Read an index directory, checking it against the `model` and `dimension` that will query it.

    Without a model (lexical only) any index loads and its vectors are ignored. An index without
    vectors loads under any model (its vectors are yet to come).
    """
    directory = Path(directory)
    if not (directory / META).is_file():
        raise FileNotFoundError(f"no index in {directory} (missing {META})")
    meta: dict[str, Any] = json.loads((directory / META).read_text(encoding="utf-8"))
    saved_model, saved_dimension = meta.get("model"), meta.get("dimension")
    if model is not None and saved_model is not None and saved_model != model:
        raise IndexMismatch(
            f"the index in {directory} was built with the model {saved_model!r}, not {model!r}: rebuild it"
        )
    if dimension is not None and saved_dimension is not None and saved_dimension != dimension:
        raise IndexMismatch(
            f"the index in {directory} holds {saved_dimension}-dimensional vectors, the model makes {dimension}"
        )
    chunks, vector_of = _read_chunks(directory / CHUNKS)
    if len(chunks) != meta.get("count"):
        raise IndexMismatch(f"{directory / CHUNKS} holds {len(chunks)} chunks, meta.json says {meta.get('count')}")
    index = None
    positions = np.zeros(0, dtype=np.int64)
    if model is not None and meta.get("vectors"):
        index = faiss.read_index(str(directory / INDEX))
        rows = np.flatnonzero(vector_of >= 0)
        if index.ntotal != meta["vectors"] or len(rows) != index.ntotal:
            raise IndexMismatch(f"{directory / INDEX} holds {index.ntotal} vectors, meta.json says {meta['vectors']}")
        positions = np.empty(index.ntotal, dtype=np.int64)
        positions[vector_of[rows]] = rows
    if meta.get("saved") is not None and saved_id(directory) != meta["saved"]:
        raise IndexChanged(f"the index in {directory} was replaced while it was read")
    return Saved(meta=meta, chunks=chunks, index=index, positions=positions)


def _read_chunks(path: Path) -> tuple[list[Chunk], npt.NDArray[np.int64]]:
    chunks = []
    vector_of = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            position = record.pop("vector", None)
            vector_of.append(-1 if position is None else int(position))
            chunks.append(Chunk(**record))
    return chunks, np.asarray(vector_of, dtype=np.int64)


def _swap(staging: Path, directory: Path) -> None:
    """Put `staging` where `directory` is: a directory cannot be replaced by rename, so the old one is
    renamed aside first and removed after; `read` of a missing directory fails cleanly meanwhile."""
    if directory.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old.", dir=directory.parent))
        os.replace(directory, retired / directory.name)
        os.replace(staging, directory)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staging, directory)
    _fsync_directory(directory.parent)


def _fsync_files(directory: Path) -> None:
    for path in directory.iterdir():
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
