"""Scale-out benchmark: N tablets over two server processes on PostgreSQL and Redis, then one process killed.

Usage::

    .venv/bin/python bench/scale.py [--clients 5000] [--changes 20] [--port-base 18860]

Method
------
1. A fresh PostgreSQL database (``icabinet_scale_<pid>`` on 127.0.0.1:5432, dropped at the end) and a
   redis-server of its own on a free port (Redis pub/sub is not scoped by database index, so a shared
   Redis would mix this run's events with anyone else's). The demo meeting is loaded into it.
2. Two ``icabinet serve`` processes (A and B) on that database with ``ICABINET_REDIS_URL`` set, the same
   data directory, the open-files limit raised (``resource.setrlimit``, inherited). Heartbeat set to an
   hour, so no ping traffic interferes.
3. N tablets (the delegate's token), half on A and half on B, connected in batches, each waiting for its
   snapshot; connect time is printed. Each tablet is websockets' sans-I/O ``ClientProtocol`` on an
   ``asyncio.Protocol`` (bench/sync.py's approach: no task per tablet); it keeps every event seq it
   receives, and the current agenda item it derives from its snapshot and ``agenda.current`` events.
4. Phase 1: the secretary sets the current item K times, alternately through A and through B; change k+1
   is made once every tablet has change k. Delivery latency is a tablet's receive time minus the time just
   before the request (one clock, this process). Memory per connection: the two servers' RSS with all
   tablets connected minus their RSS before (after a warm-up), divided by N.
5. Phase 2: process B is SIGKILLed. Its tablets reconnect to A with ``?since=<their last seq>`` (after a
   random 0.5-2 s delay, as the kiosk's backoff does), while the secretary keeps making changes through A
   (K more, every 200 ms, not waiting for deliveries). Reported: the time until every moved tablet has
   ``resumed``, and the delivery latency of these changes to the tablets that stayed connected.
6. Convergence: once everything is quiet, a fresh snapshot (``GET /api/meetings/1/snapshot``, delegate) is
   compared with every tablet's seq and current item. Lost events per tablet: seqs in (its first snapshot's
   seq, the fresh snapshot's seq] that any tablet received and it did not; duplicated: seqs it received more
   than once (raw, before any client-side dedup).
7. Ceiling: bench/sync.py's bare websockets broadcast server, N sockets in one process, the same way
   measured in this run; the p99 ratio is printed.

Targets (issue 8): p99 delivery under 1 s, 0 lost, 0 duplicated; printed as PASS/FAIL. Always exits 0.
Server and bench share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
import psutil
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sync  # noqa: E402  (bench/sync.py: the ceiling server, process helpers, percentiles)

MEETING_ID = sync.MEETING_ID
PG_ADMIN = "postgresql://127.0.0.1:5432/test"
TARGET_P99_MS = 1000.0
CHANGE_TIMEOUT = 10.0
RESUME_TIMEOUT = 120.0


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"icabinet_scale_{os.getpid()}"
    psql = ["psql", "-X", "-q", PG_ADMIN, "-c"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name}"], check=True, capture_output=True)
    subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True, capture_output=True)
    try:
        yield f"postgresql+asyncpg://127.0.0.1:5432/{name}"
    finally:
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)


# --- tablets ----------------------------------------------------------------------------------------


class Tablet(asyncio.Protocol):
    """One tablet: sans-I/O websockets over an asyncio transport; keeps its seqs and its current item."""

    def __init__(self, fleet: Fleet, url: str, home: str) -> None:
        self.fleet = fleet
        self.home = home  # "A" or "B": where it connected first
        self.ws = ClientProtocol(parse_uri(url))
        self.transport: asyncio.Transport | None = None
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[None] = loop.create_future()  # snapshot (or resumed) received
        self.lost: asyncio.Future[None] = loop.create_future()
        self.first_seq: int | None = None
        self.seq = 0
        self.current: int | None = None
        self.seqs: list[int] = []
        self.events: list[tuple[int, str]] = []  # (seq, what the event says): two processes must not share a seq
        self.moved = False
        self.resumed_at: float | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        request = self.ws.connect()
        request.headers["Authorization"] = f"Bearer {self.fleet.token}"  # never in the URL
        self.ws.send_request(request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self._message(json.loads(bytes(event.data)), now)
        self._flush()
        if self.ws.state is State.CLOSED and self.transport is not None:
            self.transport.close()

    def _message(self, message: dict[str, Any], now: float) -> None:
        kind = message.get("type")
        if kind == "snapshot":
            self.seq = int(message["seq"])
            if self.first_seq is None:
                self.first_seq = self.seq
            self.current = message["state"].get("current_item_id")
            if not self.ready.done():
                self.ready.set_result(None)
        elif kind == "event":
            seq = int(message["seq"])
            self.seqs.append(seq)
            self.events.append((seq, json.dumps([message.get("name"), message.get("data")], sort_keys=True)))
            self.seq = max(self.seq, seq)
            if message.get("name") == "agenda.current":
                self.current = message["data"].get("item_id")
                self.fleet.delivered(self, now)
        elif kind == "resumed":
            self.seq = max(self.seq, int(message["seq"]))
            self.resumed_at = now
            if not self.ready.done():
                self.ready.set_result(None)
        elif kind == "ping":
            self.ws.send_text(b'{"type":"pong"}')

    def _flush(self) -> None:
        data = self.ws.data_to_send()
        if data and self.transport is not None:
            self.transport.write(b"".join(data))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(exc or ConnectionError("closed before the snapshot"))
        if not self.lost.done():
            self.lost.set_result(None)

    def close(self) -> None:
        if self.ws.state is State.OPEN:
            self.ws.send_close(1000)
            self._flush()
        if self.transport is not None:
            self.transport.close()


@dataclass
class Round:
    expected: set[Tablet]
    t0: float = 0.0
    times: list[float] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Fleet:
    def __init__(self, token: str) -> None:
        self.token = token
        self.tablets: list[Tablet] = []
        self.rounds: list[Round] = []  # changes still on their way, oldest first

    def url(self, port: int, since: int | None = None) -> str:
        tail = f"?since={since}" if since is not None else ""
        return f"ws://127.0.0.1:{port}/ws/meetings/{MEETING_ID}{tail}"

    async def open(self, port: int, home: str, since: int | None = None, tablet: Tablet | None = None) -> Tablet:
        loop = asyncio.get_running_loop()
        url = self.url(port, since)
        if tablet is None:
            _transport, tablet = await loop.create_connection(lambda: Tablet(self, url, home), "127.0.0.1", port)
        else:
            reused = tablet
            reused.ws = ClientProtocol(parse_uri(url))
            reused.ready = loop.create_future()
            reused.lost = loop.create_future()
            await loop.create_connection(lambda: reused, "127.0.0.1", port)
        await asyncio.wait_for(tablet.ready, 120)
        return tablet

    async def connect(self, ports: dict[str, int], count: int, batch: int) -> None:
        homes = ["A" if i % 2 == 0 else "B" for i in range(count)]
        for start in range(0, count, batch):
            chunk = homes[start : start + batch]
            self.tablets += await asyncio.gather(*(self.open(ports[home], home) for home in chunk))

    def begin(self, expected: list[Tablet]) -> Round:
        current = Round(expected=set(expected), t0=time.perf_counter())
        self.rounds.append(current)
        return current

    def delivered(self, tablet: Tablet, now: float) -> None:
        # a tablet gets the changes in order: this is the oldest change that has not reached it yet
        for current in self.rounds:
            if tablet in current.expected:
                current.expected.discard(tablet)
                current.times.append(now - current.t0)
                if not current.expected:
                    current.done.set()
                return


# --- the run ----------------------------------------------------------------------------------------


@dataclass
class Servers:
    ports: dict[str, int]
    pids: dict[str, int]
    processes: dict[str, subprocess.Popen[bytes]]

    def rss(self, *names: str) -> int:
        return sum(int(psutil.Process(self.pids[name]).memory_info().rss) for name in names)


async def secretary_clients(ports: dict[str, int]) -> tuple[dict[str, httpx.AsyncClient], str, tuple[int, int]]:
    clients = {}
    for name, port in ports.items():
        http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60)
        http.headers["Authorization"] = f"Bearer {await sync.login(http, *sync.SECRETARY)}"
        clients[name] = http
    delegate = await sync.login(clients["A"], *sync.DELEGATE)
    (await clients["A"].post(f"/api/meetings/{MEETING_ID}/start")).raise_for_status()
    agenda = (await clients["A"].get(f"/api/meetings/{MEETING_ID}/agenda")).raise_for_status().json()
    return clients, delegate, (agenda[0]["id"], agenda[1]["id"])


async def set_current(http: httpx.AsyncClient, item_id: int) -> None:
    (await http.post(f"/api/meetings/{MEETING_ID}/agenda/{item_id}/current")).raise_for_status()


async def phase_one(
    fleet: Fleet, http: dict[str, httpx.AsyncClient], items: tuple[int, int], changes: int
) -> dict[str, Any]:
    latencies: list[float] = []
    missing = 0
    for k in range(changes):
        current = fleet.begin(fleet.tablets)
        await set_current(http["A" if k % 2 == 0 else "B"], items[k % 2])
        try:
            await asyncio.wait_for(current.done.wait(), CHANGE_TIMEOUT)
        except TimeoutError:
            missing += len(current.expected)
        latencies += current.times
    fleet.rounds.clear()
    return {"latencies": latencies, "missing": missing}


async def phase_two(
    fleet: Fleet, servers: Servers, http: dict[str, httpx.AsyncClient], items: tuple[int, int], changes: int
) -> dict[str, Any]:
    victims = [tablet for tablet in fleet.tablets if tablet.home == "B"]
    stayed = [tablet for tablet in fleet.tablets if tablet.home == "A"]
    killed_at = time.perf_counter()
    os.kill(servers.pids["B"], signal.SIGKILL)
    servers.processes["B"].wait()

    async def move(tablet: Tablet) -> None:
        await tablet.lost
        tablet.moved = True
        await asyncio.sleep(random.uniform(0.5, 2.0))
        for _attempt in range(20):
            try:
                await fleet.open(servers.ports["A"], "B", since=tablet.seq, tablet=tablet)
                return
            except (OSError, ConnectionError, TimeoutError):
                await asyncio.sleep(random.uniform(0.5, 2.0))
        raise RuntimeError("a tablet could not reconnect to the surviving process")

    movers = asyncio.gather(*(move(tablet) for tablet in victims))
    for k in range(changes):
        fleet.begin(stayed)
        await set_current(http["A"], items[k % 2])
        await asyncio.sleep(0.2)
    await asyncio.wait_for(movers, RESUME_TIMEOUT)
    resumed = [t.resumed_at - killed_at for t in victims if t.resumed_at is not None]
    await asyncio.sleep(2.0)  # let the last deliveries land
    latencies = [at for current in fleet.rounds for at in current.times]
    missing = sum(len(current.expected) for current in fleet.rounds)
    fleet.rounds.clear()
    return {"latencies": latencies, "missing": missing, "resume": resumed, "moved": len(victims)}


async def convergence(fleet: Fleet, http: httpx.AsyncClient) -> dict[str, Any]:
    http.headers["Authorization"] = f"Bearer {fleet.token}"
    fresh = (await http.get(f"/api/meetings/{MEETING_ID}/snapshot")).raise_for_status().json()
    final_seq, final_current = int(fresh["seq"]), fresh["state"].get("current_item_id")
    # every event any tablet got, by (seq, content): a seq given to two different events is a collision
    seen: set[tuple[int, str]] = set().union(*(set(tablet.events) for tablet in fleet.tablets))
    collisions = sum(n - 1 for n in Counter(seq for seq, _ in seen).values() if n > 1)
    lost = duplicated = diverged = 0
    worst_lost = worst_dup = 0
    for tablet in fleet.tablets:
        first = tablet.first_seq or 0
        wanted = {event for event in seen if first < event[0] <= final_seq}
        counts = Counter(tablet.events)
        tablet_lost = len(wanted - counts.keys())
        tablet_dup = sum(n - 1 for n in Counter(tablet.seqs).values() if n > 1)
        lost += tablet_lost
        duplicated += tablet_dup
        worst_lost, worst_dup = max(worst_lost, tablet_lost), max(worst_dup, tablet_dup)
        if tablet.seq != final_seq or tablet.current != final_current:
            diverged += 1
    return {
        "final_seq": final_seq,
        "lost": lost,
        "duplicated": duplicated,
        "worst_lost": worst_lost,
        "worst_dup": worst_dup,
        "diverged": diverged,
        "collisions": collisions,
    }


async def measure(servers: Servers, args: argparse.Namespace) -> dict[str, Any]:
    http, delegate, items = await secretary_clients(servers.ports)
    try:
        await set_current(http["A"], items[1])
        warm = Fleet(delegate)
        await warm.connect(servers.ports, 20, 20)
        await phase_one(warm, http, items, 2)
        for tablet in warm.tablets:
            tablet.close()
        await asyncio.sleep(1.0)
        idle = servers.rss("A", "B")

        fleet = Fleet(delegate)
        started = time.perf_counter()
        await fleet.connect(servers.ports, args.clients, args.batch)
        connect_s = time.perf_counter() - started
        print(f"  {args.clients} tablets connected in {connect_s:.1f} s", flush=True)
        await asyncio.sleep(1.0)
        kb = (servers.rss("A", "B") - idle) / args.clients / 1024
        one = await phase_one(fleet, http, items, args.changes)
        print(f"  phase 1 done: {len(one['latencies'])} deliveries", flush=True)
        two = await phase_two(fleet, servers, http, items, args.changes)
        print(f"  phase 2 done: {two['moved']} tablets moved", flush=True)
        end = await convergence(fleet, http["A"])
        for tablet in fleet.tablets:
            tablet.close()
        return {"connect_s": connect_s, "kb": kb, "one": one, "two": two, "end": end}
    finally:
        for client in http.values():
            await client.aclose()


def start_servers(stack: ExitStack, data_dir: Path, env: dict[str, str], port_base: int) -> Servers:
    cli = [sys.executable, "-m", "server.cli"]
    subprocess.run([*cli, "demo", "--no-documents"], env=env, cwd=sync.REPO, check=True, capture_output=True)
    ports = {"A": port_base, "B": port_base + 1}
    processes = {}
    for name, port in ports.items():
        command = [*cli, "serve", "--port", str(port)]
        ready = (lambda p: lambda: sync.http_ok(f"http://127.0.0.1:{p}/health"))(port)
        processes[name] = stack.enter_context(sync.running(command, data_dir / f"server-{name}.log", ready, env))
    return Servers(ports, {name: process.pid for name, process in processes.items()}, processes)


def bench(args: argparse.Namespace) -> tuple[dict[str, Any], sync.Figures]:
    with tempfile.TemporaryDirectory(prefix="icabinet-scale-") as tmp, ExitStack() as stack:
        data_dir = Path(tmp)
        redis_port = free_port()
        redis_command = ["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no"]
        redis_command += ["--maxclients", str(args.clients + 1000)]
        stack.enter_context(sync.running(redis_command, data_dir / "redis.log", lambda: sync.port_open(redis_port)))
        database_url = stack.enter_context(fresh_database())
        env = sync.icabinet_env(data_dir)
        env.update(ICABINET_DATABASE_URL=database_url, ICABINET_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0")
        servers = start_servers(stack, data_dir, env, args.port_base)
        try:
            mine = asyncio.run(measure(servers, args))
        except Exception:
            for log in sorted(data_dir.glob("server-*.log")):
                print(f"--- {log.name} (last lines)\n" + "\n".join(log.read_text().splitlines()[-30:]))
            raise
        for process in servers.processes.values():
            if process.poll() is None:
                process.terminate()
        ceiling_port = args.port_base + 2
        command = [sys.executable, sync.__file__, "--ceiling-server", "--port", str(ceiling_port)]
        with sync.running(command, data_dir / "ceiling.log", lambda: sync.port_open(ceiling_port)) as ceiling:
            bare = asyncio.run(sync.measure_ceiling(ceiling.pid, ceiling_port, args))
    return mine, bare


def report(mine: dict[str, Any], bare: sync.Figures, args: argparse.Namespace) -> None:
    pct = sync.percentile_ms
    one, two, end = mine["one"], mine["two"], mine["end"]
    print(f"\n{args.clients} tablets over 2 processes (PostgreSQL + Redis), {args.changes} changes per phase")
    print(f"  connect time                       {mine['connect_s']:8.1f} s")
    print(f"  memory per connection              {mine['kb']:8.1f} KB (both servers' RSS delta / tablets)")
    print("  phase 1, changes through A and B:")
    for q, label in ((0.5, "p50"), (0.99, "p99"), (1.0, "max")):
        print(f"    delivery {label}                     {pct(one['latencies'], q):8.1f} ms")
    print(f"    missing deliveries               {one['missing']:8d}")
    print(f"  ceiling (bare websockets, {args.clients} sockets, 1 process):")
    print(f"    delivery p50 / p99               {pct(bare.latencies, 0.5):8.1f} / {pct(bare.latencies, 0.99):.1f} ms")
    ratio = pct(one["latencies"], 0.99) / pct(bare.latencies, 0.99)
    print(f"    i-Cabinet p99 / ceiling p99      {ratio:8.1f}x")
    print(f"  phase 2, B SIGKILLed, {two['moved']} tablets move to A, changes through A every 200 ms:")
    for q, label in ((0.5, "p50"), (0.99, "p99"), (1.0, "max")):
        print(f"    delivery to stayers {label}          {pct(two['latencies'], q):8.1f} ms")
    print(f"    missing deliveries to stayers    {two['missing']:8d}")
    resume_max, resume_p50 = pct(two["resume"], 1.0) / 1000, pct(two["resume"], 0.5) / 1000
    print(f"    all moved tablets resumed after  {resume_max:8.1f} s (p50 {resume_p50:.1f} s)")
    print(f"  convergence on a fresh snapshot (seq {end['final_seq']}):")
    print(f"    tablets not equal to it          {end['diverged']:8d}")
    print(f"    seqs given to two events         {end['collisions']:8d}")
    print(f"    lost events (total / worst tablet)       {end['lost']} / {end['worst_lost']}")
    print(f"    duplicated events (total / worst tablet) {end['duplicated']} / {end['worst_dup']}")
    p99 = max(pct(one["latencies"], 0.99), pct(two["latencies"], 0.99))

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    delivered_all = one["missing"] == 0 and two["missing"] == 0
    print(f"\n  p99 delivery < {TARGET_P99_MS:.0f} ms: {verdict(p99 < TARGET_P99_MS and delivered_all)} ({p99:.0f} ms)")
    print(f"  0 lost: {verdict(end['lost'] == 0 and end['diverged'] == 0 and end['collisions'] == 0)}")
    print(f"  0 duplicated: {verdict(end['duplicated'] == 0)}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Two i-Cabinet processes on PostgreSQL + Redis, one killed.")
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100, help="tablets connecting at once")
    parser.add_argument("--port-base", type=int, default=18860, help="A; B is the next, the ceiling the one after")
    args = parser.parse_args(argv)
    args.per_change = False  # bench/sync.py's ceiling measurement reads it
    return args


def main() -> None:
    args = parse_args()
    sync.raise_fd_limit(2 * args.clients + 2000)
    sync.use_fast_loop()
    mine, bare = bench(args)
    report(mine, bare, args)


if __name__ == "__main__":
    main()
