"""What the server processes sharing one database tell each other, over the channels backend.

One process (the embedded default, in-process channels) has no one to tell:
every call here is then a no-op. With ``ICABINET_REDIS_URL`` several processes
share PostgreSQL and Redis, and a few things kept in each process's memory must
follow changes made by another: the auth cache drops a revoked token or a
changed user, the assistant's index takes a document another process
processed, an idle OCR worker wakes for pages another process queued.

A message is ``b"<instance> <kind> <args...>"`` on the channel
``icabinet:control``; a process skips its own. Messages are hints, never the
truth (that is the database): one lost while Redis was away is made up for by
the ``on_reconnect`` handlers, which run once the subscription is back.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable

from litestar.channels import ChannelsPlugin

from server.tasks import cancel

log = logging.getLogger(__name__)

CONTROL_CHANNEL = "icabinet:control"

Handler = Callable[[list[str]], None]


class Cluster:
    def __init__(self, shared: bool) -> None:
        self.shared = shared
        self.instance = secrets.token_hex(6)
        """This process, as lease owner and as sender of control messages (new at every start)."""
        self.channels: ChannelsPlugin | None = None
        self._handlers: dict[str, Handler] = {}
        self._reconnect_handlers: list[Callable[[], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._subscribed: asyncio.Future[None] | None = None

    def on(self, kind: str, handler: Handler) -> None:
        """Call ``handler(args)`` for each ``kind`` message another process sends."""
        self._handlers[kind] = handler

    def on_reconnect(self, handler: Callable[[], None]) -> None:
        """Call ``handler()`` when the channels backend is back after losing its connection."""
        self._reconnect_handlers.append(handler)

    def reconnected(self) -> None:
        for handler in self._reconnect_handlers:
            try:
                handler()
            except Exception:
                log.exception("a reconnect handler failed")

    def tell(self, kind: str, *args: object) -> None:
        """Tell the other processes (after a commit: what they read must be there)."""
        if self.shared and self.channels is not None:
            words = " ".join(str(arg) for arg in args)
            self.channels.publish(f"{self.instance} {kind} {words}".encode(), CONTROL_CHANNEL)

    async def start(self) -> None:
        if not self.shared or self.channels is None:
            return
        self._subscribed = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._listen(self.channels))
        await asyncio.shield(self._subscribed)

    async def stop(self) -> None:
        await cancel(self._task)

    async def _listen(self, channels: ChannelsPlugin) -> None:
        assert self._subscribed is not None
        try:
            async with channels.start_subscription([CONTROL_CHANNEL]) as subscriber:
                self._subscribed.set_result(None)
                async for message in subscriber.iter_events():
                    self._dispatch(message)
        except Exception as exc:
            if not self._subscribed.done():
                self._subscribed.set_exception(exc)
            log.exception("the control channel stopped")

    def _dispatch(self, message: bytes) -> None:
        sender, _, rest = message.decode().partition(" ")
        if sender == self.instance:
            return
        kind, *args = rest.split()
        handler = self._handlers.get(kind)
        if handler is None:
            return
        try:
            handler(args)
        except Exception:
            log.exception("handling %r from another process failed", rest)
