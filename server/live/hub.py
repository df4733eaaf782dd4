"""Each connected tablet, the meetings' fan-out, and the one task that keeps them all alive.

A process subscribes once per meeting to the meeting's channel, not once per
tablet: each published message is handed to every local connection of that
meeting in one synchronous loop, and a connection's delivery runs on the spot
(``run_eagerly``); it becomes a task only in the rare case it must wait (its
tablet's buffer is full). A connection with ``max_backlog`` deliveries waiting
keeps only the newest message aside, so one stalled tablet holds a bounded
amount of memory and never slows the others.

A connection delivers events strictly in seq order, each at most once: an
event older than what it already sent is dropped; one that skips ahead makes
it read the missing seqs from the log first (they are committed, see
``outbox``). So neither out-of-order publishing nor a message set aside can
lose or repeat an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import msgspec
from litestar import WebSocket
from litestar.channels import ChannelsPlugin
from sqlmodel import col, select

from server.auth.service import Principal
from server.auth.sessions import Ending
from server.db import Database, utcnow
from server.live.eager import run_eagerly
from server.live.models import MeetingEvent
from server.live.snapshot import SharedParts, snapshot_message
from server.live.wire import Published, channel_name, decode_published, encode_published, logged_event
from server.meetings.models import Meeting
from server.tasks import cancel

log = logging.getLogger(__name__)

# offered to each socket by the heartbeat, in line with its events
PING = b"ping"
PING_TEXT = '{"type":"ping"}'
CLOSE_REMOVED = 4403
CLOSE_GONE = 4404
CLOSE_EXPIRED = 4401
CLOSE_IDLE = 4408
CLOSE_RIGHTS = 4409
CLOSE_TOO_MANY = 4429
CATCH_UP_ROWS = 200
RECENT_EVENTS = 256
"""Published messages each room keeps in memory for resumes (older ones are read from the log)."""


class SocketClosed(Exception):
    pass


class TooManySockets(Exception):
    """The session already holds ``ws_max_sockets_per_session`` open sockets in this process."""


class Connection:
    __slots__ = (
        "socket",
        "principal",
        "meeting_id",
        "db",
        "resume_max_events",
        "last_seq",
        "last_seen",
        "lock",
        "closed",
        "ready",
        "max_backlog",
        "waiting",
        "set_aside",
        "room",
        "expiry",
        "shared_parts",
        "deflate",
    )

    def __init__(
        self,
        socket: WebSocket,
        principal: Principal,
        meeting_id: int,
        db: Database,
        resume_max_events: int,
        max_backlog: int = 500,
        shared_parts: SharedParts | None = None,
        deflate: bool = False,
    ) -> None:
        self.socket = socket
        self.principal = principal
        self.meeting_id = meeting_id
        self.db = db
        self.resume_max_events = resume_max_events
        self.last_seq = 0
        self.last_seen = time.monotonic()
        self.lock = asyncio.Lock()
        self.closed = False
        self.ready = False  # deliveries start once the snapshot (or replay) is out
        self.max_backlog = max_backlog
        self.waiting: set[asyncio.Task[None]] = set()  # deliveries that had to wait for the socket
        self.set_aside: bytes | None = None  # the newest message not yet started
        self.room: Room | None = None  # set by LiveHub.join
        self.expiry: asyncio.TimerHandle | None = None  # closes the socket when the token expires (LiveHub.join)
        self.shared_parts = shared_parts if shared_parts is not None else SharedParts(max_meetings=1)
        self.deflate = deflate
        """The tablet asked for its snapshots compressed (``compress=deflate-raw``): each one is a binary frame of
        raw DEFLATE; every other message stays text."""

    def offer(self, message: bytes) -> None:
        """Deliver a published message now, or set it aside while the socket is not ready or is stalled."""
        if self.closed:
            return
        if not self.ready or len(self.waiting) >= self.max_backlog:
            # the newest event is enough: the log fills what it skips (several processes publish, so an older
            # seq may arrive after a newer one: it must not take the newer one's place)
            if message != PING and (
                self.set_aside is None or decode_published(message).seq > decode_published(self.set_aside).seq
            ):
                self.set_aside = message
            return
        self._deliver(message)

    def start_delivering(self) -> None:
        self.ready = True
        self._deliver_set_aside()

    def _deliver(self, message: bytes) -> None:
        task = run_eagerly(self.on_published(message))
        if task is not None:
            self.waiting.add(task)
            task.add_done_callback(self._delivered)

    def _delivered(self, task: asyncio.Task[None]) -> None:
        self.waiting.discard(task)
        if not self.waiting:
            self._deliver_set_aside()

    def _deliver_set_aside(self) -> None:
        message, self.set_aside = self.set_aside, None
        if message is not None and not self.closed:
            self._deliver(message)

    async def send(self, text: str) -> None:
        await self._send(text)

    async def _send(self, data: str | bytes) -> None:
        """A text frame for a str, a binary one for bytes."""
        if self.closed:
            raise SocketClosed
        try:
            await self.socket.send_data(data, mode="text" if isinstance(data, str) else "binary")
        except Exception as exc:  # the peer went away mid-send; the receive loop ends the connection
            self.closed = True
            raise SocketClosed from exc

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        await self._close_socket(code, reason)

    def end(self, code: int, reason: str) -> asyncio.Task[None] | None:
        """Stop at once (not one more message is sent) and close the socket in the background."""
        if self.closed:
            return None
        self.closed = True
        return asyncio.create_task(self._close_socket(code, reason))

    async def _close_socket(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.socket.close(code=code, reason=reason)

    async def send_snapshot(self) -> None:
        message = await snapshot_message(self.db, self.meeting_id, self.principal, self.shared_parts)
        await self._send(message.deflated() if self.deflate else message.text)
        self.last_seq = message.seq

    async def resume(self, since: int, head: int) -> None:
        """Send every visible event after ``since``, or a snapshot when replay is not possible. ``head``: the
        meeting's newest seq as the access check just read it (a tablet already there needs nothing)."""
        async with self.lock:
            await self._resume(since, head)
            await self.send(msgspec.json.encode({"type": "resumed", "seq": self.last_seq}).decode())

    async def _resume(self, since: int, head: int) -> None:
        replay = self.room.replay(since, self.resume_max_events) if self.room is not None else None
        if replay is not None:  # this process has every event after since in memory: no database round trip
            self.last_seq = since
            await self._send_events(replay)
            return
        async with self.db.read() as session:
            rows = (
                await session.exec(
                    select(MeetingEvent)
                    .where(MeetingEvent.meeting_id == self.meeting_id, MeetingEvent.seq > since)
                    .order_by(col(MeetingEvent.seq))
                    .limit(self.resume_max_events + 1)
                )
            ).all()
        contiguous = all(row.seq == since + offset + 1 for offset, row in enumerate(rows))
        # nothing after since is only sure where since is no further than a head this tablet or the check saw
        ahead = not rows and since > max(self.last_seq, head)
        if since < 0 or len(rows) > self.resume_max_events or not contiguous or ahead:
            await self.send_snapshot()
            return
        self.last_seq = since
        await self._send_rows(rows)

    async def _send_rows(self, rows: list[MeetingEvent] | Any) -> None:
        await self._send_events([logged_event(row.seq, row.name, row.data, row.audience) for row in rows])

    async def _send_events(self, events: list[Published]) -> None:
        """Send the events this tablet may see, in order (from the log or a room's memory)."""
        for event in events:
            if event.visible_to(self.principal.id):
                await self.send(event.text)
            self.last_seq = max(self.last_seq, event.seq)

    async def _fill_gap(self, upto: int) -> None:
        async with self.db.read() as session:
            rows = (
                await session.exec(
                    select(MeetingEvent)
                    .where(
                        MeetingEvent.meeting_id == self.meeting_id,
                        MeetingEvent.seq > self.last_seq,
                        MeetingEvent.seq <= upto,
                    )
                    .order_by(col(MeetingEvent.seq))
                )
            ).all()
        await self._send_rows(rows)

    async def on_published(self, message: bytes) -> None:
        """Send one message of the meeting's channel to this tablet (see ``offer``)."""
        try:
            if message == PING:
                await self.send(PING_TEXT)
                return
            published = decode_published(message)
            async with self.lock:
                if published.seq <= self.last_seq:
                    return
                if published.seq > self.last_seq + 1:
                    await self._fill_gap(published.seq - 1)
                if published.visible_to(self.principal.id):
                    await self.send(published.text)
                self.last_seq = published.seq
            if '"participant.changed"' in published.text or '"meeting.deleted"' in published.text:
                await self._maybe_leave(published.text)
        except SocketClosed:
            pass
        except Exception:  # one tablet's trouble must not reach the meeting's fan-out
            log.exception("live delivery failed for user %s in meeting %s", self.principal.id, self.meeting_id)

    async def _maybe_leave(self, text: str) -> None:
        message = msgspec.json.decode(text)
        if message["name"] == "meeting.deleted":
            await self.close(CLOSE_GONE, "meeting deleted")
        elif (
            message["data"]["action"] == "removed"
            and message["data"]["participant"]["user_id"] == self.principal.id
            and not self.principal.is_admin
        ):
            await self.close(CLOSE_REMOVED, "removed from the meeting")


