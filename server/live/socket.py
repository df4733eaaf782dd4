"""``/ws/meetings/{id}``: the live feed of one meeting for one tablet. See docs/sync-protocol.md."""

from __future__ import annotations

import contextlib
import time

import msgspec
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath

from server.auth.service import Principal
from server.errors import NotFound
from server.live.hub import CLOSE_EXPIRED, CLOSE_GONE, Connection, LiveHub, SocketClosed


@websocket("/ws/meetings/{meeting_id:int}")
async def meeting_socket(socket: WebSocket, meeting_id: FromPath[int]) -> None:
    await socket.accept()
    principal: Principal | None = socket.scope.get("user")
    if principal is None:
        await socket.close(code=CLOSE_EXPIRED, reason="not logged in")
        return
    state = socket.app.state
    hub: LiveHub = state.live
    connection = Connection(
        socket, principal, meeting_id, state.db, state.settings.resume_max_events, state.settings.ws_max_backlog
    )
    # join the meeting's fan-out before reading the snapshot, so nothing published in between is missed
    await hub.join(connection)
    try:
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
        await _receive_loop(connection)
    finally:
        hub.leave(connection)
        await connection.close(1000, "bye")


async def _receive_loop(connection: Connection) -> None:
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
                await connection.resume(message["since"])
            else:
                await connection.send(
                    '{"type":"error","detail":"expected {\\"type\\": \\"pong\\"|\\"ping\\"|\\"resume\\", ...}"}'
                )
