"""Record an event in the same transaction as its change; publish it after the commit.

``seq`` comes from ``meeting.last_seq``, bumped by an UPDATE that holds the
meeting row's write lock until the transaction ends. So when seq N is
committed, every seq below N is committed too: a reader that sees a gap can
always fill it from the log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, update
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
    seq = await _take_seqs(session, meeting_id, 1)
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


async def record_events(
    session: AsyncSession, publish: Publisher, meeting_id: int, events: list[tuple[Event, int | None]]
) -> None:
    """Write ``events`` (each with its actor), for every participant, with the meeting's next seqs in order,
    into the session's transaction: one seq bump and one multi-row insert, for a group of changes decided
    together (server/group_commit.py). Published, in order, once the transaction commits."""
    if not events:
        return
    last = await _take_seqs(session, meeting_id, len(events))
    now = utcnow()
    logged = [
        (last - len(events) + number, event.name, _jsonable(event.payload()), actor_id)
        for number, (event, actor_id) in enumerate(events, start=1)
    ]
    rows = [
        {
            "meeting_id": meeting_id,
            "seq": seq,
            "name": name,
            "data": data,
            "audience": None,
            "actor_id": actor_id,
            "created_at": now,
        }
        for seq, name, data, actor_id in logged
    ]
    await session.exec(insert(MeetingEvent.__table__), params=rows)  # type: ignore[attr-defined]
    messages = [encode_published(seq, name, data, None) for seq, name, data, _ in logged]

    def published() -> None:
        for message in messages:
            publish(meeting_id, message)

    on_commit(session, published)


async def _take_seqs(session: AsyncSession, meeting_id: int, count: int) -> int:
    """Bump the meeting's ``last_seq`` by ``count`` (holding its row until the transaction ends); the new value."""
    result = await session.exec(
        update(Meeting)
        .where(Meeting.id == meeting_id)  # type: ignore[arg-type]
        .values(last_seq=Meeting.last_seq + count)
        .returning(Meeting.last_seq)  # type: ignore[call-overload]
        # the meeting loaded in this session (if it is) gets the new seq below: SQLAlchemy's own "evaluate"
        # synchronisation re-evaluated the SET expression in Python, a tenth of a check-in's server time
        .execution_options(synchronize_session=False)
    )
    last: int = result.scalar_one()
    loaded = session.sync_session.identity_map.get(identity_key(Meeting, meeting_id))
    if loaded is not None:
        set_committed_value(loaded, "last_seq", last)
    return last


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    import msgspec

    return msgspec.json.decode(msgspec.json.encode(data))  # type: ignore[no-any-return]