class Room:
    """One meeting's connections in this process, fed by one subscription to its channel.

    The room also keeps the last ``RECENT_EVENTS`` messages it was fed, by seq, so a tablet that resumes here
    (a network blip, or moved over from a process that died) is answered from memory, not the log.
    """

    __slots__ = ("meeting_id", "connections", "feed", "subscribed", "recent")

    def __init__(self, meeting_id: int) -> None:
        self.meeting_id = meeting_id
        self.connections: set[Connection] = set()
        self.feed: asyncio.Task[None] | None = None
        self.subscribed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.recent: dict[int, bytes] = {}

    def keep(self, message: bytes) -> None:
        """Remember a published message of the meeting (oldest dropped beyond ``RECENT_EVENTS``)."""
        self.recent[decode_published(message).seq] = message
        while len(self.recent) > RECENT_EVENTS:  # the first kept is the oldest but for publishers' races,
            del self.recent[next(iter(self.recent))]  # which replay's contiguity check sends to the log

    def replay(self, since: int, limit: int) -> list[Published] | None:
        """Every event after ``since`` as this room has them, or None when memory cannot answer for sure:
        ``since + 1`` is not kept (older, or ``since`` is ahead of everything), a seq in between is missing (a
        publication still on its way or lost: the log knows), or more than ``limit`` would be sent."""
        if not self.recent:
            return None
        head = max(self.recent)
        if since == head:
            return []
        if since > head or since < 0 or head - since > limit:
            return None
        replay = []
        for seq in range(since + 1, head + 1):
            message = self.recent.get(seq)
            if message is None:
                return None
            replay.append(decode_published(message))
        return replay


