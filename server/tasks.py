"""Ending the server's background tasks, and trying their failed work again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Hashable
from typing import Any


async def cancel(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` (if any) and wait until it has ended; its cancellation is not an error."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class Retries:
    """Tries again a piece of background work that failed (the database busy beyond its timeout, a file
    briefly unreadable): after 1, 2, 4, 8 and 16 s, then no more until the next start, which looks for
    unfinished work anyway. Without it a failure left a document "processing" or unsearchable until then."""

    def __init__(self, delays: tuple[float, ...] = (1, 2, 4, 8, 16)) -> None:
        self.delays = delays
        self._tries: dict[Hashable, int] = {}

    def again(self, key: Hashable, retry: Callable[[], None]) -> bool:
        """Have ``retry`` called after the next delay for ``key``; False when its tries are used up."""
        tries = self._tries.get(key, 0)
        if tries >= len(self.delays):
            self._tries.pop(key, None)
            return False
        self._tries[key] = tries + 1
        asyncio.get_running_loop().call_later(self.delays[tries], retry)
        return True

    def done(self, key: Hashable) -> None:
        """``key``'s work succeeded: a later failure starts its tries afresh."""
        self._tries.pop(key, None)
