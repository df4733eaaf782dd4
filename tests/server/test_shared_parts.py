"""SharedParts: one build per meeting and seq, shared by every connect at that seq (server/live/snapshot.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest

from server.live.snapshot import SharedPart, SharedParts
from server.opinions.service import MeetingOpinions


class Builds:
    """A build that waits until released, so connects pile up on it as in a reconnect storm."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.calls: list[int] = []

    def at(self, seq: int, fail: bool = False) -> Any:
        async def build() -> SharedPart:
            self.calls.append(seq)
            await self.release.wait()
            if fail:
                raise RuntimeError("database went away")
            text = msgspec.json.encode({"seq_built": seq}).decode()
            return SharedPart(text=text, polls=[], poll_serials={}, opinions=MeetingOpinions([], []))

        return build


async def test_connects_at_one_seq_wait_for_a_single_build() -> None:
    parts, builds = SharedParts(), Builds()
    readers = [asyncio.create_task(parts.get(1, 7, builds.at(7))) for _ in range(50)]
    await asyncio.sleep(0)
    builds.release.set()
    parts_read = await asyncio.gather(*readers)
    assert builds.calls == [7] and parts.builds == 1
    assert {msgspec.json.decode(part.text)["seq_built"] for part in parts_read} == {7}
    assert await parts.get(1, 7, builds.at(7)) == parts_read[0] and builds.calls == [7], "kept for later connects"


async def test_a_new_seq_builds_again_and_an_older_one_is_never_served_the_newer() -> None:
    parts, builds = SharedParts(), Builds()
    builds.release.set()
    await parts.get(1, 7, builds.at(7))
    assert msgspec.json.decode((await parts.get(1, 8, builds.at(8))).text)["seq_built"] == 8
    # a reader whose transaction saw seq 7 gets seq 7's part, built for it alone (the newest stays kept)
    assert msgspec.json.decode((await parts.get(1, 7, builds.at(7))).text)["seq_built"] == 7
    assert msgspec.json.decode((await parts.get(1, 8, builds.at(8))).text)["seq_built"] == 8
    assert builds.calls == [7, 8, 7]


async def test_a_failed_build_fails_its_reader_and_the_waiters_read_on_their_own() -> None:
    parts, builds = SharedParts(), Builds()
    first = asyncio.create_task(parts.get(1, 3, builds.at(3, fail=True)))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(parts.get(1, 3, builds.at(3)))
    await asyncio.sleep(0)
    builds.release.set()
    with pytest.raises(RuntimeError):
        await first
    assert msgspec.json.decode((await waiter).text)["seq_built"] == 3
    assert builds.calls == [3, 3]


async def test_a_cancelled_build_leaves_the_waiters_to_read_on_their_own() -> None:
    parts, builds = SharedParts(), Builds()
    first = asyncio.create_task(parts.get(1, 3, builds.at(3)))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(parts.get(1, 3, builds.at(3)))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    builds.release.set()
    assert msgspec.json.decode((await waiter).text)["seq_built"] == 3
    assert first.cancelled()


async def test_only_the_latest_meetings_are_kept() -> None:
    parts, builds = SharedParts(max_meetings=2), Builds()
    builds.release.set()
    for meeting_id in (1, 2, 3):
        await parts.get(meeting_id, 1, builds.at(1))
    await parts.get(3, 1, builds.at(1))
    await parts.get(2, 1, builds.at(1))
    assert parts.builds == 3, "meetings 2 and 3 still kept"
    await parts.get(1, 1, builds.at(1))
    assert parts.builds == 4, "meeting 1 was dropped"
    parts.forget(1)
    await parts.get(1, 1, builds.at(1))
    assert parts.builds == 5
