"""Work the app starts publishes from its first step, and what runs after a commit cannot undo it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from litestar.channels import ChannelsPlugin
from litestar.testing import TestClient
from sqlmodel import select

from server.app import create_app
from server.auth.models import User
from server.db import AppSession, Database, on_commit
from server.documents.worker import DocumentWorker
from server.settings import Settings


def test_the_background_workers_start_once_events_can_be_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a document extracted while the app was still starting published its event before the channels plugin
    # had started; the refusal made the finished extraction look failed, and the document was never indexed
    published: list[bool] = []
    start = DocumentWorker.start

    async def recording_start(worker: DocumentWorker) -> None:
        channels = next(p for p in app.plugins.init if isinstance(p, ChannelsPlugin))
        channels.publish(b"{}", "meeting:0")  # raises while the plugin has not started
        published.append(True)
        await start(worker)

    monkeypatch.setattr(DocumentWorker, "start", recording_start)
    app = create_app(Settings(data_dir=tmp_path, dense_search=False))
    with TestClient(app=app) as client:
        assert client.get("/health").status_code == 200
    assert published == [True]


def test_a_failing_callback_after_a_commit_is_logged_and_the_others_still_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def failing() -> None:
        raise RuntimeError("the channels plugin is not started")

    async def scenario() -> None:
        db = Database(Settings(data_dir=tmp_path))
        await db.migrate()
        async with db.write() as session:
            assert isinstance(session.sync_session, AppSession)
            session.add(User(username="an", full_name="An", password_hash="x"))
            on_commit(session, failing)
            on_commit(session, lambda: ran.append("second"))
            await session.commit()  # does not raise: the row is committed
        async with db.read() as session:
            assert (await session.exec(select(User).where(User.username == "an"))).first() is not None
        await db.dispose()

    asyncio.run(scenario())
    assert ran == ["second"]
    assert "a callback after a commit failed" in caplog.text
