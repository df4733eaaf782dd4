"""The assistant with real server processes: live `document.indexed`, crashes and restarts, the CLI."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MeetingWorld
from tests.e2e.test_documents_live import upload
from tests.support.api import Api
from tests.support.data import shared_data
from tests.support.live import Tablet, comparable
from tests.support.server import ServerProcess, run_cli

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
QUESTION = "bao nhieu ho so dang ky thuong tru nam 2022"
EXPECT = "118.880"


def wait_searchable(api: Api, document_id: int, within: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        document = api.ok("GET", f"/api/documents/{document_id}")
        if document["searchable"]:
            return document
        time.sleep(0.1)
    raise AssertionError(f"document {document_id} not searchable after {within}s")


def asks(api: Api, meeting_id: int, question: str = QUESTION) -> dict[str, Any]:
    reply: dict[str, Any] = api.ok("POST", "/api/assistant/ask", json={"question": question, "meeting_id": meeting_id})
    return reply


async def test_document_indexed_reaches_its_readers_live(world: MeetingWorld) -> None:
    tablets = {
        name: await Tablet(world.server.ws_url, world.meeting_id, world[name].token).connect()
        for name in ("guest", "del1", "chair")
    }
    for tablet in tablets.values():
        await tablet.receive()
    internal = upload(world, FIXTURES / "so-ket-de-an-06-2022.pdf", classification="internal")
    for name in ("del1", "chair"):
        message = await tablets[name].receive_until(
            lambda m: m["type"] == "event" and m["name"] == "document.indexed", within=60
        )
        assert message["data"]["document"]["id"] == internal["id"] and message["data"]["document"]["searchable"]
        fresh = world[name].ok("GET", f"/api/meetings/{world.meeting_id}/snapshot")
        assert comparable(tablets[name].state) == comparable(fresh["state"])
    # a public notice after it: the guest has had every event it may see, and no document event
    world["sec"].ok("PATCH", f"/api/meetings/{world.meeting_id}", json={"location": "Phòng họp số 3"})
    await tablets["guest"].receive_until(lambda m: m["type"] == "event" and m["name"] == "meeting.updated")
    assert not any(name.startswith("document.") for name in tablets["guest"].names)
    for tablet in tablets.values():
        await tablet.close()


async def test_document_vectors_says_live_when_the_semantic_half_is_complete(world: MeetingWorld) -> None:
    tablets = {
        name: await Tablet(world.server.ws_url, world.meeting_id, world[name].token).connect()
        for name in ("guest", "del1", "chair")
    }
    for tablet in tablets.values():
        await tablet.receive()
    # every tablet keeps reading (and answering the heartbeat) while the vectors are encoded
    guest_hears = asyncio.create_task(
        tablets["guest"].receive_until(lambda m: m["type"] == "event" and m["name"] == "meeting.updated", within=400)
    )
    internal = upload(world, FIXTURES / "so-ket-de-an-06-2022.pdf", classification="internal")
    messages = await asyncio.gather(
        *(
            tablets[name].receive_until(lambda m: m["type"] == "event" and m["name"] == "document.vectors", within=300)
            for name in ("del1", "chair")
        )
    )
    for name, message in zip(("del1", "chair"), messages, strict=True):
        assert tablets[name].names.index("document.indexed") < tablets[name].names.index("document.vectors")
        data = message["data"]
        assert data["document"]["id"] == internal["id"] and 0 < data["done"] == data["total"]
        assert data["document"]["vectors"] == {"done": data["done"], "total": data["total"]}
        # the document says the same from then on; tablets keep the document as the snapshot has it
        assert world[name].ok("GET", f"/api/documents/{internal['id']}")["vectors"] == data["document"]["vectors"]
        fresh = world[name].ok("GET", f"/api/meetings/{world.meeting_id}/snapshot")
        assert comparable(tablets[name].state) == comparable(fresh["state"])
    assert tablets["chair"].names.count("document.vectors") == 1
    health = world["sec"].ok("GET", "/health")["assistant"]
    assert health["vectors"]["done"] == health["vectors"]["total"] >= messages[0]["data"]["total"]
    world["sec"].ok("PATCH", f"/api/meetings/{world.meeting_id}", json={"location": "Phòng họp số 5"})
    await guest_hears
    assert not any(name.startswith("document.") for name in tablets["guest"].names)
    for tablet in tablets.values():
        await tablet.close()


def test_killed_while_indexing_then_restarted_the_index_agrees_with_the_database(world: MeetingWorld) -> None:
    report = upload(world, FIXTURES / "so-ket-de-an-06-2022.pdf", classification="internal")
    book = upload(world, shared_data("real-pdfs/2020_01_15.pdf"), title="Sổ biên bản 2020")
    wait_searchable(world["sec"], report["id"])
    world.server.kill()  # the 171-page book is still being read or indexed
    server = ServerProcess(world.server.data_dir, port=world.server.port).start()
    try:
        for document in (report, book):
            wait_searchable(world["sec"], document["id"])
        assert EXPECT in str(asks(world["del1"], world.meeting_id))
        # the index lost altogether (a disk restored from an old backup): the database still has every text
        server.stop()
        shutil.rmtree(world.server.data_dir / "assistant" / "index")
        server = ServerProcess(world.server.data_dir, port=world.server.port).start()
        # from the first request on, nothing is called searchable that the index does not hold
        words = " ".join(world["sec"].ok("GET", f"/api/documents/{book['id']}/text")["pages"][0]["text"].split()[:12])
        first = world["sec"].ok("GET", f"/api/documents/{book['id']}")
        found = world["sec"].ok("GET", "/api/search", params={"q": words, "document_id": book["id"]})["hits"]
        assert found or not first["searchable"]
        wait_searchable(world["sec"], book["id"])
        assert world["sec"].ok("GET", "/api/search", params={"q": words, "document_id": book["id"]})["hits"]
        wait_searchable(world["sec"], report["id"])
        assert EXPECT in str(asks(world["del1"], world.meeting_id))
    finally:
        server.stop()


def test_the_cli_asks_and_reindexes(world: MeetingWorld) -> None:
    document = upload(world, FIXTURES / "so-ket-de-an-06-2022.pdf", classification="confidential")
    wait_searchable(world["sec"], document["id"])
    world.server.stop()
    data_dir = world.server.data_dir
    asked = run_cli(data_dir, "ask", QUESTION, "--meeting", str(world.meeting_id))
    assert asked.returncode == 0, asked.stderr
    assert EXPECT in asked.stdout and "trang 1" in asked.stdout
    # as a delegate not named on the confidential report: nothing from it
    hidden = run_cli(data_dir, "ask", QUESTION, "--as", "del1")
    assert hidden.returncode == 0 and EXPECT not in hidden.stdout and "không có thông tin" in hidden.stdout
    unknown = run_cli(data_dir, "ask", QUESTION, "--as", "nobody")
    assert unknown.returncode != 0 and "nobody" in unknown.stderr
    shutil.rmtree(data_dir / "assistant" / "index")
    rebuilt = run_cli(data_dir, "reindex")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "indexed 1 documents" in rebuilt.stdout
    again = run_cli(data_dir, "ask", QUESTION)
    assert EXPECT in again.stdout
