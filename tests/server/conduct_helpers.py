"""Documents for the opinions and notes tests: a small ready PDF of a given classification."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from tests.server.conftest import App
from tests.support import pdfs


def ready_document(app: App, meeting_id: int, classification: str = "internal", **fields: str) -> dict[str, Any]:
    """A two-page PDF uploaded by the secretary, once it is read and indexed (nothing more is coming for it,
    so the meeting's snapshot stays as it is)."""
    sec = app.users["sec"]
    with tempfile.TemporaryDirectory() as folder:
        path = pdfs.text_pdf(Path(folder) / "du-thao.pdf", ["Dự thảo trang một", "Dự thảo trang hai"])
        response = sec.request(
            "POST",
            f"/api/meetings/{meeting_id}/documents",
            data={"classification": classification, **fields},
            files={"file": ("du-thao.pdf", path.read_bytes(), "application/pdf")},
        )
    assert response.status_code == 202, response.text
    for _ in range(400):
        document: dict[str, Any] = sec.ok("GET", f"/api/documents/{response.json()['id']}")
        if document["status"] == "ready" and document["searchable"]:
            return document
        time.sleep(0.025)
    raise AssertionError("document not ready")
