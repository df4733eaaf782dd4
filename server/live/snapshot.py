"""The whole meeting as one user may see it, with the seq it is current at.

A snapshot has two parts. The meeting's own part is the same for every viewer and changes only with an event
of the meeting, so it is read once per seq (``SharedPart``, kept by ``SharedParts``) and handed to every tablet
that connects at that seq: the meeting, agenda, participants, attendance, minutes, floor, conclusions, tasks
(serialised once), and what each viewer then takes their share of: every poll with its named ballots, every
opinion request and count. The viewer's part is read per connection in the same transaction, so both parts are
of one state: their access, the documents they may read (and what hangs on them: presenting, opinions, their
notes) and their own ballot.
"""

from __future__ import annotations

import asyncio
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlmodel.ext.asyncio.session import AsyncSession

from server.agenda.service import list_agenda
from server.auth.service import Principal
from server.conclusions.service import conclusions_state
from server.conclusions.tasks import tasks_state
from server.db import Database
from server.documents.access import visible_documents
from server.documents.schemas import document_public
from server.floor.service import floor_state
from server.meetings.access import MeetingAccess, load_access
from server.meetings.attendance import attendance_summary
from server.meetings.models import Meeting
from server.meetings.schemas import meeting_public
from server.meetings.service import list_participants
from server.minutes.service import minutes_state
from server.notes.service import note_counts
from server.opinions.service import MeetingOpinions, meeting_opinions
from server.recordings.service import capturing_now
from server.votes.reading import as_seen_by, meeting_polls, poll_serials, secret_polls_voted

_encode = msgspec.json.encode


@dataclass(frozen=True, slots=True)
class SharedPart:
    """A meeting's state at one seq that does not depend on who asks."""

    text: str
    """The fields every viewer gets as they are, as a JSON object's text."""
    polls: list[dict[str, Any]]
    """Every poll as read for nobody in particular (``as_seen_by`` adds a viewer's own ballot)."""
    poll_serials: dict[int, int]
    """Each poll's ``ballot_serial`` when ``polls`` was read: ballots are written before the tally moves the
    seq, so ``polls`` holds only while these are unchanged."""
    opinions: MeetingOpinions
    """Every opinion request and count (``visible`` cuts them to a viewer's documents)."""
    deflated_heads: dict[int, bytes] = field(default_factory=dict)
    """The snapshot message's head at a seq (``SnapshotMessage.head``) in raw DEFLATE, compressed for the first
    tablet that asks for compressed snapshots and handed as it is to the others."""


async def shared_state(session: AsyncSession, meeting: Meeting, default_limit_seconds: int) -> dict[str, Any]:
    """The fields of a snapshot that do not depend on who asks (every change to them is an event)."""
    assert meeting.id is not None
    floor = await floor_state(session, meeting.id)
    floor["default_limit_seconds"] = default_limit_seconds or None
    return {
        "meeting": meeting_public(meeting).model_dump(mode="json", exclude={"last_seq"}),
        "current_item_id": meeting.current_item_id,
        "agenda": [item.model_dump(mode="json") for item in await list_agenda(session, meeting.id)],
        "participants": [p.model_dump(mode="json") for p in await list_participants(session, meeting.id)],
        "attendance": await attendance_summary(session, meeting),
        "minutes": await minutes_state(session, meeting.id),
        "floor": floor,
        "conclusions": await conclusions_state(session, meeting.id),
        "tasks": await tasks_state(session, meeting.id),
        "recording": {"capturing": await capturing_now(session, meeting.id)},
    }


async def shared_part(session: AsyncSession, meeting: Meeting, default_limit_seconds: int) -> SharedPart:
    assert meeting.id is not None
    state = await shared_state(session, meeting, default_limit_seconds)
    polls = await meeting_polls(session, meeting.id, None)
    return SharedPart(
        text=_encode(state).decode(),
        polls=[poll.model_dump(mode="json") for poll in polls],
        poll_serials=await poll_serials(session, meeting.id),
        opinions=await meeting_opinions(session, meeting.id),
    )


async def viewer_state(session: AsyncSession, access: MeetingAccess, shared: SharedPart) -> dict[str, Any]:
    """The fields of a snapshot that are this viewer's own: their access, documents, ballots and notes."""
    meeting, principal = access.meeting, access.principal
    assert meeting.id is not None
    documents = await visible_documents(session, access)
    readable = {document.id for document in documents if document.id is not None}
    presenting = meeting.presenting_document_id if meeting.presenting_document_id in readable else None
    if shared.poll_serials == await poll_serials(session, meeting.id):
        secret = [poll["id"] for poll in shared.polls if poll["secret"]]
        voted = await secret_polls_voted(session, secret, principal.id)
        polls = [as_seen_by(poll, principal.id, voted) for poll in shared.polls]
    else:  # a ballot came in since the shared part was read (its tally will move the seq): read them all
        polls = [poll.model_dump(mode="json") for poll in await meeting_polls(session, meeting.id, principal.id)]
    return {
        "documents": [document_public(document).model_dump(mode="json") for document in documents],
        "polls": polls,
        "presenting": {"document_id": presenting, "page": meeting.presenting_page if presenting else None},
        "me": {
            "user_id": principal.id,
            "meeting_role": str(access.meeting_role) if access.meeting_role else None,
            "can_manage": access.can_manage,
            "can_record": access.can_record,
        },
        "opinions": shared.opinions.visible(readable),
        "my_notes": await note_counts(session, principal.id, readable),
    }


