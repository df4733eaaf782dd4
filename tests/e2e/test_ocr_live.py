"""OCR across a crash, with a real server process killed by SIGKILL in the middle of reading a scan."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MeetingWorld, make_world
from tests.e2e.test_documents_live import upload, wait_ready
from tests.support.live import Tablet, comparable
from tests.support.scans import require_tesseract, scanned_pdf
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def ocr_events(messages: list[dict[str, Any]], document_id: int) -> list[dict[str, Any]]:
    return [
        m["data"]
        for m in messages
        if m["type"] == "event" and m["name"] == "document.ocr" and m["data"]["document"]["id"] == document_id
    ]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[MeetingWorld]:
    """The usual world on a server that ranks by words only and reads scans at 150 dpi: the crash is what is
    tested here, not the model or the resolution."""
    server = ServerProcess(tmp_path / "data", dense_search="false", ocr_dpi="150").start()
    built = make_world(server, tmp_path / "data")
    try:
        yield built
    finally:
        built.close()
        server.stop()


async def test_killed_in_the_middle_of_ocr_the_restarted_server_reads_on_from_the_next_page(
    world: MeetingWorld, tmp_path: Path
) -> None:
    require_tesseract()
    scan = scanned_pdf(FIXTURES / "so-ket-de-an-06-2022.pdf", tmp_path / "so-ket-scan.pdf", dpi=200)
    tablet = await Tablet(world.server.ws_url, world.meeting_id, world["del1"].token).connect()
    await tablet.receive()
    document = upload(world, scan, title="Sơ kết Đề án 06 (bản quét)")
    first = await tablet.receive_until(
        lambda m: (
            m["type"] == "event" and m["name"] == "document.ocr" and m["data"]["document"]["id"] == document["id"]
        ),
        within=120,
    )
    world.server.kill()  # page 1 is committed; page 2 is being read
    await tablet.close()
    assert (first["data"]["page"], first["data"]["done"], first["data"]["total"]) == (1, 1, 3)

    restarted = ServerProcess(
        world.server.data_dir, port=world.server.port, dense_search="false", ocr_dpi="150"
    ).start()
    try:
        assert wait_ready(world, document["id"])["ocr_done"] < 3
        live = await Tablet(world.server.ws_url, world.meeting_id, world["del1"].token).connect()
        await live.receive()  # its snapshot, then events as they come
        tablet = await Tablet(world.server.ws_url, world.meeting_id, world["del1"].token, since=0).connect()
        messages = []
        while True:
            messages.append(await tablet.receive(within=120))
            events = ocr_events(messages, document["id"])
            if events and events[-1]["done"] == 3:
                break
        # every page read exactly once: page 1 before the kill, pages 2 and 3 after it
        assert [(e["page"], e["done"], e["failed"]) for e in events] == [(1, 1, False), (2, 2, False), (3, 3, False)]
        await tablet.close()
        assert live.state is not None
        while next(d for d in live.state["documents"] if d["id"] == document["id"])["ocr_done"] < 3:
            await live.receive(within=30)
        fresh = world["del1"].ok("GET", f"/api/meetings/{world.meeting_id}/snapshot")
        assert comparable(live.state) == comparable(fresh["state"])
        await live.close()

        pages = world["del1"].ok("GET", f"/api/documents/{document['id']}/text")["pages"]
        assert [(p["source"], p["ocr_status"]) for p in pages] == [("ocr", "done")] * 3
        assert "Nguyễn Duy Ngọc" in pages[1]["text"]
        # what was read after the restart is searchable and cited by its page
        deadline = time.monotonic() + 60
        while True:
            reply = world["chair"].ok(
                "POST",
                "/api/assistant/ask",
                json={
                    "question": "Ai là Thứ trưởng Bộ Công an phát biểu tại cuộc họp sơ kết?",
                    "meeting_id": world.meeting_id,
                },
            )
            cited = [(c["document_id"], c["page"]) for c in reply["citations"]]
            if (document["id"], 2) in cited or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        assert (document["id"], 2) in cited, reply
    finally:
        restarted.stop()
