"""What every changing service needs: the session, the caller, and how to publish."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from server.auth.service import Principal
from server.events import Event
from server.live.models import MeetingEvent
from server.live.outbox import Publisher, record_event


@dataclass
class ChangeContext:
    session: AsyncSession
    principal: Principal
    publish: Publisher

    async def emit(self, meeting_id: int, event: Event, audience: list[int] | None = None) -> MeetingEvent:
        """Log ``event`` in this transaction; it reaches tablets after the commit."""
        return await record_event(self.session, self.publish, meeting_id, event, self.principal.id, audience)
