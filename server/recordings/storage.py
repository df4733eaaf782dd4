"""Where recordings' audio lives: ``<recording_dir>/<meeting_id>/<random>.<ext>``, readable by the server alone.

Uploads stream into ``<recording_dir>/tmp`` (the same file system) and are moved into place only once they
are known to be audio, so a refused or interrupted upload leaves nothing behind but a temp file that
`sweep_temp` removes at start-up.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from documents.store import BlobStore, Upload

_EXTENSION = re.compile(r"\.[a-z0-9]{1,5}$")


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
