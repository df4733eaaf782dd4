"""Content-addressed, crash-safe storage of uploaded files."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from documents.errors import InvalidDocument

_SHA256 = re.compile(r"[0-9a-f]{64}")
TEMP_SUFFIX = ".part"


@dataclass(frozen=True)
class StoredBlob:
    """A file kept in the store."""

    sha256: str
    size: int
    path: Path


class Upload:
    """A temp file under root/tmp being written; computes sha256 and size as chunks arrive.

    Every `write` reaches the file at once (no user-space buffer), so `path` can be validated before
    `BlobStore.commit`. Use it as a context manager: leaving the block with an exception discards it.
    """

    def __init__(self, directory: Path, max_bytes: int) -> None:
        fd, name = tempfile.mkstemp(dir=directory, prefix="upload-", suffix=TEMP_SUFFIX)
        self.path = Path(name)
        self.max_bytes = max_bytes
        self._fd: int | None = fd
        self._hash = hashlib.sha256()
        self._size = 0
        self._done = False

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of everything written so far."""
        return self._hash.hexdigest()

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._size

    def write(self, chunk: bytes) -> None:
        """Append `chunk`; once the total passes max_bytes, delete the file and raise InvalidDocument("too_large")."""
        if self._fd is None:
            raise ValueError("this upload is closed")
        self._size += len(chunk)
        if self._size > self.max_bytes:
            self.discard()
            limit = _megabytes(self.max_bytes)
            raise InvalidDocument(
                "too_large",
                f"The file is larger than the {limit} MB limit.",
                f"Tệp vượt quá dung lượng tối đa cho phép ({limit} MB).",
            )
        self._hash.update(chunk)
        view = memoryview(chunk)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def close(self) -> None:
        """Flush the file to disk and close it (idempotent); the file stays for `BlobStore.commit`."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def discard(self) -> None:
        """Close and delete the temp file (idempotent)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
        if not self._done:
            self._done = True
            self.path.unlink(missing_ok=True)

    def keep_at(self, target: Path) -> None:
        """Flush and close the upload and move it to ``target`` (same file system: atomic, then made durable)."""
        if self._done:
            raise ValueError("this upload was already committed or discarded")
        self.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        self._move_to(target)
        _fsync_directory(target.parent)

    def _move_to(self, target: Path) -> None:
        """Rename the closed temp file to `target` (same file system, atomic); the upload is then done."""
        os.replace(self.path, target)
        self._done = True

    def __enter__(self) -> Upload:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.discard()


class BlobStore:
    """Content-addressed, atomic: files live at root/<sha[:2]>/<sha>.pdf; writes go to root/tmp then fsync +
    os.replace, so a crash leaves either the whole blob or a temp file that `sweep_temp` removes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def new_upload(self, max_bytes: int) -> Upload:
        """A temp file to stream an upload into, refused once larger than `max_bytes`."""
        return Upload(self.tmp, max_bytes)

    def commit(self, upload: Upload) -> StoredBlob:
        """Move a finished upload into place and return where it is; identical content is stored once."""
        if upload._done:
            raise ValueError("this upload was already committed or discarded")
        upload.close()
        sha256, size = upload.sha256, upload.size
        target = self.path_for(sha256)
        if target.exists():
            upload.discard()
        else:
            target.parent.mkdir(exist_ok=True)
            upload._move_to(target)
            _fsync_directory(target.parent)
        return StoredBlob(sha256=sha256, size=size, path=target)

    def path_for(self, sha256: str) -> Path:
        """Where the blob with this hex SHA-256 lives (whether or not it exists); ValueError for a bad hash."""
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a lower-case hex SHA-256: {sha256!r}")
        return self.root / sha256[:2] / f"{sha256}.pdf"

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        return self.path_for(sha256).is_file()

    def delete(self, sha256: str) -> None:
        """Remove the blob; a missing one is fine."""
        self.path_for(sha256).unlink(missing_ok=True)

    def sweep_temp(self, older_than_seconds: float = 0) -> int:
        """Remove temp files (left by crashes) last written more than `older_than_seconds` ago; returns how many."""
        cutoff = time.time() - older_than_seconds
        removed = 0
        for entry in self.tmp.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if entry.is_file() and entry.stat().st_mtime <= cutoff:
                    entry.unlink()
                    removed += 1
        return removed


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f}" if megabytes >= 10 or megabytes.is_integer() else f"{megabytes:.1f}"


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable: the directory entry must reach the disk too."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
