"""What every changing service needs: the session, the caller, and how to publish."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from server.auth.service import Principal
from server.db import on_commit
from server.events import Event
from server.live.models import MeetingEvent
from server.live.outbox import Publisher, record_event


@dataclass
class ChangeContext:
    session: AsyncSession
    principal: Principal
    publish: Publisher
    reindex: Callable[[str, int], None] | None = None
    """``SearchIndex.sync_record(kind, key)``: the assistant's index follows a changed record (None: no index)."""
    timezone: str = "Asia/Ho_Chi_Minh"
    """The organisation's time zone (``settings.timezone``): times in messages people read are given in it."""
    forget_history: Callable[[], Awaitable[bool]] | None = None
    """``Database.forget_history``: after a secret poll closes, no earlier page image stays in the database's
    files (None: nothing to forget, as in tests that build a context by hand)."""
    history_to_forget: bool = False

    def forget_history_after_commit(self) -> None:
        """Have ``committed()`` wipe the database's history (a secret poll closed in this transaction)."""
        self.history_to_forget = True

    async def committed(self) -> None:
        """The service committed: do what had to wait for it and may not be left to the background."""
        if self.history_to_forget and self.forget_history is not None:
            self.history_to_forget = False
            await self.forget_history()

    def reindex_after_commit(self, kind: str, key: int) -> None:
        """Have the search index re-read record ``(kind, key)`` once this transaction commits."""
        if self.reindex is not None:
            reindex = self.reindex
            on_commit(self.session, lambda: reindex(kind, key))

    async def emit(self, meeting_id: int, event: Event, audience: list[int] | None = None) -> MeetingEvent:
        """Log ``event`` in this transaction; it reaches tablets after the commit."""
        return await record_event(self.session, self.publish, meeting_id, event, self.principal.id, audience)
