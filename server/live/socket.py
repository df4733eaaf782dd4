"""``/ws/meetings/{id}``: the live feed of one meeting for one tablet. See docs/sync-protocol.md.

Every way into the feed checks first that the caller may see the meeting (``load_access``, the rule of the
snapshot and of every HTTP route): the connection joins the meeting's fan-out only once the check passed, and a
``resume`` message authenticates the session again and repeats the check before anything is replayed. Sessions
that end, and rights that change, close the socket from outside (``LiveHub.session_ended``).
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


async def may_follow(db: Database, meeting_id: int, principal: Principal) -> bool:
    """Whether ``principal`` may see the meeting (and so receive its feed)."""
    try:
        async with db.read() as session:
            await load_access(session, meeting_id, principal)
    except NotFound:
        return False
    return True


@websocket("/ws/meetings/{meeting_id:int}")
async def meeting_socket(socket: WebSocket, meeting_id: FromPath[int]) -> None:
    await socket.accept()
    principal: Principal | None = socket.scope.get("user")
    if principal is None:
        await socket.close(code=CLOSE_EXPIRED, reason="not logged in")
        return
    state = socket.app.state
    if not await may_follow(state.db, meeting_id, principal):
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
            since = socket.query_params.get("since")
            if since is not None and since.lstrip("-").isdigit():
                await connection.resume(int(since))
            else:
                await connection.send_snapshot()
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


async def _still_allowed(connection: Connection, authenticator: Authenticator, token: str | None) -> bool:
    """Authenticate the socket's session again and check the meeting again; close the socket when either fails."""
    principal = await authenticator.authenticate(token) if token else None
    if principal is None:
        await connection.close(CLOSE_EXPIRED, "session ended")
        return False
    if not await may_follow(connection.db, connection.meeting_id, principal):
        await connection.close(CLOSE_GONE, "meeting not found")
        return False
    return True


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
                if await _still_allowed(connection, authenticator, token):
                    await connection.resume(message["since"])
            else:
                await connection.send(
                    '{"type":"error","detail":"expected {\\"type\\": \\"pong\\"|\\"ping\\"|\\"resume\\", ...}"}'
                )
