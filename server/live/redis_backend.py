"""Litestar's Redis pub/sub channels backend, made to outlive a Redis restart.

Litestar's ``ChannelsPlugin`` runs one task that publishes and one that reads
the backend's stream; an exception from either ends that task for good, so with
the stock ``RedisChannelsPubSubBackend`` a Redis restart would silence the
process until it is restarted itself. And redis-py's own reconnect (retries
inside ``get_message``, channels re-subscribed on connect) would hide the gap:
what was published while the connection was down is simply gone.

Here neither method ever raises: a lost subscription connection is dropped,
re-opened with backoff and every wanted channel subscribed again, and only then
``on_reconnect()`` is called, so the server can catch up from its event log
what the outage swallowed (``LiveHub.catch_up``, the auth cache, the index). A
publication Redis refuses is retried briefly and then given up with a warning:
the event is in the log, and every receiving process reads it from there on its
next event, its next heartbeat or its reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Callable, Iterable
from typing import Any

from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

CONNECTION_ERRORS = (RedisError, OSError, asyncio.TimeoutError)
PUBLISH_ATTEMPTS = 3
RECONNECT_MAX_SECONDS = 2.0
HEALTH_CHECK_SECONDS = 5
"""A subscribed connection pings Redis when it has been quiet this long, so a silent peer is noticed."""


def redis_client(url: str) -> Redis:
    """A client that reports a broken connection at once (no hidden retries): reconnecting is done here."""
    return Redis.from_url(
        url,
        retry=Retry(NoBackoff(), 0),
        socket_connect_timeout=2,
        health_check_interval=HEALTH_CHECK_SECONDS,
    )


class ResilientRedisBackend(RedisChannelsPubSubBackend):
    """Channel names travel on Redis as ``<namespace>:<name>``: pub/sub ignores the database index, so two
    installations (or two test runs) sharing one Redis would otherwise hear each other's meetings."""

    def __init__(self, url: str, on_reconnect: Callable[[], None] | None = None, namespace: str = "icabinet") -> None:
        super().__init__(redis=redis_client(url))
        self.url = url
        self.prefix = f"{namespace}:"
        self.on_reconnect = on_reconnect
        self._wanted: set[str] = set()
        self._pubsub: PubSub | None = None
        self.reconnects = 0
        """How many times the subscription was lost and restored (for /health and tests)."""
        self.connected = True

    @property
    def _pub_sub(self) -> PubSub:  # the parent's methods reach the subscription connection through this
        if self._pubsub is None:
            self._pubsub = self._redis.pubsub()
        return self._pubsub

    async def on_shutdown(self) -> None:
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self._redis.aclose()

    async def subscribe(self, channels: Iterable[str]) -> None:
        """Subscribe, and only then let the stream read: while the first SUBSCRIBE is on its way the
        subscription has no connection yet, and a read then fails outside the errors the stream recovers from
        (the plugin's stream already runs when the app's lifespan subscribes the control channel)."""
        channels = [self.prefix + channel for channel in channels]
        self._wanted.update(channels)
        try:
            await self._pub_sub.subscribe(*channels)
        except CONNECTION_ERRORS as exc:  # the stream's reconnect subscribes every wanted channel
            log.warning("subscribing to %s failed (%s); it follows when Redis is back", channels, exc)
            await self._drop_connection()
        finally:
            self._has_subscribed.set()

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        channels = [self.prefix + channel for channel in channels]
        self._wanted.difference_update(channels)
        try:
            await super().unsubscribe(channels)
        except CONNECTION_ERRORS:
            await self._drop_connection()  # re-opened with what is still wanted

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        channels = [self.prefix + channel for channel in channels]
        for attempt in range(PUBLISH_ATTEMPTS):
            try:
                await super().publish(data, channels)
                return
            except CONNECTION_ERRORS as exc:
                if attempt + 1 == PUBLISH_ATTEMPTS:
                    log.warning("publishing on %s failed (%s); receivers catch up from the log", channels, exc)
                    return
                await asyncio.sleep(0.1 * (attempt + 1))

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        while True:
            await self._has_subscribed.wait()
            if self._pubsub is None and not await self._reconnect():
                continue
            try:
                message = await self._pub_sub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except CONNECTION_ERRORS as exc:
                log.warning("the Redis subscription was lost (%s); reconnecting", exc)
                await self._drop_connection()
                continue
            if message is None or message["type"] != "message":
                continue
            channel: str = message["channel"].decode()
            if channel in self._wanted:  # an unsubscribe still on its way may let a few through
                yield channel.removeprefix(self.prefix), message["data"]

    async def _drop_connection(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        self.connected = False
        if pubsub is not None:
            with contextlib.suppress(CONNECTION_ERRORS):
                await pubsub.aclose()

    async def _reconnect(self) -> bool:
        """Open a new subscription connection with every wanted channel; True once it is up."""
        delay = 0.05
        while True:
            wanted = sorted(self._wanted)
            if not wanted:
                self._has_subscribed.clear()
                return False
            try:
                await self._pub_sub.subscribe(*wanted)
                break
            except CONNECTION_ERRORS:
                await self._drop_connection()
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
        self.connected = True
        self.reconnects += 1
        log.warning("the Redis subscription is back (%s channels)", len(wanted))
        if self.on_reconnect is not None:
            try:
                self.on_reconnect()
            except Exception:
                log.exception("catching up after the Redis reconnect failed")
        return True
