"""Live-sync benchmark: how fast does one agenda change reach N tablets?

Usage::

    .venv/bin/python bench/sync.py [--clients 1000] [--changes 20] [--port-base 18760] [--per-change]

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
   ``--ceiling-server``) in its own subprocess, on the same event loop as
   uvicorn (uvloop when installed). The same N clients connect; a control
   websocket hands it the exact text i-Cabinet sends for each change, and it
   calls ``websockets.broadcast()`` once. No database, no HTTP, no auth: about
   the fastest a Python process fans a message out.

Both runs are measured the same way, in this one process and on its one clock
(``time.perf_counter``): t0 is taken just before the change request is sent;
each tablet's delivery latency is its receive time minus t0. Reported: p50/p99/
max over all N*K deliveries, and time to the first and to the last tablet per
change (p50/max over the K changes). Two unmeasured warm-up changes run first.

Memory per tablet: the server process's RSS after start-up and a warm-up (a
few tablets connected, two changes, disconnected), then with all N tablets
connected and a one-second settle; the difference divided by N.

The clients are kept light, so that the figures are the servers' and not the
bench's: each tablet is websockets' own sans-I/O ``ClientProtocol`` driven by an
``asyncio.Protocol`` (no task, no queue per tablet), no compression, no client
pings, raw bytes (no UTF-8 decoding, no JSON): a delivery is recognised by its
``"seq":<n>,`` substring, timed when its bytes arrive.
Server and bench share the machine's cores, so the figures include the bench's
own receive cost, identically for i-Cabinet and for the ceiling.

It always exits 0: it prints PASS/FAIL per acceptance target instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import cast

import httpx
import psutil
from websockets.asyncio.client import connect
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

REPO = Path(__file__).resolve().parents[1]
MEETING_ID = 1
SECRETARY = ("thuky", "thuky-demo-1")
DELEGATE = ("daibieu1", "daibieu-demo-1")
WARMUP_CHANGES = 2
WARMUP_TABLETS = 20
CHANGE_TIMEOUT = 15.0  # seconds to wait for every tablet to receive one change
PING = b'{"type":"ping"'
OFFERED_EXTENSIONS: list[ClientPerMessageDeflateFactory] = []  # --deflate: what every browser offers
PONG = '{"type":"pong"}'

TARGET_LAST_MS = 50.0  # for 1000 tablets
TARGET_P99_RATIO = 2.5
TARGET_KB_PER_TABLET = 40.0


def event_text(seq: int, item_id: int, previous_item_id: int) -> str:
    """The ``agenda.current`` event exactly as i-Cabinet puts it on the wire."""
    data = {"item_id": item_id, "previous_item_id": previous_item_id}
    return json.dumps({"type": "event", "seq": seq, "name": "agenda.current", "data": data}, separators=(",", ":"))


def use_fast_loop() -> None:
    """Use uvloop, as uvicorn does, when it is installed."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def raise_fd_limit(needed: int) -> None:
    """Raise the soft open-files limit (the server subprocesses inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


# --- the ceiling server (its own process) ---------------------------------------------------------


async def ceiling_server(port: int, deflate: bool) -> None:
    """Bare websockets: a snapshot on connect, one broadcast per control message."""
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

    compression = "deflate" if deflate else None  # websockets' own settings: the window and memory uvicorn uses
    async with serve(handler, "127.0.0.1", port, compression=compression, ping_interval=None, backlog=1024) as server:
        await server.serve_forever()


# --- server subprocesses --------------------------------------------------------------------------


def icabinet_env(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ICABINET_")}
    env.update(
        ICABINET_DATA_DIR=str(data_dir),
        ICABINET_LOG_LEVEL="warning",
        ICABINET_WS_HEARTBEAT_SECONDS="3600",
        ICABINET_WS_IDLE_TIMEOUT_SECONDS="7200",
        # every simulated tablet signs in with the one delegate's token
        ICABINET_WS_MAX_SOCKETS_PER_SESSION="1000000",
    )
    return env


def http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@contextmanager
def running(
    command: list[str], log: Path, ready: Callable[[], bool], env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command``, wait until ``ready()``, and terminate it on exit."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command} did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the systems under test, seen from the bench's event loop --------------------------------------


@dataclass
class System:
    """Where tablets connect, and how to make change k happen (``text``: what tablets should get)."""

    name: str
    pid: int
    ws_url: str
    change: Callable[[int, str], Awaitable[None]] = field(repr=False)
    items: tuple[int, int] = (1, 2)  # the two agenda items the changes alternate between
    token: str | None = None  # sent as a Bearer header (i-Cabinet takes no token from the URL)

    def rss(self) -> int:
        return int(psutil.Process(self.pid).memory_info().rss)


async def login(http: httpx.AsyncClient, username: str, password: str) -> str:
    response = await http.post("/api/auth/login", json={"username": username, "password": password})
    return str(response.raise_for_status().json()["token"])


async def measure_icabinet(pid: int, port: int, args: argparse.Namespace) -> Figures:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        secretary = await login(http, *SECRETARY)
        delegate = await login(http, *DELEGATE)
        http.headers["Authorization"] = f"Bearer {secretary}"
        (await http.post(f"/api/meetings/{MEETING_ID}/start")).raise_for_status()
        agenda = (await http.get(f"/api/meetings/{MEETING_ID}/agenda")).raise_for_status().json()
        items = (agenda[0]["id"], agenda[1]["id"])

        async def set_current(k: int, _text: str) -> None:
            path = f"/api/meetings/{MEETING_ID}/agenda/{items[k % 2]}/current"
            (await http.post(path)).raise_for_status()

        await set_current(1, "")  # start on the second item, so change 0 moves to the first
        ws_url = f"ws://127.0.0.1:{port}/ws/meetings/{MEETING_ID}"
        return await measure(System("i-Cabinet", pid, ws_url, set_current, items, token=delegate), args)


async def measure_ceiling(pid: int, port: int, args: argparse.Namespace) -> Figures:
    async with connect(f"ws://127.0.0.1:{port}/control", compression=None, ping_interval=None) as control:

        async def send(_k: int, text: str) -> None:
            await control.send(text)

        ws_url = f"ws://127.0.0.1:{port}/ws/meetings/{MEETING_ID}"
        return await measure(System("ceiling", pid, ws_url, send), args)


# --- the tablets ----------------------------------------------------------------------------------


@dataclass
class Round:
    """One change on its way: what marks it, and when each tablet got it."""

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


class TabletProtocol(asyncio.Protocol):
    """One tablet: websockets' own sans-I/O client protocol over an asyncio transport, no task of its own."""

    def __init__(self, url: str, tablets: Tablets, token: str | None = None) -> None:
        self.ws = ClientProtocol(parse_uri(url), extensions=OFFERED_EXTENSIONS)
        self.token = token
        self.tablets = tablets
        self.transport: asyncio.Transport | None = None
        self.snapshot: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not its subclasses
        request = self.ws.connect()
        if self.token:
            request.headers["Authorization"] = f"Bearer {self.token}"
        self.ws.send_request(request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                if self.snapshot.done():
                    self.tablets.received(self, event.data, now)
                else:
                    self.snapshot.set_result(event.data)
        self._flush()  # pongs to protocol pings, the closing handshake
        if self.ws.state is State.CLOSED and self.transport is not None:
            self.transport.close()

    def send_text(self, text: str) -> None:
        self.ws.send_text(text.encode())
        self._flush()

    def close(self) -> None:
        if self.ws.state is State.OPEN:
            self.ws.send_close(1000)
            self._flush()

    def _flush(self) -> None:
        data = self.ws.data_to_send()
        if data and self.transport is not None:
            self.transport.write(b"".join(data))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.snapshot.done():
            self.snapshot.set_exception(exc or ConnectionError("closed before the snapshot"))
        if not self.closed.done():
            self.closed.set_result(None)


class Tablets:
    """N light websocket clients in this one process."""

    def __init__(self) -> None:
        self.connections: list[TabletProtocol] = []
        self.round: Round | None = None
        self.seq = 0  # the last seq the tablets have seen
        self.unexpected = 0

    async def connect(self, url: str, count: int, batch: int, token: str | None = None) -> None:
        for start in range(0, count, batch):
            await asyncio.gather(*(self._connect_one(url, token) for _ in range(min(batch, count - start))))

    async def _connect_one(self, url: str, token: str | None) -> None:
        uri = parse_uri(url)
        loop = asyncio.get_running_loop()
        _transport, tablet = await loop.create_connection(lambda: TabletProtocol(url, self, token), uri.host, uri.port)
        snapshot = await asyncio.wait_for(tablet.snapshot, 60)
        if not snapshot.startswith(b'{"type":"snapshot"'):
            raise RuntimeError(f"expected a snapshot, got {snapshot[:200]!r}")
        if not self.connections:
            self.seq = int(json.loads(snapshot)["seq"])
        self.connections.append(tablet)

    def received(self, tablet: TabletProtocol, data: bytes, now: float) -> None:
        current = self.round
        if current is not None and current.marker in data:
            current.arrived(now, len(data))
        elif data.startswith(PING):
            tablet.send_text(PONG)
        else:
            self.unexpected += 1

    async def close(self) -> None:
        for tablet in self.connections:
            tablet.close()
        await asyncio.wait([tablet.closed for tablet in self.connections], timeout=10)
        for tablet in self.connections:
            if tablet.transport is not None:
                tablet.transport.close()
        self.connections.clear()


# --- measuring ------------------------------------------------------------------------------------


def percentile_ms(values: list[float], q: float) -> float:
    """Nearest-rank percentile of seconds, in milliseconds."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000 if ordered else math.nan


@dataclass
class Figures:
    latencies: list[float]  # seconds: every delivery of every measured change
    first: list[float]  # seconds: time to the first tablet, per change
    last: list[float]  # seconds: time to the last tablet, per change
    missing: int
    message_size: int
    kb_per_tablet: float

    def rows(self) -> dict[str, float]:
        return {
            "delivery latency p50 (ms)": percentile_ms(self.latencies, 0.50),
            "delivery latency p99 (ms)": percentile_ms(self.latencies, 0.99),
            "delivery latency max (ms)": percentile_ms(self.latencies, 1.0),
            "time to first tablet p50 (ms)": percentile_ms(self.first, 0.50),
            "time to last tablet p50 (ms)": percentile_ms(self.last, 0.50),
            "time to last tablet max (ms)": percentile_ms(self.last, 1.0),
            "memory per tablet (KB)": self.kb_per_tablet,
        }


async def run_changes(system: System, tablets: Tablets, count: int, first_k: int) -> tuple[list[Round], int]:
    """Make ``count`` changes one after the other; return their rounds (times relative to t0) and missing deliveries."""
    rounds, missing = [], 0
    for k in range(first_k, first_k + count):
        tablets.seq += 1
        text = event_text(tablets.seq, system.items[k % 2], system.items[(k + 1) % 2])
        current = Round(marker=f'"seq":{tablets.seq},'.encode(), expected=len(tablets.connections))
        tablets.round = current
        t0 = time.perf_counter()
        await system.change(k, text)
        try:
            await asyncio.wait_for(current.done.wait(), CHANGE_TIMEOUT)
        except TimeoutError:
            missing += current.expected - len(current.times)
            if not current.times:
                raise RuntimeError(f"{system.name}: no tablet received change {k} (seq {tablets.seq})") from None
        current.times[:] = [at - t0 for at in current.times]
        rounds.append(current)
    tablets.round = None
    return rounds, missing


async def settled_rss(system: System, seconds: float = 1.0) -> int:
    await asyncio.sleep(seconds)
    return system.rss()


async def measure(system: System, args: argparse.Namespace) -> Figures:
    warm = Tablets()
    await warm.connect(system.ws_url, min(WARMUP_TABLETS, args.clients), args.batch, system.token)
    await run_changes(system, warm, WARMUP_CHANGES, 0)
    await warm.close()
    idle_rss = await settled_rss(system)

    tablets = Tablets()
    started = time.perf_counter()
    await tablets.connect(system.ws_url, args.clients, args.batch, system.token)
    print(f"  {system.name}: {args.clients} tablets connected in {time.perf_counter() - started:.1f} s", flush=True)
    loaded_rss = await settled_rss(system)

    await run_changes(system, tablets, WARMUP_CHANGES, WARMUP_CHANGES)
    rounds, missing = await run_changes(system, tablets, args.changes, 2 * WARMUP_CHANGES)
    if args.per_change:
        lasts = " ".join(f"{max(r.times) * 1000:.0f}" for r in rounds if r.times)
        print(f"  {system.name}: time to last tablet per change (ms): {lasts}", flush=True)
    if tablets.unexpected:
        print(f"  {system.name}: {tablets.unexpected} unexpected messages", flush=True)
    await tablets.close()
    return Figures(
        latencies=[latency for r in rounds for latency in r.times],
        first=[min(r.times) for r in rounds if r.times],
        last=[max(r.times) for r in rounds if r.times],
        missing=missing,
        message_size=max(r.size for r in rounds),
        kb_per_tablet=(loaded_rss - idle_rss) / args.clients / 1024,
    )


def bench(args: argparse.Namespace) -> tuple[Figures, Figures]:
    """Run the i-Cabinet server, then the ceiling server, each measured with the same tablets."""
    with tempfile.TemporaryDirectory(prefix="icabinet-bench-") as tmp:
        data_dir = Path(tmp)
        env = icabinet_env(data_dir)
        cli = [sys.executable, "-m", "server.cli"]
        subprocess.run(
            [*cli, "demo", "--no-documents"], env=env, cwd=REPO, check=True, capture_output=True, timeout=120
        )
        port = args.port_base
        serve = [*cli, "serve", "--port", str(port)]
        with running(serve, data_dir / "server.log", lambda: http_ok(f"http://127.0.0.1:{port}/health"), env) as server:
            mine = asyncio.run(measure_icabinet(server.pid, port, args))
        ceiling_port = port + 1
        command = [sys.executable, __file__, "--ceiling-server", "--port", str(ceiling_port)]
        command += ["--deflate"] if args.deflate else []
        with running(command, data_dir / "ceiling.log", lambda: port_open(ceiling_port)) as ceiling:
            bare = asyncio.run(measure_ceiling(ceiling.pid, ceiling_port, args))
    return mine, bare


# --- reporting ------------------------------------------------------------------------------------


def targets(mine: Figures, bare: Figures) -> dict[str, str]:
    """PASS/FAIL per acceptance target, keyed by the row it applies to."""
    mine_rows, bare_rows = mine.rows(), bare.rows()

    def verdict(ok: bool) -> str:
        return "PASS" if ok and not mine.missing else "FAIL"

    p99, last, kb = "delivery latency p99 (ms)", "time to last tablet max (ms)", "memory per tablet (KB)"
    return {
        p99: f"<= {TARGET_P99_RATIO}x ceiling  {verdict(mine_rows[p99] <= TARGET_P99_RATIO * bare_rows[p99])}",
        last: f"<= {TARGET_LAST_MS:.0f} ms (1000 tablets)  {verdict(mine_rows[last] <= TARGET_LAST_MS)}",
        kb: f"< {TARGET_KB_PER_TABLET:.0f} KB  {verdict(mine_rows[kb] < TARGET_KB_PER_TABLET)}",
    }


def report(mine: Figures, bare: Figures, args: argparse.Namespace, busy_percent: float) -> None:
    print()
    print(f"Live sync, {args.clients} tablets, {args.changes} changes; {date.today()}, ", end="")
    print(f"{platform.machine()}, {os.cpu_count()} cores (server and bench share them)")
    busy = "  (other work was running: figures are pessimistic)" if busy_percent > 10 else ""
    print(f"CPU busy just before the run (other processes): {busy_percent:.0f}%{busy}")
    print(f"message: {mine.message_size} B (i-Cabinet), {bare.message_size} B (ceiling)")
    head = f"{'':30} {'i-Cabinet':>10} {'ceiling':>10} {'ratio':>7}  target"
    print(head)
    print("-" * (len(head) + 34))
    goals = targets(mine, bare)
    for (label, value), ceiling in zip(mine.rows().items(), bare.rows().values(), strict=True):
        ratio = value / ceiling if ceiling > 0 else math.nan
        print(f"{label:30} {value:10.1f} {ceiling:10.1f} {ratio:6.2f}x  {goals.get(label, '')}".rstrip())
    for figures, name in ((mine, "i-Cabinet"), (bare, "ceiling")):
        if figures.missing:
            print(f"{name}: {figures.missing} deliveries did not arrive within {CHANGE_TIMEOUT:.0f} s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Live-sync benchmark of i-Cabinet against a bare websockets server.")
    parser.add_argument("--clients", type=int, default=1000, help="tablets to connect (default 1000)")
    parser.add_argument("--changes", type=int, default=20, help="measured agenda changes (default 20)")
    parser.add_argument("--port-base", type=int, default=18760, help="i-Cabinet's port; the ceiling uses the next")
    parser.add_argument("--batch", type=int, default=50, help="tablets connecting at once (default 50)")
    parser.add_argument("--per-change", action="store_true", help="also print each change's time to last tablet")
    parser.add_argument(
        "--deflate", action="store_true", help="tablets offer permessage-deflate, as browsers do (both servers use it)"
    )
    parser.add_argument("--ceiling-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    use_fast_loop()
    raise_fd_limit(2 * args.clients + 1024)
    if args.deflate:
        OFFERED_EXTENSIONS.append(ClientPerMessageDeflateFactory(client_max_window_bits=True))
    if args.ceiling_server:
        asyncio.run(ceiling_server(args.port, args.deflate))
        return
    busy_percent = psutil.cpu_percent(interval=1.0)
    mine, bare = bench(args)
    report(mine, bare, args, busy_percent)


if __name__ == "__main__":
    main()
