"""Where recordings' audio lives: ``<recording_dir>/<meeting_id>/<random>.<ext>``, readable by the server alone.

Uploads stream into ``<recording_dir>/tmp`` (the same file system) and are moved into place only once they
are known to be audio, so a refused or interrupted upload leaves nothing behind but a temp file that
`sweep_temp` removes at start-up.
"""

from __future__ import annotations

import os
import re
import secrets
import struct
from pathlib import Path

from documents.store import BlobStore, Upload

_EXTENSION = re.compile(r"\.[a-z0-9]{1,5}$")
LIVE_RATE = 16_000
"""Live capture: 16 kHz mono, 16-bit little-endian PCM, kept as a WAV file."""
WAV_HEADER_BYTES = 44


def wav_header(data_bytes: int, rate: int = LIVE_RATE) -> bytes:
    """The 44-byte header of a mono 16-bit PCM WAV file holding ``data_bytes`` of samples."""
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


class RecordingStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.uploads = BlobStore(root)  # only its temp directory and streaming uploads are used

    def keep(self, meeting_id: int, upload: Upload, filename: str) -> str:
        """Move a validated upload under its meeting; returns its path relative to the root."""
        found = _EXTENSION.search(filename.lower())
        relative = f"{meeting_id}/{secrets.token_hex(12)}{found.group(0) if found else '.audio'}"
        upload.keep_at(self.path_of(relative))
        return relative

    def start_live(self, meeting_id: int) -> str:
        """A new, empty WAV file for live capture under the meeting; returns its relative path."""
        relative = f"{meeting_id}/{secrets.token_hex(12)}.wav"
        path = self.path_of(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as out:
            out.write(wav_header(0))
            os.fsync(out.fileno())
        return relative

    def append(self, relative: str, samples: bytes) -> int:
        """Append PCM samples to a live WAV file, durably, and keep its header true; returns the data bytes."""
        with self.path_of(relative).open("r+b") as out:
            out.seek(0, os.SEEK_END)
            out.write(samples)
            data_bytes = out.tell() - WAV_HEADER_BYTES
            out.seek(0)
            out.write(wav_header(data_bytes))
            os.fsync(out.fileno())
        return data_bytes

    def path_of(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"not a recording path: {relative!r}")
        return path

    def delete(self, relative: str) -> None:
        self.path_of(relative).unlink(missing_ok=True)

    def stored(self) -> list[str]:
        """Every stored recording's path relative to the root (``<meeting_id>/<name>``)."""
        if not self.root.is_dir():
            return []
        return sorted(
            f"{folder.name}/{path.name}"
            for folder in self.root.iterdir()
            if folder.is_dir() and folder.name.isdigit()
            for path in folder.iterdir()
            if path.is_file()
        )

    def sweep_temp(self) -> int:
        return self.uploads.sweep_temp()
