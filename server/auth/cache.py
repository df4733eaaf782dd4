"""Verified principals kept in-process for a few seconds, so a burst of requests does not read the token each time.

Every request used to open a read transaction for its token (BEGIN, SELECT token
and user, ROLLBACK: three hand-offs to the database thread). 500 ballots in a
second are 500 such reads for 500 tokens that were verified moments ago. A
principal found here is used for at most ``ttl`` seconds after it was read, and
never past its token's expiry.

In this process a change takes effect at once: logout forgets the token, a user
change (password, role, disabled) forgets everything, and a lookup that started
before such a change never stores its (older) answer. Another process serving
the same database may honour a revoked token, or a user's old role, for up to
``ttl`` seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from server.auth.service import Principal
from server.db import utcnow

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
        self.generation += 1
        self._entries.pop(token_hash, None)

    def forget_user(self, user_id: int) -> None:
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
