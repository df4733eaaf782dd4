"""A tablet in Python: a websocket client that keeps the meeting state by applying events.

``apply_event`` follows docs/sync-protocol.md; tests compare its result with a
fresh snapshot to prove the events carry everything a tablet needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import zlib
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.support.conduct_state import apply_conduct_event
from tests.support.votes_state import apply_votes_event


def apply_event(state: dict[str, Any], name: str, data: dict[str, Any]) -> None:
    agenda: list[dict[str, Any]] = state["agenda"]
    by_id = {item["id"]: item for item in agenda}
    if name == "agenda.current":
        if data["previous_item_id"] in by_id:
            by_id[data["previous_item_id"]]["status"] = "done"
            by_id[data["previous_item_id"]]["version"] = data["previous_item_version"]
        if data["item_id"] in by_id:
            by_id[data["item_id"]]["status"] = "current"
            by_id[data["item_id"]]["version"] = data["item_version"]
        state["current_item_id"] = data["item_id"]
        state["meeting"]["current_item_id"] = data["item_id"]
    elif name == "agenda.changed":
        action = data["action"]
        if action in ("added", "updated"):
            by_id[data["item"]["id"]] = data["item"]
        elif action == "removed":
            for item_id in data["item_ids"]:
                by_id.pop(item_id, None)
            for document in state.get("documents", []):
                if document["agenda_item_id"] in data["item_ids"]:
                    document["agenda_item_id"] = None
        elif action == "reordered":
            for position, item_id in enumerate(data["item_ids"]):
                by_id[item_id]["position"] = position
                by_id[item_id]["parent_id"] = data["parent_id"]
        state["agenda"] = reading_order(list(by_id.values()))
    elif name == "meeting.status":
        state["meeting"].update(data)
    elif name == "meeting.updated":
        state["meeting"].update(data["meeting"])
        state["meeting"].pop("last_seq", None)
    elif name in (
        "document.added",
        "document.updated",
        "document.ready",
        "document.indexed",
        "document.ocr",
        "document.failed",
    ):
        documents = [d for d in state["documents"] if d["id"] != data["document"]["id"]]
        state["documents"] = sorted([*documents, data["document"]], key=lambda d: d["id"])
    elif name == "document.removed":
        state["documents"] = [d for d in state["documents"] if d["id"] != data["document_id"]]
    elif name == "present":
        state["presenting"] = {"document_id": data["document_id"], "page": data["page"]}
    elif name == "recording.live":
        state["recording"] = {"capturing": data["capturing"]}
    elif name == "participant.changed":
        people = [p for p in state["participants"] if p["id"] != data["participant"]["id"]]
        if data["action"] != "removed":
            people.append(data["participant"])
        state["participants"] = sorted(people, key=lambda p: p["id"])
    apply_conduct_event(state, name, data)
    apply_votes_event(state, name, data)


def reading_order(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(item: dict[str, Any]) -> tuple[int, int]:
        return item["position"], item["id"]

    tops = sorted((i for i in items if i["parent_id"] is None), key=key)
    ordered = []
    for top in tops:
        ordered.append(top)
        ordered.extend(sorted((i for i in items if i["parent_id"] == top["id"]), key=key))
    return ordered


def comparable(state: dict[str, Any]) -> dict[str, Any]:
    """A copy to compare: a tablet's state must equal a fresh snapshot field for field."""
    return copy.deepcopy(state)


class Tablet:
    """One websocket connection that records every message and keeps ``state`` up to date."""

    def __init__(
        self, ws_url: str, meeting_id: int, token: str, since: int | None = None, *, deflate: bool = False
    ) -> None:
        # the token travels in a header (never in the URL: the server ignores it there)
        self.headers = {"Authorization": f"Bearer {token}"}
        query = {"since": since, "compress": "deflate-raw" if deflate else None}
        asked = "&".join(f"{key}={value}" for key, value in query.items() if value is not None)
        self.url = f"{ws_url}/ws/meetings/{meeting_id}?{asked}"
        self.binary_snapshots = 0
        """Snapshots that came as binary frames of raw DEFLATE (``deflate``: the kiosk's way)."""
        self.socket: ClientConnection | None = None
        self.state: dict[str, Any] | None = None
        self.seq = 0
        self.seqs: list[int] = []
        self.names: list[str] = []
        self.snapshots = 0
        self.answer_pings = True

    async def connect(self) -> Tablet:
        self.socket = await websockets.connect(
            self.url, additional_headers=self.headers, compression=None, ping_interval=None, open_timeout=10
        )
        return self

    async def receive(self, within: float = 10.0) -> dict[str, Any]:
        assert self.socket is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            frame = await asyncio.wait_for(self.socket.recv(), max(0.0, deadline - loop.time()))
            compressed = isinstance(frame, bytes)
            message = json.loads(zlib.decompress(frame, -zlib.MAX_WBITS) if compressed else frame)
            kind = message["type"]
            if compressed:
                assert kind == "snapshot", "only snapshots come compressed"
                self.binary_snapshots += 1
            if kind == "ping":
                if self.answer_pings:
                    # the server may already be closing; what it sent before still has to be read
                    with contextlib.suppress(ConnectionClosed):
                        await self.socket.send('{"type":"pong"}')
                continue
            if kind == "snapshot":
                self.state, self.seq = message["state"], message["seq"]
                self.snapshots += 1
            elif kind == "event":
                assert message["seq"] > self.seq, f"event {message['seq']} after {self.seq}"
                self.seq = message["seq"]
                self.seqs.append(message["seq"])
                self.names.append(message["name"])
                if self.state is not None:
                    apply_event(self.state, message["name"], message["data"])
            return message

    async def receive_until(self, predicate: Any, within: float = 10.0) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            message = await self.receive(max(0.01, deadline - loop.time()))
            if predicate(message):
                return message

    async def send(self, message: dict[str, Any]) -> None:
        assert self.socket is not None
        await self.socket.send(json.dumps(message))

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


# -- sessions: sockets that a revoked session or a refused caller must see closed --


async def open_feed(
    ws_url: str,
    meeting_id: int,
    token: str | None,
    *,
    since: int | None = None,
    cookie: bool = False,
    deflate: bool = False,
) -> ClientConnection:
    """A raw socket on the meeting's feed, authenticated by header (or by the session cookie); `deflate`: asking
    for compressed snapshots, as the kiosk does."""
    headers = {}
    if token:
        headers = {"Cookie": f"icabinet_token={token}"} if cookie else {"Authorization": f"Bearer {token}"}
    asked = {"since": since, "compress": "deflate-raw" if deflate else None}
    query = "?" + "&".join(f"{key}={value}" for key, value in asked.items() if value is not None)
    return await websockets.connect(
        f"{ws_url}/ws/meetings/{meeting_id}{query}",
        additional_headers=headers,
        compression=None,
        ping_interval=None,
        open_timeout=10,
    )


async def until_closed(socket: ClientConnection, within: float = 10.0) -> tuple[int | None, list[dict[str, Any]]]:
    """Read (answering pings) until the server closes the socket; its close code and what came before.

    Bounded: a socket still open after ``within`` seconds gives code None.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    received: list[dict[str, Any]] = []
    try:
        while (left := deadline - loop.time()) > 0:
            message = json.loads(await asyncio.wait_for(socket.recv(), left))
            if message["type"] == "ping":
                await socket.send('{"type":"pong"}')
                continue
            received.append(message)
    except ConnectionClosed:
        await socket.wait_closed()  # the TCP connection too, before the test's event loop ends
        return socket.close_code, received
    except TimeoutError:
        pass
    await socket.close()
    return None, received
