"""Requests decided in groups: one task takes every request of a kind that is waiting and decides them in
one write transaction (group commit).

A burst of the same small change (500 ballots, 500 check-ins in the same second) as one transaction each
takes turns on the database's write lock, and each pays its own session, statements and commit: several
milliseconds of server time per request. Here a route hands its request to the process's one writer of that
kind and waits for the answer; the writer takes what is waiting (up to ``max_batch``) and decides it at once.
Each request still gets its own answer, by the same rules and with the same errors as on its own. If a group
fails as a whole (the database locked by another process for longer than the busy timeout, say), its requests
are decided again one by one, each in its own transaction, so that no answer depends on the grouping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

Answer = TypeVar("Answer")


class Waiting(Protocol[Answer]):
    """A request waiting for its answer."""

    @property
    def future(self) -> asyncio.Future[Answer]: ...


Request = TypeVar("Request", bound=Waiting[Any])


class GroupWriter(ABC, Generic[Request, Answer]):
    """The process's one writer of one kind of request (started and stopped with the app)."""

    kind = "requests"
    """What it decides, for the log."""

    def __init__(self, max_batch: int) -> None:
        self.max_batch = max_batch
        self._pending: list[Request] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        self._closing = False
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Decide what is waiting, then end."""
        self._closing = True
        if self._wake is not None:
            self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for request in self._pending:  # only if the task died
            if not request.future.done():
                request.future.set_exception(RuntimeError("the server is shutting down"))
        self._pending.clear()

    def new_future(self) -> asyncio.Future[Answer]:
        if self._wake is None or self._closing:
            raise RuntimeError(f"the writer of {self.kind} is not running")
        return asyncio.get_running_loop().create_future()

    async def wait_for(self, request: Request) -> Answer:
        """Queue ``request`` (its future made by ``new_future``) and wait for its answer or its error."""
        assert self._wake is not None
        self._pending.append(request)
        self._wake.set()
        answer: Answer = await request.future
        return answer

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                taken, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                group = [request for request in taken if not request.future.done()]  # a caller that gave up
                if group:
                    await self._decide(group)
            if self._closing:
                return

    def turn(self) -> AbstractAsyncContextManager[Any]:
        """Held while a group is decided (default: nothing; ballots take turns with the tallies)."""
        return contextlib.nullcontext()

    @abstractmethod
    async def transaction(self, group: list[Request]) -> Sequence[Answer | BaseException]:
        """Decide ``group`` in one transaction and commit it: an answer or the domain error it earned for
        each request, in order. Raises if the transaction as a whole failed."""

    async def _decide(self, group: list[Request]) -> None:
        outcomes: list[Answer | BaseException]
        async with self.turn():
            try:
                outcomes = list(await self.transaction(group))
            except Exception as error:
                if len(group) == 1:
                    outcomes = [error]
                else:
                    log.warning(
                        "a group of %d %s failed; deciding them one by one", len(group), self.kind, exc_info=True
                    )
                    outcomes = []
                    for request in group:
                        try:
                            outcomes.extend(await self.transaction([request]))
                        except Exception as single_error:
                            outcomes.append(single_error)
        for request, outcome in zip(group, outcomes, strict=True):
            if request.future.done():
                continue
            if isinstance(outcome, BaseException):
                request.future.set_exception(outcome)
            else:
                request.future.set_result(outcome)
