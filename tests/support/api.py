"""A thin HTTP client that logs in as a user and calls the REST API."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any, ClassVar

import httpx


class Api:
    # every client not closed yet: tests/conftest.py closes those a test made (close_clients), so a test
    # that forgets cannot leave a socket for the garbage collector to report during another test
    live: ClassVar[weakref.WeakSet[Api]] = weakref.WeakSet()

    def __init__(self, base_url: str, token: str | None = None, user: dict[str, Any] | None = None) -> None:
        self.base_url = base_url
        self.token = token
        self.user = user or {}
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=base_url, headers=headers, timeout=30)
        Api.live.add(self)

    @classmethod
    def login(cls, base_url: str, username: str, password: str) -> Api:
        # the client's own 30 s, not httpx's 5 s: a login hashes (argon2) on a server that may be busy reading
        # hundreds of pages, on a machine running two test workers
        response = httpx.post(
            f"{base_url}/api/auth/login", json={"username": username, "password": password}, timeout=30
        )
        response.raise_for_status()
        body = response.json()
        return cls(base_url, body["token"], body["user"])

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def upload_document(self, meeting_id: int, path: Path, **fields: str) -> dict[str, Any]:
        """Upload the PDF at ``path`` to the meeting (form ``fields`` beside it); the document, accepted (202)."""
        with path.open("rb") as handle:
            response = self.request(
                "POST",
                f"/api/meetings/{meeting_id}/documents",
                files={"file": (path.name, handle, "application/pdf")},
                data=fields,
            )
        assert response.status_code == 202, response.text
        return response.json()  # type: ignore[no-any-return]

    def close(self) -> None:
        self.http.close()
        Api.live.discard(self)
