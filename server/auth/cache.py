"""Verified principals kept in-process for a few seconds, so a burst of requests does not read the token each time.

Every request used to open a read transaction for its token (BEGIN, SELECT token
and user, ROLLBACK: three hand-offs to the database thread). 500 ballots in a
second are 500 such reads for 500 tokens that were verified moments ago. A
principal found here is used for at most ``ttl`` seconds after it was read, and
never past its token's expiry.

In this process a change takes effect at once: logout forgets the token, a user
change (password, role, disabled) forgets everything, and a lookup that started
before such a change never stores its (older) answer.

Several processes (``ICABINET_REDIS_URL``): each forgetting is also told to the
others over the control channel (``server/cluster.py``), after the commit, and
they forget the same at once. What remains is the message's trip (a
millisecond or so on one site): a request another process answers in that
moment may still be honoured. Messages lost while Redis is away are made up for
by clearing the whole cache when the connection is back; until then, ``ttl``
seconds is the bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.auth.service import Principal
from server.db import utcnow

if TYPE_CHECKING:
    from server.cluster import Cluster

MAX_ENTRIES = 20_000


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    until: float  # monotonic


class PrincipalCache:
    def __init__(self, ttl: float, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, _Entry] = {}
        self.generation = 0  # bumped by every invalidation
        self._tell: Callable[..., None] | None = None

    def follow(self, cluster: Cluster) -> None:
        """Tell the other processes what this one forgets, and forget what they tell."""
        self._tell = cluster.tell
        cluster.on("auth.token", lambda args: self._forget_token(args[0]))
        cluster.on("auth.user", lambda args: self._forget_user(int(args[0])))
        cluster.on_reconnect(self.clear)

    def get(self, token_hash: str) -> Principal | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if entry.until <= time.monotonic() or entry.principal.token_expires_at <= utcnow():
            del self._entries[token_hash]
            return None
        return entry.principal

    def put(self, token_hash: str, principal: Principal, generation: int) -> None:
        """Keep ``principal``, read from the database when ``generation`` was current (else: too old, dropped)."""
        if self.ttl <= 0 or generation != self.generation:
            return
        if len(self._entries) >= self.max_entries:
            self._drop_stale()
        self._entries[token_hash] = _Entry(principal, time.monotonic() + self.ttl)

    def forget_token(self, token_hash: str) -> None:
        self._forget_token(token_hash)
        if self._tell is not None:
            self._tell("auth.token", token_hash)

    def forget_user(self, user_id: int) -> None:
        self._forget_user(user_id)
        if self._tell is not None:
            self._tell("auth.user", user_id)

    def _forget_token(self, token_hash: str) -> None:
        self.generation += 1
        self._entries.pop(token_hash, None)

    def _forget_user(self, user_id: int) -> None:
        self.generation += 1
        for token_hash in [key for key, entry in self._entries.items() if entry.principal.id == user_id]:
            del self._entries[token_hash]

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()

    def _drop_stale(self) -> None:
        now = time.monotonic()
        self._entries = {key: entry for key, entry in self._entries.items() if entry.until > now}
        while len(self._entries) >= self.max_entries:  # still full: the oldest go first
            del self._entries[next(iter(self._entries))]
