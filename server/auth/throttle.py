"""Failed logins slow down the next attempt: per account and per address, with a growing wait.

Each key (``account:<username>``, ``address:<ip>``) counts its failures; once a key has had its
free attempts, every further failure locks it for ``base * 2**(extra failures)`` seconds, up to a
ceiling. While either key is locked a login is refused with 429 and ``Retry-After`` before any
password is hashed, so a flood costs the server almost nothing. A success clears the account's
count (not the address's: one good password must not unlock guessing at other accounts).
Counts are forgotten ``window`` seconds after the last failure.

With ``ICABINET_REDIS_URL`` the counts live in Redis, so every process of a scaled-out install
sees the same ones; if Redis cannot be reached the process counts in memory until it can.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Protocol

from redis.asyncio import Redis

from server.live.redis_backend import CONNECTION_ERRORS, redis_client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThrottlePolicy:
    free_attempts: int
    """Failures allowed before the key is locked."""
    base_seconds: float
    max_seconds: float
    window_seconds: float

    def lock_seconds(self, failures: int) -> float:
        """How long a key is locked after its ``failures``-th failure (0: not yet)."""
        extra = failures - self.free_attempts - 1
        if extra < 0:
            return 0.0
        return float(min(self.max_seconds, self.base_seconds * 2 ** min(extra, 30)))


class Counter(Protocol):
    async def locked_for(self, key: str) -> float: ...

    async def fail(self, key: str, policy: ThrottlePolicy) -> float: ...

    async def reset(self, key: str) -> None: ...


@dataclass
class _Count:
    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0


@dataclass
class MemoryCounter:
    """Counts of this process only."""

    max_keys: int = 100_000
    counts: dict[str, _Count] = field(default_factory=dict)

    async def locked_for(self, key: str) -> float:
        count = self.counts.get(key)
        return max(0.0, count.locked_until - time.monotonic()) if count else 0.0

    async def fail(self, key: str, policy: ThrottlePolicy) -> float:
        now = time.monotonic()
        count = self.counts.get(key)
        if count is None or now - count.last_failure > policy.window_seconds:
            if len(self.counts) >= self.max_keys:
                self._drop_old(now, policy.window_seconds)
            count = self.counts[key] = _Count()
        count.failures += 1
        count.last_failure = now
        lock = policy.lock_seconds(count.failures)
        count.locked_until = now + lock
        return lock

    async def reset(self, key: str) -> None:
        self.counts.pop(key, None)

    def _drop_old(self, now: float, window: float) -> None:
        self.counts = {key: count for key, count in self.counts.items() if now - count.last_failure <= window}
        while len(self.counts) >= self.max_keys:  # a flood of distinct keys: the oldest go first
            del self.counts[next(iter(self.counts))]


class RedisCounter:
    """Counts shared by every process on one Redis: ``<ns>:login:<key>`` (failures, expiring after the window)
    and ``<ns>:login-lock:<key>`` (present while locked, expiring with the lock)."""

    def __init__(self, client: Redis, namespace: str) -> None:
        self.client = client
        self.prefix = f"{namespace}:login"

    async def locked_for(self, key: str) -> float:
        milliseconds = await self.client.pttl(f"{self.prefix}-lock:{key}")
        return max(0.0, milliseconds / 1000)

    async def fail(self, key: str, policy: ThrottlePolicy) -> float:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(f"{self.prefix}:{key}")
            pipe.expire(f"{self.prefix}:{key}", math.ceil(policy.window_seconds))
            failures, _ = await pipe.execute()
        lock = policy.lock_seconds(int(failures))
        if lock > 0:
            await self.client.set(f"{self.prefix}-lock:{key}", b"1", px=max(1, int(lock * 1000)))
        return lock

    async def reset(self, key: str) -> None:
        await self.client.delete(f"{self.prefix}:{key}", f"{self.prefix}-lock:{key}")


class LoginThrottle:
    def __init__(
        self,
        account: ThrottlePolicy,
        address: ThrottlePolicy,
        redis_url: str | None = None,
        namespace: str = "icabinet",
    ) -> None:
        self.account = account
        self.address = address
        self.memory = MemoryCounter()
        self.shared: RedisCounter | None = RedisCounter(redis_client(redis_url), namespace) if redis_url else None

    async def _each(self, call: str, *args: object) -> float:
        """Run ``call`` on the shared counter, falling back to this process's counts while Redis is away."""
        if self.shared is not None:
            try:
                result: float | None = await getattr(self.shared, call)(*args)
                return result or 0.0
            except CONNECTION_ERRORS as exc:
                log.warning("login throttle: Redis unavailable (%s); counting in this process", exc)
        return (await getattr(self.memory, call)(*args)) or 0.0

    async def retry_after(self, username: str, address: str) -> int:
        """Seconds until a login for this account from this address may be tried (0: now)."""
        waits = [await self._each("locked_for", _account(username)), await self._each("locked_for", _address(address))]
        return math.ceil(max(waits))

    async def failed(self, username: str, address: str) -> int:
        """Count a failure; returns the seconds the next attempt must wait (0: none)."""
        waits = [
            await self._each("fail", _account(username), self.account),
            await self._each("fail", _address(address), self.address),
        ]
        return math.ceil(max(waits))

    async def succeeded(self, username: str) -> None:
        await self._each("reset", _account(username))

    async def close(self) -> None:
        if self.shared is not None:
            await self.shared.client.aclose()


def _account(username: str) -> str:
    return f"account:{username.casefold()}"


def _address(address: str) -> str:
    return f"address:{address}"
