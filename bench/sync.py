"""Live-sync benchmark: how fast does one agenda change reach N tablets?

Usage::

    .venv/bin/python bench/sync.py [--clients 1000] [--changes 20] [--port-base 18760]

Method
------
1. i-Cabinet: a real ``icabinet serve`` subprocess with its own temporary data
   directory and the demo meeting loaded (heartbeat set to an hour so no ping
   traffic interferes). The secretary starts the meeting; N tablets connect to
   ``/ws/meetings/1`` with the delegate's token, in batches, each waiting for
   its snapshot. The secretary then sets the current agenda item K times,
   alternating two items, through ``POST /api/meetings/1/agenda/{id}/current``.
   Change k+1 is sent only once every tablet received change k.
2. Ceiling: a bare ``websockets`` broadcast server (this file, run with
   ``--ceiling-server``) in its own subprocess on the same event loop as
   uvicorn (uvloop when installed). The same N clients connect; a control
   websocket hands it the exact text i-Cabinet would send for each change, and
   it calls ``websockets.broadcast()`` once. No database, no HTTP, no auth: the
   fastest a Python process can fan a message out.

Both runs are measured the same way, in this one process and on its one clock
(``time.perf_counter``): t0 is taken just before the change request is written;
each tablet's delivery latency is its receive time minus t0. Reported: p50/p99/
max over all N*K deliveries, and time-to-last-tablet per change (p50/max over
the K changes). Two unmeasured warm-up changes run before the K measured ones.

Memory per tablet: the server process RSS after start-up and a warm-up (a few
tablets connected, changed, disconnected), then again with all N tablets
connected and a short settle; the difference divided by N.

The clients are kept light: one ``websockets.asyncio`` connection and one
receive task per tablet, no compression, no client pings, raw bytes (no UTF-8
decoding, no JSON parsing): a delivery is recognised by the ``"seq":<n>,``
substring. Server and bench share the machine's cores, so the figures include
the bench's own receive cost, identically for i-Cabinet and the ceiling.

The run always exits 0: it prints PASS/FAIL per acceptance target instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
import psutil
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

REPO = Path(__file__).resolve().parents[1]
MEETING_ID = 1
SECRETARY = ("thuky", "thuky-demo-1")
DELEGATE = ("daibieu1", "daibieu-demo-1")
WARMUP_CHANGES = 2
CHANGE_TIMEOUT = 15.0  # seconds to wait for every tablet to receive one change
PING = b'{"type":"ping"'
PONG = '{"type":"pong"}'

TARGET_LAST_MS = 50.0  # for 1000 tablets
TARGET_P99_RATIO = 2.5
TARGET_KB_PER_TABLET = 40.0


def event_text(seq: int, item_id: int, previous_item_id: int) -> str:
    """The ``agenda.current`` event exactly as i-Cabinet puts it on the wire."""
    data = {"item_id": item_id, "previous_item_id": previous_item_id}
    message = {"type": "event", "seq": seq, "name": "agenda.current", "data": data}
    return json.dumps(message, separators=(",", ":"))


def use_fast_loop() -> None:
    """Use uvloop, as uvicorn does, when it is installed."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def raise_fd_limit(needed: int) -> None:
    """Raise the soft open-files limit (inherited by the server subprocesses)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


# --- the ceiling server (runs in its own process) -------------------------------------------


async def ceiling_server(port: int) -> None:
    """Bare websockets: a snapshot on connect, and one broadcast per control message."""
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    tablets: set[ServerConnection] = set()

    async def handler(connection: ServerConnection) -> None:
        if connection.request is not None and connection.request.path == "/control":
            async for text in connection:
                broadcast(tablets, text)
            return
        tablets.add(connection)
        try:
            await connection.send('{"type":"snapshot","seq":0,"state":{}}')
            await connection.wait_closed()
        finally:
            tablets.discard(connection)

    async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=None, backlog=1024) as server:
        await server.serve_forever()


# --- the two systems under test ---------------------------------------------------------------


@dataclass
class Target:
    """A server subprocess, where tablets connect, and how to make change k happen."""

    name: str
    process: subprocess.Popen[bytes]
    ws_url: str
    change: Callable[[int, str], Awaitable[None]] = field(repr=False)
    close: Callable[[], Awaitable[None]] = field(repr=False)
    # item ids to alternate between (i-Cabinet); the ceiling only needs plausible numbers
    items: tuple[int, int] = (1, 2)

    def rss(self) -> int:
        return int(psutil.Process(self.process.pid).memory_info().rss)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not ready after {timeout}s:\n{log.read_text()}")


def icabinet_env(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ICABINET_")}
    env.update(
        ICABINET_DATA_DIR=str(data_dir),
        ICABINET_LOG_LEVEL="warning",
        ICABINET_WS_HEARTBEAT_SECONDS="3600",
        ICABINET_WS_IDLE_TIMEOUT_SECONDS="7200",
    )
    return env


async def start_icabinet(port: int, data_dir: Path) -> Target:
    env = icabinet_env(data_dir)
    cli = [sys.executable, "-m", "server.cli"]
    subprocess.run([*cli, "demo"], env=env, cwd=REPO, check=True, capture_output=True, timeout=120)
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*cli, "serve", "--port", str(port)], env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/health", process, log)
    http = httpx.AsyncClient(base_url=base, timeout=30)
    secretary = await login(http, *SECRETARY)
    delegate = await login(http, *DELEGATE)
    http.headers["Authorization"] = f"Bearer {secretary}"
    (await http.post(f"/api/meetings/{MEETING_ID}/start")).raise_for_status()
    agenda = (await http.get(f"/api/meetings/{MEETING_ID}/agenda")).raise_for_status().json()
    first, second = (item["id"] for item in agenda[:2])

    async def set_current(k: int, _text: str) -> None:
        item_id = (first, second)[k % 2]
        (await http.post(f"/api/meetings/{MEETING_ID}/agenda/{item_id}/current")).raise_for_status()

    await set_current(1, "")  # start from the second item, so change 0 moves to the first
    ws_url = f"ws://127.0.0.1:{port}/ws/meetings/{MEETING_ID}?token={delegate}"
    return Target("i-Cabinet", process, ws_url, set_current, http.aclose, (first, second))


async def login(http: httpx.AsyncClient, username: str, password: str) -> str:
    response = await http.post("/api/auth/login", json={"username": username, "password": password})
    return str(response.raise_for_status().json()["token"])


async def start_ceiling(port: int, log: Path) -> Target:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, __file__, "--ceiling-server", "--port", str(port)], stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            control = await connect(f"ws://127.0.0.1:{port}/control", compression=None, ping_interval=None)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ceiling server did not start:\n{log.read_text()}") from None
            await asyncio.sleep(0.1)

    async def send(_k: int, text: str) -> None:
        await control.send(text)

    return Target("ceiling", process, f"ws://127.0.0.1:{port}/ws/meetings/{MEETING_ID}", send, control.close)


# --- the tablets ----------------------------------------------------------------------------------


@dataclass
class Round:
    """One change being delivered: what marks it, and when each tablet got it."""

    marker: bytes
    expected: int
    times: list[float] = field(default_factory=list)
    size: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def arrived(self, at: float, size: int) -> None:
        self.times.append(at)
        self.size = size
        if len(self.times) >= self.expected:
            self.done.set()


class Tablets:
    """N light websocket clients, each with one receive task."""

    def __init__(self) -> None:
        self.connections: list[ClientConnection] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.round: Round | None = None
        self.snapshot_seq = 0
        self.unexpected = 0

    async def connect(self, url: str, count: int, batch: int) -> None:
        for start in range(0, count, batch):
            size = min(batch, count - start)
            await asyncio.gather(*(self._connect_one(url) for _ in range(size)))

    async def _connect_one(self, url: str) -> None:
        ws = await connect(url, compression=None, ping_interval=None, open_timeout=60, close_timeout=5)
        snapshot = await ws.recv(decode=False)
        if not snapshot.startswith(b'{"type":"snapshot"'):
            raise RuntimeError(f"expected a snapshot, got {snapshot[:200]!r}")
        if not self.connections:
            self.snapshot_seq = int(json.loads(snapshot)["seq"])
        self.connections.append(ws)
        self.tasks.append(asyncio.create_task(self._listen(ws)))

    async def _listen(self, ws: ClientConnection) -> None:
        clock = time.perf_counter
        try:
            while True:
                data = await ws.recv(decode=False)
                now = clock()
                current = self.round
                if current is not None and current.marker in data:
                    current.arrived(now, len(data))
                elif data.startswith(PING):
                    await ws.send(PONG)
                else:
                    self.unexpected += 1
        except ConnectionClosed:
            pass

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.connections), return_exceptions=True)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.connections.clear()
        self.tasks.clear()


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Figures:
    latencies: list[float]  # seconds, every delivery of every measured change
    last: list[float]  # seconds, time to the last tablet of each change
    missing: int
    message_size: int
    kb_per_tablet: float

    def percentile(self, values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000 if ordered else math.nan

    @property
    def p50(self) -> float:
        return self.percentile(self.latencies, 0.50)

    @property
    def p99(self) -> float:
        return self.percentile(self.latencies, 0.99)

    @property
    def max(self) -> float:
        return self.percentile(self.latencies, 1.0)

    @property
    def last_p50(self) -> float:
        return self.percentile(self.last, 0.50)

    @property
    def last_max(self) -> float:
        return self.percentile(self.last, 1.0)


async def run_changes(target: Target, tablets: Tablets, count: int, first_k: int) -> tuple[list[Round], int]:
    """Make ``count`` changes one after the other; return their rounds and how many deliveries were missing."""
    rounds, missing = [], 0
    seq = tablets.snapshot_seq + first_k
    for k in range(first_k, first_k + count):
        seq += 1
        item_id, previous = target.items[k % 2], target.items[(k + 1) % 2]
        text = event_text(seq, item_id, previous)
        current = Round(marker=f'"seq":{seq},'.encode(), expected=len(tablets.connections))
        tablets.round = current
        t0 = time.perf_counter()
        await target.change(k, text)
        try:
            await asyncio.wait_for(current.done.wait(), CHANGE_TIMEOUT)
        except TimeoutError:
            missing += current.expected - len(current.times)
        current.times[:] = [at - t0 for at in current.times]
        rounds.append(current)
    tablets.round = None
    return rounds, missing


async def settled_rss(target: Target, seconds: float = 1.0) -> int:
    await asyncio.sleep(seconds)
    return target.rss()


async def measure(target: Target, clients: int, changes: int, batch: int) -> Figures:
    warm = Tablets()
    await warm.connect(target.ws_url, min(20, clients), batch)
    await run_changes(target, warm, WARMUP_CHANGES, 0)
    await warm.close()
    idle_rss = await settled_rss(target)

    tablets = Tablets()
    started = time.perf_counter()
    await tablets.connect(target.ws_url, clients, batch)
    print(f"  {target.name}: {clients} tablets connected in {time.perf_counter() - started:.1f} s", flush=True)
    loaded_rss = await settled_rss(target)

    k = WARMUP_CHANGES
    await run_changes(target, tablets, WARMUP_CHANGES, k)
    rounds, missing = await run_changes(target, tablets, changes, 2 * k)
    if tablets.unexpected:
        print(f"  {target.name}: {tablets.unexpected} unexpected messages", flush=True)
    await tablets.close()
    return Figures(
        latencies=[latency for r in rounds for latency in r.times],
        last=[max(r.times) for r in rounds if r.times],
        missing=missing,
        message_size=max(r.size for r in rounds),
        kb_per_tablet=(loaded_rss - idle_rss) / clients / 1024,
    )


async def bench(clients: int, changes: int, port_base: int, batch: int) -> tuple[Figures, Figures]:
    data_dir = Path(tempfile.mkdtemp(prefix="icabinet-bench-"))
    try:
        server = await start_icabinet(port_base, data_dir)
        try:
            mine = await measure(server, clients, changes, batch)
        finally:
            await server.close()
            server.stop()
        ceiling = await start_ceiling(port_base + 1, data_dir / "ceiling.log")
        try:
            bare = await measure(ceiling, clients, changes, batch)
        finally:
            await ceiling.close()
            ceiling.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return mine, bare


# --- reporting ------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(mine: Figures, bare: Figures, clients: int, changes: int) -> None:
    cores = os.cpu_count()
    print()
    print(f"Live sync: {clients} tablets, {changes} changes, {date.today()}, {platform.machine()} {cores} cores")
    print(f"message: {mine.message_size} B (i-Cabinet) / {bare.message_size} B (ceiling)")
    head = f"{'':30} {'i-Cabinet':>10} {'ceiling':>10} {'ratio':>7}  target"
    print(head)
    print("-" * (len(head) + 30))
    p99_ok = mine.p99 <= TARGET_P99_RATIO * bare.p99 and not mine.missing
    last_ok = mine.last_max <= TARGET_LAST_MS and not mine.missing
    kb_ok = mine.kb_per_tablet < TARGET_KB_PER_TABLET
    last_target = f"<= {TARGET_LAST_MS:.0f} ms (at 1000 tablets)"
    rows = [
        ("delivery latency p50 (ms)", mine.p50, bare.p50, ""),
        ("delivery latency p99 (ms)", mine.p99, bare.p99, f"<= {TARGET_P99_RATIO}x ceiling  {verdict(p99_ok)}"),
        ("delivery latency max (ms)", mine.max, bare.max, ""),
        ("time to last tablet p50 (ms)", mine.last_p50, bare.last_p50, ""),
        ("time to last tablet max (ms)", mine.last_max, bare.last_max, f"{last_target}  {verdict(last_ok)}"),
        ("memory per tablet (KB)", mine.kb_per_tablet, bare.kb_per_tablet, f"< {TARGET_KB_PER_TABLET:.0f} KB  {verdict(kb_ok)}"),
    ]
    for label, value, ceiling, target in rows:
        ratio = value / ceiling if ceiling > 0 else math.nan
        print(f"{label:30} {value:10.1f} {ceiling:10.1f} {ratio:6.2f}x  {target}")
    for figures, name in ((mine, "i-Cabinet"), (bare, "ceiling")):
        if figures.missing:
            print(f"{name}: {figures.missing} deliveries never arrived (within {CHANGE_TIMEOUT:.0f} s)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=1000, help="tablets to connect (default 1000)")
    parser.add_argument("--changes", type=int, default=20, help="measured agenda changes (default 20)")
    parser.add_argument("--port-base", type=int, default=18760, help="i-Cabinet port; the ceiling uses the next")
    parser.add_argument("--batch", type=int, default=50, help="tablets connecting at once (default 50)")
    parser.add_argument("--ceiling-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    use_fast_loop()
    raise_fd_limit(2 * args.clients + 1024)
    if args.ceiling_server:
        asyncio.run(ceiling_server(args.port))
        return
    mine, bare = asyncio.run(bench(args.clients, args.changes, args.port_base, args.batch))
    report(mine, bare, args.clients, args.changes)


if __name__ == "__main__":
    main()
