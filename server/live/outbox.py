"""Record an event in the same transaction as its change; publish it after the commit.

``seq`` comes from ``meeting.last_seq``, bumped by an UPDATE that holds the
meeting row's write lock until the transaction ends. So when seq N is
committed, every seq below N is committed too: a reader that sees a gap can
always fill it from the log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel.ext.asyncio.session import AsyncSession

from server.db import on_commit, utcnow
from server.events import Event
from server.live.models import MeetingEvent
from server.live.wire import encode_published
from server.meetings.models import Meeting

Publisher = Callable[[int, bytes], None]


async def record_event(
    session: AsyncSession,
    publish: Publisher,
    meeting_id: int,
    event: Event,
    actor_id: int | None,
    audience: list[int] | None = None,
) -> MeetingEvent:
    """Write ``event`` with the meeting's next seq into the session's transaction.

    It is published (through ``publish``) only once the transaction commits.
    ``audience`` limits who receives it (user ids); None means every participant.
    """
    result = await session.exec(
        update(Meeting)
        .where(Meeting.id == meeting_id)  # type: ignore[arg-type]
        .values(last_seq=Meeting.last_seq + 1)
        .returning(Meeting.last_seq)  # type: ignore[call-overload]
        # the meeting loaded in this session (if it is) gets the new seq below: SQLAlchemy's own "evaluate"
        # synchronisation re-evaluated the SET expression in Python, a tenth of a check-in's server time
        .execution_options(synchronize_session=False)
    )
    seq: int = result.scalar_one()
    loaded = session.sync_session.identity_map.get(identity_key(Meeting, meeting_id))
    if loaded is not None:
        set_committed_value(loaded, "last_seq", seq)
    row = MeetingEvent(
        meeting_id=meeting_id,
        seq=seq,
        name=event.name,
        data=_jsonable(event.payload()),
        audience=audience,
        actor_id=actor_id,
        created_at=utcnow(),  # given, not left to the default factory: pydantic inspects a factory's signature per call
    )
    session.add(row)
    message = encode_published(seq, row.name, row.data, audience)
    on_commit(session, lambda: publish(meeting_id, message))
    return row


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    import msgspec

    return msgspec.json.decode(msgspec.json.encode(data))  # type: ignore[no-any-return]