class LiveHub:
    """Every open connection of this process, by meeting, and the heartbeat that checks them.

    With ``watch_log`` (several processes on Redis) the heartbeat also compares each meeting's
    ``last_seq`` in the database with what its tablets here have seen, and offers them what the
    channel never brought: a publication lost with a killed process or while Redis was away
    (``catch_up``, also run at once when the Redis subscription is back).
    """

    def __init__(
        self,
        channels: ChannelsPlugin,
        heartbeat_seconds: float,
        idle_timeout_seconds: float,
        db: Database | None = None,
        watch_log: bool = False,
        max_sockets_per_session: int = 8,
    ) -> None:
        self.channels = channels
        self.max_sockets_per_session = max_sockets_per_session
        self.sessions: dict[str, set[Connection]] = {}
        """Open connections by the token hash of their session (what a logout closes, what the limit counts)."""
        self._ending: set[asyncio.Task[None]] = set()
        self.heartbeat_seconds = heartbeat_seconds
        self.idle_timeout_seconds = idle_timeout_seconds
        self.db = db
        self.watch_log = watch_log and db is not None
        self.rooms: dict[int, Room] = {}
        self._task: asyncio.Task[None] | None = None
        self._catching_up: asyncio.Task[None] | None = None
        self.caught_up = 0
        """Events this process took from the log because no channel brought them (for tests and /health)."""
        self.shared_parts = SharedParts()
        """The meetings' shared snapshot parts, one build per meeting and seq for all tablets connecting."""

    @property
    def connections(self) -> list[Connection]:
        return [connection for room in self.rooms.values() for connection in room.connections]

    async def join(self, connection: Connection) -> None:
        """Add a connection to its meeting's room; returns once the room receives the channel.

        Messages published from then on are offered to the connection (and set aside
        until ``start_delivering``), so a snapshot read afterwards misses nothing. The caller
        has checked that the user may see the meeting. Raises ``TooManySockets``.
        """
        token_hash = connection.principal.token_hash
        held = self.sessions.setdefault(token_hash, set())
        if len(held) >= self.max_sockets_per_session:
            if not held:
                del self.sessions[token_hash]
            raise TooManySockets
        held.add(connection)
        remaining = (connection.principal.token_expires_at - utcnow()).total_seconds()
        connection.expiry = asyncio.get_running_loop().call_later(
            max(0.0, remaining), self._end, connection, CLOSE_EXPIRED, "session expired"
        )
        room = self.rooms.get(connection.meeting_id)
        if room is None:
            room = self.rooms[connection.meeting_id] = Room(connection.meeting_id)
            room.feed = asyncio.create_task(self._feed(room))
        room.connections.add(connection)
        connection.room = room
        try:
            await asyncio.shield(room.subscribed)
        except BaseException:
            self.leave(connection)
            raise

    def leave(self, connection: Connection) -> None:
        if connection.expiry is not None:
            connection.expiry.cancel()
        held = self.sessions.get(connection.principal.token_hash)
        if held is not None:
            held.discard(connection)
            if not held:
                del self.sessions[connection.principal.token_hash]
        room = self.rooms.get(connection.meeting_id)
        if room is None:
            return
        room.connections.discard(connection)
        if not room.connections:
            del self.rooms[connection.meeting_id]
            self.shared_parts.forget(connection.meeting_id)
            if room.feed is not None:
                room.feed.cancel()

    def session_ended(self, ending: Ending) -> None:
        """Close the sockets of a session that ended, or of a user whose sessions ended or rights changed."""
        if ending.kind == "token":
            for connection in list(self.sessions.get(ending.key, ())):
                self._end(connection, CLOSE_EXPIRED, "session ended")
            return
        user_id = int(ending.key)
        code, reason = (CLOSE_EXPIRED, "session ended") if ending.kind == "user" else (CLOSE_RIGHTS, "rights changed")
        for connection in self.connections:
            if connection.principal.id == user_id:
                self._end(connection, code, reason)

    def _end(self, connection: Connection, code: int, reason: str) -> None:
        task = connection.end(code, reason)
        if task is not None:
            self._ending.add(task)
            task.add_done_callback(self._ending.discard)

    async def _feed(self, room: Room) -> None:
        try:
            async with self.channels.start_subscription([channel_name(room.meeting_id)]) as subscriber:
                room.subscribed.set_result(None)
                async for message in subscriber.iter_events():
                    room.keep(message)
                    for connection in list(room.connections):
                        connection.offer(message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("live feed of meeting %s stopped", room.meeting_id)
            if not room.subscribed.done():
                room.subscribed.set_exception(exc)
            for connection in list(room.connections):  # they reconnect and resume
                await connection.close(1011, "live feed lost")
        finally:
            if not room.subscribed.done():
                room.subscribed.cancel()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._heartbeat())

    async def stop(self) -> None:
        await cancel(self._task)
        await cancel(self._catching_up)
        for connection in self.connections:
            await connection.close(1001, "server shutting down")
        for room in list(self.rooms.values()):
            await cancel(room.feed)
        self.rooms.clear()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            try:
                await self.beat()
            except Exception:
                log.exception("heartbeat failed")

    async def beat(self) -> None:
        now, wall = time.monotonic(), utcnow()
        for connection in self.connections:
            if now - connection.last_seen > self.idle_timeout_seconds:
                await connection.close(CLOSE_IDLE, "no answer to heartbeat")
            elif connection.principal.token_expires_at <= wall:
                await connection.close(CLOSE_EXPIRED, "session expired")
            else:
                connection.offer(PING)
        if self.watch_log:
            await self.catch_up()

    def catch_up_soon(self) -> None:
        """Run ``catch_up`` in the background (the channels backend is back after an outage)."""
        if self.db is not None and (self._catching_up is None or self._catching_up.done()):
            self._catching_up = asyncio.create_task(self.catch_up())

    async def catch_up(self) -> None:
        """Offer each room the committed events its ready tablets have not seen (see the class docstring)."""
        assert self.db is not None
        rooms = [room for room in self.rooms.values() if room.connections]
        if not rooms:
            return
        async with self.db.read() as session:
            heads = dict(
                (
                    await session.exec(
                        select(Meeting.id, Meeting.last_seq).where(col(Meeting.id).in_([r.meeting_id for r in rooms]))
                    )
                ).all()
            )
        for room in rooms:
            ready = [connection.last_seq for connection in room.connections if connection.ready]
            head = heads.get(room.meeting_id)
            if head is None or not ready or min(ready) >= head:
                continue
            async with self.db.read() as session:
                rows = (
                    await session.exec(
                        select(MeetingEvent)
                        .where(MeetingEvent.meeting_id == room.meeting_id, MeetingEvent.seq > min(ready))
                        .order_by(col(MeetingEvent.seq))
                        .limit(CATCH_UP_ROWS + 1)
                    )
                ).all()
            if len(rows) > CATCH_UP_ROWS:  # far behind: the newest makes each tablet read its own gap
                rows = rows[-1:]
            messages = [encode_published(row.seq, row.name, row.data, row.audience) for row in rows]
            self.caught_up += len(messages)
            for message in messages:
                room.keep(message)
            for connection in list(room.connections):
                for message in messages:
                    connection.offer(message)
