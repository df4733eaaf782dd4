"""``run_eagerly``: the fan-out's way of running a delivery on the spot, and only waiting when it must."""

from __future__ import annotations

import asyncio

import pytest

from server.live.eager import run_eagerly


async def test_a_coroutine_that_never_waits_finishes_before_run_eagerly_returns() -> None:
    done: list[int] = []

    async def deliver() -> None:
        done.append(1)

    assert run_eagerly(deliver()) is None
    assert done == [1]


async def test_a_coroutine_that_waits_is_finished_by_a_task_from_where_it_stopped() -> None:
    gate = asyncio.Event()
    steps: list[str] = []
    lock = asyncio.Lock()

    async def deliver(name: str) -> None:
        async with lock:
            steps.append(f"{name} started")
            await gate.wait()
            steps.append(f"{name} sent")

    first = run_eagerly(deliver("a"))
    second = run_eagerly(deliver("b"))  # waits for the lock behind the first: order is kept
    assert first is not None and second is not None
    assert steps == ["a started"]
    gate.set()
    await asyncio.gather(first, second)
    assert steps == ["a started", "a sent", "b started", "b sent"]


async def test_results_of_awaited_futures_reach_the_coroutine() -> None:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[int] = loop.create_future()
    got: list[int] = []

    async def deliver() -> None:
        got.append(await future)
        got.append(await asyncio.sleep(0, result=7))

    task = run_eagerly(deliver())
    assert task is not None
    loop.call_soon(future.set_result, 41)
    await task
    assert got == [41, 7]


async def test_cancelling_the_task_cancels_the_coroutine() -> None:
    cleaned: list[bool] = []

    async def deliver() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append(True)

    task = run_eagerly(deliver())
    assert task is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == [True]


async def test_errors_before_the_first_wait_reach_the_caller_and_later_ones_the_task() -> None:
    async def fails_at_once() -> None:
        raise ValueError("at once")

    async def fails_later() -> None:
        await asyncio.sleep(0)
        raise ValueError("later")

    with pytest.raises(ValueError, match="at once"):
        run_eagerly(fails_at_once())
    task = run_eagerly(fails_later())
    assert task is not None
    with pytest.raises(ValueError, match="later"):
        await task
