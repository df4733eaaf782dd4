"""``/ws/meetings/{id}``: the live feed of one meeting for one tablet. See docs/sync-protocol.md.

Every way into the feed checks that the caller may see the meeting (``load_access``, the rule of the snapshot
and of every HTTP route) before anything of it is sent. A connect that starts with a snapshot joins the
meeting's fan-out first (so nothing published meanwhile is missed; it is set aside until the snapshot is out)
and makes the check in the snapshot's own transaction: one read per tablet, what a reconnect storm repeats a
thousand times. A connect that resumes from a seq (``?since``), and a ``resume`` message, check before joining
or replaying, and the check also tells the meeting's head. A refused socket is closed (4404) having been sent
nothing. Sessions that end, and rights that change, close the socket from outside (``LiveHub.session_ended``).
"""

from __future__ import annotations

import contextlib
import time

import msgspec
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath

from server.auth.service import Authenticator, Principal
from server.db import Database
from server.errors import NotFound
from server.live.hub import (
    CLOSE_EXPIRED,
    CLOSE_GONE,
    CLOSE_TOO_MANY,
    Connection,
    LiveHub,
    SocketClosed,
    TooManySockets,
)
from server.meetings.access import load_access


async def followed_head(db: Database, meeting_id: int, principal: Principal) -> int | None:
    """The meeting's newest seq if ``principal`` may see the meeting (and so receive its feed), else None."""
    try:
        async with db.snapshot_read() as session:  # SQLite: small reads on the loop's thread
            access = await load_access(session, meeting_id, principal)
    except NotFound:
        return None
    return access.meeting.last_seq


DEFLATE_RAW = "deflate-raw"
"""``?compress=deflate-raw``: the tablet inflates its snapshots itself (browsers: ``DecompressionStream``), so each
is sent as one binary frame of raw DEFLATE whose head is compressed once per meeting and seq for every tablet
(server/live/snapshot.py). Any other value, or none, gets text."""


@websocket("/ws/meetings/{meeting_id:int}")
async def meeting_socket(socket: WebSocket, meeting_id: FromPath[int]) -> None:
    await socket.accept()
    principal: Principal | None = socket.scope.get("user")
    if principal is None:
        await socket.close(code=CLOSE_EXPIRED, reason="not logged in")
        return
    state = socket.app.state
    since_text = socket.query_params.get("since")
    since = int(since_text) if since_text is not None and since_text.lstrip("-").isdigit() else None
    head: int | None = None
    if since is not None:
        head = await followed_head(state.db, meeting_id, principal)
        if head is None:
            await socket.close(code=CLOSE_GONE, reason="meeting not found")
            return
    hub: LiveHub = state.live
    connection = Connection(
        socket,
        principal,
        meeting_id,
        state.db,
        state.settings.resume_max_events,
        state.settings.ws_max_backlog,
        hub.shared_parts,
        deflate=socket.query_params.get("compress") == DEFLATE_RAW,
    )
    # join the meeting's fan-out before reading the snapshot, so nothing published in between is missed
    try:
        await hub.join(connection)
    except TooManySockets:
        await socket.close(code=CLOSE_TOO_MANY, reason="too many sockets for this session")
        return
    try:
        # a session that ended while this socket was joining was not among those it closed: ask once more
        token = socket.scope.get("auth")
        if not token or await state.authenticator.authenticate(token) is None:
            await connection.close(CLOSE_EXPIRED, "session ended")
            return
        try:
            if since is not None and head is not None:
                await connection.resume(since, head)
            else:
                await connection.send_snapshot()  # checks access before it reads or sends anything
        except NotFound:
            await connection.close(CLOSE_GONE, "meeting not found")
            return
        except SocketClosed:
            return
        connection.start_delivering()
        await _receive_loop(connection, state.authenticator, token)
    finally:
        hub.leave(connection)
        await connection.close(1000, "bye")


async def _still_allowed(connection: Connection, authenticator: Authenticator, token: str | None) -> int | None:
    """Authenticate the socket's session again and check the meeting again: the meeting's head, or None when
    either failed (the socket is then closed)."""
    principal = await authenticator.authenticate(token) if token else None
    if principal is None:
        await connection.close(CLOSE_EXPIRED, "session ended")
        return None
    head = await followed_head(connection.db, connection.meeting_id, principal)
    if head is None:
        await connection.close(CLOSE_GONE, "meeting not found")
        return None
    return head


async def _receive_loop(connection: Connection, authenticator: Authenticator, token: str | None) -> None:
    socket = connection.socket
    with contextlib.suppress(WebSocketDisconnect, SocketClosed):
        while not connection.closed:
            raw = await socket.receive_data(mode="text")
            connection.last_seen = time.monotonic()
            try:
                message = msgspec.json.decode(raw)
                kind = message.get("type") if isinstance(message, dict) else None
            except msgspec.DecodeError:
                kind = None
            if kind == "pong":
                continue
            if kind == "ping":
                await connection.send('{"type":"pong"}')
            elif kind == "resume" and isinstance(message.get("since"), int):
                head = await _still_allowed(connection, authenticator, token)
                if head is not None:
                    await connection.resume(message["since"], head)
            else:
                await connection.send(
                    '{"type":"error","detail":"expected {\\"type\\": \\"pong\\"|\\"ping\\"|\\"resume\\", ...}"}'
                )
