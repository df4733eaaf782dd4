"""Run a coroutine at once, and give it a task only if it has to wait.

Delivering one event to a thousand tablets is a thousand short coroutines
(check the seq, write one frame). Almost none of them ever waits: a socket
only blocks while its peer's buffer is full. Scheduling a task for each one
anyway costs more than the delivery itself. So, as Python 3.12's eager tasks
do, the coroutine runs synchronously in the caller until its first suspension;
only then is the rest handed to a task, which resumes it exactly where it
stopped.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine, Generator
from typing import Any


class _Continuation(Coroutine[Any, Any, None]):
    """A started coroutine, seen by a task as if it were new.

    Its first step hands the task what the coroutine is waiting on; every later
    step (a value, or an exception such as a cancellation, even one that arrives
    before that first step) goes straight to the coroutine.
    """

    __slots__ = ("_coro", "_waiting_on", "_started")

    def __init__(self, coro: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self._coro = coro
        self._waiting_on = waiting_on
        self._started = False

    def send(self, value: Any) -> Any:
        if not self._started:
            self._started = True
            return self._waiting_on
        return self._coro.send(value)

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        self._started = True
        if val is None and tb is None:
            return self._coro.throw(typ)
        return self._coro.throw(typ, val, tb)  # pragma: no cover - the old three-argument form

    def close(self) -> None:
        self._coro.close()

    def __await__(self) -> Generator[Any, Any, None]:
        raise TypeError("a continuation is run by its task, never awaited")


def run_eagerly(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
    """Run ``coro`` now; return None if it finished, else the task that finishes it.

    Exceptions the coroutine raises before its first suspension propagate to the caller.
    """
    if sys.version_info >= (3, 12):  # the interpreter does the same natively
        task: asyncio.Task[None] = asyncio.Task(coro, eager_start=True)  # type: ignore[call-arg,unused-ignore]
        if task.done():
            task.result()
            return None
        return task
    try:
        yielded = coro.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_Continuation(coro, yielded))
