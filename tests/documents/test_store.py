"""BlobStore: content-addressed, atomic, stored once, refuses oversized uploads without leftovers."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from documents.errors import InvalidDocument
from documents.store import BlobStore
from tests.documents.conftest import IHANOI


def upload_bytes(store: BlobStore, data: bytes, max_bytes: int = 10_000_000, chunk: int = 1000) -> Path:
    with store.new_upload(max_bytes) as upload:
        for start in range(0, len(data), chunk):
            upload.write(data[start : start + chunk])
        return store.commit(upload).path


def test_commit_places_the_file_by_its_hash(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    data = IHANOI.read_bytes()
    with store.new_upload(max_bytes=len(data)) as upload:
        upload.write(data)
        assert upload.path.parent == store.tmp
        blob = store.commit(upload)
    digest = hashlib.sha256(data).hexdigest()
    assert (blob.sha256, blob.size) == (digest, len(data))
    assert blob.path == tmp_path / "blobs" / digest[:2] / f"{digest}.pdf" == store.path_for(digest)
    assert blob.path.read_bytes() == data
    assert store.exists(digest)
    assert list(store.tmp.iterdir()) == []


def test_same_content_twice_is_stored_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    data = IHANOI.read_bytes()
    first = upload_bytes(store, data, chunk=4096)
    second = upload_bytes(store, data, chunk=777)
    assert first == second
    assert [path for path in store.root.rglob("*") if path.is_file()] == [first]


def test_too_large_upload_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    upload = store.new_upload(max_bytes=5 * 1024 * 1024)
    upload.write(b"x" * (5 * 1024 * 1024))
    with pytest.raises(InvalidDocument) as caught:
        upload.write(b"x")
    assert caught.value.code == "too_large"
    assert "5 MB" in caught.value.message_en and "5 MB" in caught.value.message_vi
    assert not upload.path.exists()
    assert list(store.tmp.iterdir()) == []
    upload.discard()  # idempotent


def test_leaving_the_block_with_an_error_discards(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    with pytest.raises(RuntimeError), store.new_upload(max_bytes=100) as upload:
        upload.write(b"%PDF-")
        raise RuntimeError("client went away")
    assert not upload.path.exists()
    with pytest.raises(ValueError):
        store.commit(upload)


def test_delete_and_missing_blobs(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    path = upload_bytes(store, b"%PDF-1.7 tiny")
    sha = path.stem
    store.delete(sha)
    assert not store.exists(sha) and not path.exists()
    store.delete(sha)  # missing is fine
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd")


def test_sweep_temp_removes_leftovers_from_crashes(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    old = store.new_upload(max_bytes=100)
    old.write(b"partial")
    long_ago = time.time() - 3600
    os.utime(old.path, (long_ago, long_ago))
    fresh = store.new_upload(max_bytes=100)
    fresh.write(b"in progress")
    assert store.sweep_temp(older_than_seconds=600) == 1
    assert not old.path.exists() and fresh.path.exists()
    assert store.sweep_temp() == 1
    assert list(store.tmp.iterdir()) == []
    fresh.discard()
    old.discard()


def test_store_reopens_over_existing_root(tmp_path: Path) -> None:
    path = upload_bytes(BlobStore(tmp_path / "blobs"), b"%PDF-1.7 kept")
    store = BlobStore(tmp_path / "blobs")
    assert store.exists(path.stem)
