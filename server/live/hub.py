"""Each connected tablet, and the one task that keeps them all alive.

A connection delivers events strictly in seq order, each at most once: an
event older than what it already sent is dropped; one that skips ahead makes
it read the missing seqs from the log first (they are committed, see
``outbox``). So neither out-of-order publishing nor a dropped backlog entry
can lose or repeat an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import msgspec
from litestar import WebSocket
from litestar.channels import Subscriber
from sqlmodel import col, select

from server.auth.service import Principal
from server.db import Database, utcnow
from server.live.models import MeetingEvent
from server.live.snapshot import build_snapshot
from server.live.wire import decode_published, event_message

log = logging.getLogger(__name__)

# placed in a socket's own queue by the heartbeat, so pings never race event sends
PING = b"ping"
PING_TEXT = '{"type":"ping"}'
CLOSE_REMOVED = 4403
CLOSE_GONE = 4404
CLOSE_EXPIRED = 4401
CLOSE_IDLE = 4408


class SocketClosed(Exception):
    pass


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
        "subscriber",
        "closed",
    )

    def __init__(
        self,
        socket: WebSocket,
        principal: Principal,
        meeting_id: int,
        db: Database,
        resume_max_events: int,
    ) -> None:
        self.socket = socket
        self.principal = principal
        self.meeting_id = meeting_id
        self.db = db
        self.resume_max_events = resume_max_events
        self.last_seq = 0
        self.last_seen = time.monotonic()
        self.lock = asyncio.Lock()
        self.subscriber: Subscriber | None = None
        self.closed = False

    async def send(self, text: str) -> None:
        if self.closed:
            raise SocketClosed
        try:
            await self.socket.send_text(text)
        except Exception as exc:  # the peer went away mid-send; the receive loop ends the connection
            self.closed = True
            raise SocketClosed from exc

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            await self.socket.close(code=code, reason=reason)

    async def send_snapshot(self) -> None:
        seq, state = await build_snapshot(self.db, self.meeting_id, self.principal)
        await self.send(msgspec.json.encode({"type": "snapshot", "seq": seq, "state": state}).decode())
        self.last_seq = seq

    async def resume(self, since: int) -> None:
        """Send every visible event after ``since``, or a snapshot when replay is not possible."""
        async with self.lock:
            await self._resume(since)
            await self.send(msgspec.json.encode({"type": "resumed", "seq": self.last_seq}).decode())

    async def _resume(self, since: int) -> None:
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
        if since < 0 or len(rows) > self.resume_max_events or not contiguous or (not rows and since > self.last_seq):
            await self.send_snapshot()
            return
        self.last_seq = since
        await self._send_rows(rows)

    async def _send_rows(self, rows: list[MeetingEvent] | Any) -> None:
        for row in rows:
            if row.audience is None or self.principal.id in row.audience:
                await self.send(event_message(row.seq, row.name, row.data).decode())
            self.last_seq = max(self.last_seq, row.seq)

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
        """Called by this socket's subscriber task for every message on the meeting's channel."""
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
        except Exception:  # one tablet's trouble must not stop its subscriber task
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


class LiveHub:
    """Every open connection of this process, and the heartbeat that checks them."""

    def __init__(self, heartbeat_seconds: float, idle_timeout_seconds: float) -> None:
        self.heartbeat_seconds = heartbeat_seconds
        self.idle_timeout_seconds = idle_timeout_seconds
        self.connections: set[Connection] = set()
        self._task: asyncio.Task[None] | None = None

    def register(self, connection: Connection) -> None:
        self.connections.add(connection)

    def unregister(self, connection: Connection) -> None:
        self.connections.discard(connection)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._heartbeat())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for connection in list(self.connections):
            await connection.close(1001, "server shutting down")

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            try:
                await self.beat()
            except Exception:
                log.exception("heartbeat failed")

    async def beat(self) -> None:
        now, wall = time.monotonic(), utcnow()
        for connection in list(self.connections):
            if now - connection.last_seen > self.idle_timeout_seconds:
                await connection.close(CLOSE_IDLE, "no answer to heartbeat")
            elif connection.principal.token_expires_at <= wall:
                await connection.close(CLOSE_EXPIRED, "session expired")
            elif connection.subscriber is not None:
                connection.subscriber.put_nowait(PING)