async def build_snapshot(db: Database, meeting_id: int, principal: Principal) -> tuple[int, dict[str, Any]]:
    """Read state and seq in one transaction, so events after seq apply cleanly on top (nothing cached).

    Raises NotFound when the user may not see the meeting.
    """
    async with db.snapshot_read() as session, session.begin():
        access = await load_access(session, meeting_id, principal)
        shared = await shared_part(session, access.meeting, db.settings.speaking_limit_seconds)
        mine = await viewer_state(session, access, shared)
    return access.meeting.last_seq, {**msgspec.json.decode(shared.text), **mine}


class SharedParts:
    """Each meeting's shared part, as JSON text, at the newest seq this process built it for.

    Keyed by seq, which the reader took from the same transaction as the rest of its state: an entry can
    only be handed to a reader at exactly that seq, so one process never serves another's older state and
    several processes need not agree. Connections arriving together at one seq wait for a single build.
    Only the newest seq of each meeting is kept, and at most ``max_meetings`` meetings.
    """

    def __init__(self, max_meetings: int = 256) -> None:
        self.max_meetings = max_meetings
        self._parts: OrderedDict[int, tuple[int, asyncio.Future[SharedPart]]] = OrderedDict()
        self.builds = 0
        """Shared parts built (for tests and benchmarks: connects at one seq build it once)."""

    async def get(self, meeting_id: int, seq: int, build: Callable[[], Awaitable[SharedPart]]) -> SharedPart:
        """The shared part of ``meeting_id`` at ``seq``; ``build`` reads it if needed."""
        held = self._parts.get(meeting_id)
        if held is not None and held[0] == seq:
            self._parts.move_to_end(meeting_id)
            try:
                return await asyncio.shield(held[1])
            except asyncio.CancelledError:
                if not held[1].cancelled():
                    raise  # this reader was cancelled, not the build
            except Exception:  # noqa: S110 - the build failed for its reader: this one reads on its own
                pass
            return await self._build(build)
        if held is not None and held[0] > seq:  # a reader behind the newest state: not worth keeping
            return await self._build(build)
        future: asyncio.Future[SharedPart] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_consume)
        self._parts[meeting_id] = (seq, future)
        self._parts.move_to_end(meeting_id)
        while len(self._parts) > self.max_meetings:
            self._parts.popitem(last=False)
        try:
            part = await self._build(build)
        except BaseException as exc:
            if self._parts.get(meeting_id) == (seq, future):
                del self._parts[meeting_id]
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
            raise
        future.set_result(part)
        return part

    async def _build(self, build: Callable[[], Awaitable[SharedPart]]) -> SharedPart:
        self.builds += 1
        return await build()

    def forget(self, meeting_id: int) -> None:
        """Drop a meeting's entry (its last tablet left this process)."""
        self._parts.pop(meeting_id, None)


def _consume(future: asyncio.Future[SharedPart]) -> None:
    """Mark a failed build's exception as seen: its own reader re-raises it, waiters read on their own."""
    if not future.cancelled():
        future.exception()


HEAD_LEVEL = 6
"""zlib level of a snapshot's head, compressed once per meeting and seq: a 500-participant meeting's snapshot,
120 KB of JSON, goes out as 7.4 KB (bench/votes.py)."""
TAIL_LEVEL = 1
"""zlib level of a viewer's own part, compressed once per tablet: a few hundred bytes to a few KB."""


@dataclass(frozen=True, slots=True)
class SnapshotMessage:
    """A ``snapshot`` message for one viewer: ``head`` depends only on the meeting's state at ``seq`` (the
    same for every viewer), ``tail`` is the viewer's own part. The text is the two joined."""

    seq: int
    head: str
    tail: str
    shared: SharedPart

    @property
    def text(self) -> str:
        return self.head + self.tail

    def deflated(self) -> bytes:
        """The text's UTF-8 in raw DEFLATE (RFC 1951), what a tablet that asked for ``compress=deflate-raw``
        gets in one binary frame.

        The head is compressed once per seq and ends on a byte boundary without a last block (a sync flush);
        the tail is a DEFLATE stream of its own that ends the whole. One stream that inflates to the text, at
        the cost of compressing only the few KB that are this viewer's."""
        head = self.shared.deflated_heads.get(self.seq)
        if head is None:
            opening = zlib.compressobj(HEAD_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
            head = opening.compress(self.head.encode()) + opening.flush(zlib.Z_SYNC_FLUSH)
            self.shared.deflated_heads[self.seq] = head
        closing = zlib.compressobj(TAIL_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        return head + closing.compress(self.tail.encode()) + closing.flush()


async def snapshot_message(db: Database, meeting_id: int, principal: Principal, parts: SharedParts) -> SnapshotMessage:
    """The ``snapshot`` message for this viewer, the shared part taken from ``parts``.

    Raises NotFound when the user may not see the meeting (checked before anything else is read).
    """
    async with db.snapshot_read() as session, session.begin():
        access = await load_access(session, meeting_id, principal)
        meeting = access.meeting
        shared = await parts.get(
            meeting_id,
            meeting.last_seq,
            lambda: shared_part(session, meeting, db.settings.speaking_limit_seconds),
        )
        mine = _encode(await viewer_state(session, access, shared)).decode()
    # two JSON objects with distinct keys joined into one: {shared..., mine...}
    seq = meeting.last_seq
    head = f'{{"type":"snapshot","seq":{seq},"state":'
    if len(shared.text) > 2:
        return SnapshotMessage(seq, f"{head}{shared.text[:-1]},", f"{mine[1:]}}}", shared)
    return SnapshotMessage(seq, head, f"{mine}}}", shared)
