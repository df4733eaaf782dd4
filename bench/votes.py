"""Voting benchmark: N delegates, all checked in, vote within a second; is every ballot counted exactly once?

Usage::

    .venv/bin/python bench/votes.py [--delegates 500] [--port 18790] [--secret]

Method
------
1. A real ``icabinet serve`` subprocess with its own temporary data directory
   (heartbeat an hour, so no ping traffic interferes). An administrator creates
   a meeting through the API and so becomes its secretary.
2. N delegate accounts, their participations and a login token each are
   written straight into the database (N argon2 logins would take the server
   half a minute and measure nothing of voting); the tokens are made exactly as
   the server makes them (its ``TokenHasher`` with the data directory's key).
3. Every delegate checks in through ``POST /api/meetings/1/checkin``, all at
   once; the meeting starts; a yes/no/abstain poll is created (``--secret``:
   a secret one).
4. Every delegate connects a websocket (``/ws/meetings/{id}``) and receives its
   snapshot, compressed as the kiosk asks for it (``?compress=deflate-raw``;
   ``--text-snapshots``: as text). The secretary opens the poll; the bench waits until every tablet
   has ``poll.opened``.
5. The burst: N ballots (delegate i chooses option i mod 3) plus a second,
   concurrent ballot for another option from every tenth delegate (exactly
   one of the two must be accepted, the other refused with 409), sent at the
   same moment over pre-opened keep-alive connections (a minimal HTTP/1.1
   client on asyncio streams: httpx cost more CPU per request than the server).
   Timed from just before the first request to the last answer.
6. The bench waits for the tally: every tablet's last ``poll.voted`` must count
   every accepted ballot. Then it compares the counts of: the accepted
   ballots, ``GET /api/polls/{id}``, the database (direct SQL: ``poll_ballot``
   rows, or ``poll_option.votes`` and ``poll_voter`` rows for a secret poll), and
   the last event of every tablet; and checks no voter has two rows. A secret
   poll shows no counts while open: its API counts are taken from the close's
   answer, and its events must carry the number of voters and no counts.
7. The secretary closes the poll; every tablet's ``poll.closed`` must carry the
   same counts.

It always exits 0 and prints PASS/FAIL per check.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from websockets.asyncio.client import ClientConnection, connect

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from server.auth.passwords import hash_password  # noqa: E402
from server.auth.service import TokenHasher  # noqa: E402

ADMIN = ("root", "bench-root-password-1")
TARGET_SECONDS = 1.0
SETTLE_TIMEOUT = 30.0
VOTERS = re.compile(r'"voters":(\d+)')


def raise_fd_limit(needed: int) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def server_env(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ICABINET_")}
    env.update(
        ICABINET_DATA_DIR=str(data_dir),
        ICABINET_LOG_LEVEL="warning",
        ICABINET_WS_HEARTBEAT_SECONDS="3600",
        ICABINET_WS_IDLE_TIMEOUT_SECONDS="7200",
        ICABINET_DENSE_SEARCH="false",
    )
    return env


@contextmanager
def running_server(data_dir: Path, port: int):  # type: ignore[no-untyped-def]
    env = server_env(data_dir)
    cli = [sys.executable, "-m", "server.cli"]
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, cwd=REPO, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log.read_text()}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        subprocess.run(
            [*cli, "user", "add", ADMIN[0], "--role", "admin", "--password-stdin"],
            input=ADMIN[1] + "\n",
            env=env,
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def add_delegates(data_dir: Path, meeting_id: int, count: int) -> list[tuple[int, str]]:
    """N users taking part as delegates, each with a valid login token: (user_id, token)."""
    hasher = TokenHasher((data_dir / "secret_key").read_text().strip())
    password_hash = hash_password(secrets.token_urlsafe(16))  # nobody logs in with it
    now = datetime.now(UTC)
    delegates = []
    with sqlite3.connect(data_dir / "icabinet.db", timeout=30) as conn:
        for number in range(1, count + 1):
            cursor = conn.execute(
                "INSERT INTO user (username, full_name, role, password_hash, is_active, created_at) "
                "VALUES (?, ?, 'member', ?, 1, ?)",
                (f"daibieu{number:04d}", f"Đại biểu {number}", password_hash, sql_time(now)),
            )
            user_id = int(cursor.lastrowid or 0)
            conn.execute(
                "INSERT INTO participant (meeting_id, user_id, role, attendance) VALUES (?, ?, 'delegate', 'unknown')",
                (meeting_id, user_id),
            )
            token = secrets.token_urlsafe(32)
            conn.execute(
                "INSERT INTO auth_token (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (hasher(token), user_id, sql_time(now), sql_time(now + timedelta(hours=6))),
            )
            delegates.append((user_id, token))
    return delegates


@dataclass
class Tablet:
    """One delegate's websocket: keeps the poll events it receives."""

    user_id: int
    socket: ClientConnection
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    last_voted_text: str | None = None  # parsed after the burst: the tablets' CPU is not the server's
    last_voters: int = -1
    voted_events: int = 0
    closed_poll: dict[str, Any] | None = None
    events: int = 0
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    expected_voters: int = -1

    @property
    def last_voted(self) -> dict[str, Any] | None:
        return json.loads(self.last_voted_text)["data"] if self.last_voted_text else None

    async def run(self) -> None:
        try:
            async for message in self.socket:
                self.events += 1
                if '"poll.' not in message:
                    continue
                if '"name":"poll.voted"' in message:  # during the burst: keep the text, read only the count
                    self.voted_events += 1
                    self.last_voted_text = str(message)
                    voters = VOTERS.search(self.last_voted_text)
                    self.last_voters = int(voters.group(1)) if voters else -1
                    if self.last_voters == self.expected_voters:
                        self.settled.set()
                    continue
                event = json.loads(message)
                name = event.get("name")
                if name == "poll.opened":
                    self.opened.set()
                elif name == "poll.closed":
                    self.closed_poll = event["data"]["poll"]
                    self.closed.set()
        except Exception:  # the bench closes the sockets at the end
            pass


async def connect_tablets(
    ws_url: str, meeting_id: int, delegates: list[tuple[int, str]], deflate: bool = True
) -> list[Tablet]:
    """Every delegate's tablet connected, 50 at a time, each with its snapshot read; `deflate`: asked for
    compressed, as the kiosk does."""
    tablets: list[Tablet] = []
    query = "?compress=deflate-raw" if deflate else ""
    sizes: list[tuple[int, int]] = []  # each snapshot's bytes on the wire and as JSON text

    async def one(user_id: int, token: str) -> Tablet:
        socket = await connect(
            f"{ws_url}/ws/meetings/{meeting_id}{query}",
            additional_headers={"Authorization": f"Bearer {token}"},
            compression=None,
            ping_interval=None,
            open_timeout=60,
        )
        frame = await asyncio.wait_for(socket.recv(), 60)
        text = zlib.decompress(frame, -zlib.MAX_WBITS) if isinstance(frame, bytes) else frame.encode()
        sizes.append((len(frame) if isinstance(frame, bytes) else len(text), len(text)))
        snapshot = json.loads(text)
        assert snapshot["type"] == "snapshot", snapshot
        return Tablet(user_id, socket)

    for start in range(0, len(delegates), 50):
        tablets += await asyncio.gather(*(one(*d) for d in delegates[start : start + 50]))
    wire, text = (sum(size) / len(sizes) / 1024 for size in zip(*sizes, strict=True))
    how = "compressed (compress=deflate-raw)" if deflate else "as text"
    print(f"snapshots {how}: {wire:.1f} KB each on the wire, {text:.1f} KB of JSON")
    return tablets


async def wait_all(events: list[asyncio.Event], within: float) -> int:
    """How many of ``events`` were set within ``within`` seconds."""
    with suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in events)), within)
    return sum(event.is_set() for event in events)


def database_counts(data_dir: Path, poll_id: int, secret: bool) -> tuple[dict[int, int], int, int]:
    """(votes per option, voter rows, voters with more than one row) read with SQL."""
    with sqlite3.connect(data_dir / "icabinet.db", timeout=30) as conn:
        if secret:
            counts = dict(conn.execute("SELECT id, votes FROM poll_option WHERE poll_id = ?", (poll_id,)).fetchall())
            rows = conn.execute("SELECT COUNT(*) FROM poll_voter WHERE poll_id = ?", (poll_id,)).fetchone()[0]
            doubles = conn.execute(
                "SELECT COUNT(*) FROM (SELECT user_id FROM poll_voter WHERE poll_id = ? GROUP BY user_id "
                "HAVING COUNT(*) > 1)",
                (poll_id,),
            ).fetchone()[0]
        else:
            counts = {
                option_id: 0
                for (option_id,) in conn.execute("SELECT id FROM poll_option WHERE poll_id = ?", (poll_id,))
            }
            for option_id, votes in conn.execute(
                "SELECT option_id, COUNT(*) FROM poll_ballot WHERE poll_id = ? GROUP BY option_id", (poll_id,)
            ):
                counts[option_id] = votes
            rows = conn.execute("SELECT COUNT(*) FROM poll_ballot WHERE poll_id = ?", (poll_id,)).fetchone()[0]
            doubles = conn.execute(
                "SELECT COUNT(*) FROM (SELECT user_id FROM poll_ballot WHERE poll_id = ? GROUP BY user_id "
                "HAVING COUNT(*) > 1)",
                (poll_id,),
            ).fetchone()[0]
    return counts, int(rows), int(doubles)


class RawConnection:
    """One keep-alive HTTP/1.1 connection with almost no client-side cost (httpx spent 20 ms of CPU per
    request at 500 concurrent ones, more than the server did: the figure would have been the bench's)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> RawConnection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    def send(self, path: str, token: str, body: bytes) -> None:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)

    async def answer(self) -> tuple[int, bytes]:
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        body = await self.reader.readexactly(length) if length else b""
        return int(status_line.split()[1]), body

    def close(self) -> None:
        self.writer.close()


async def burst(
    port: int, poll_id: int, delegates: list[tuple[int, str]], options: list[int], duplicates_every: int
) -> tuple[float, Counter[int], list[tuple[int, int]], Counter[int]]:
    """Every delegate votes at once (plus a second ballot from every ``duplicates_every``-th).

    Returns (seconds, accepted per option, (user_id, status) of every answer, statuses)."""
    requests: list[tuple[int, str, int]] = []
    for index, (user_id, token) in enumerate(delegates):
        requests.append((user_id, token, options[index % len(options)]))
        if duplicates_every and index % duplicates_every == 0:
            requests.append((user_id, token, options[(index + 1) % len(options)]))
    # one connection per ballot, opened first: the burst measures voting, not TCP set-up
    connections = await asyncio.gather(*(RawConnection.open(port) for _ in requests))
    path = f"/api/polls/{poll_id}/ballot"
    started = time.perf_counter()
    for connection, (_user_id, token, option_id) in zip(connections, requests, strict=True):
        connection.send(path, token, json.dumps({"option_id": option_id}).encode())
    replies = await asyncio.gather(*(connection.answer() for connection in connections))
    seconds = time.perf_counter() - started
    for connection in connections:
        connection.close()
    accepted: Counter[int] = Counter()
    answers: list[tuple[int, int]] = []
    for (user_id, _token, option_id), (status, body) in zip(requests, replies, strict=True):
        answers.append((user_id, status))
        if status == 200:
            accepted[json.loads(body).get("option_id") or option_id] += 1
    return seconds, accepted, answers, Counter(status for _, status in answers)


def start_profiler(path: Path | None, pid: int) -> subprocess.Popen[bytes] | None:
    """py-spy (if installed; not a dependency) sampling the server during the burst only."""
    if path is None:
        return None
    # --nonblocking: pausing the server for each of 1000 samples a second made the burst 15 times slower;
    # --gil: only what holds the interpreter (an idle thread's wait is not the server's work)
    command = [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid), "--rate", "1000"]
    command += ["--nonblocking", "--gil"]
    profiler = subprocess.Popen([*command, "--format", "raw", "--output", str(path)], stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches
    return profiler


def stop_profiler(profiler: subprocess.Popen[bytes] | None, path: Path | None) -> None:
    if profiler is None:
        return
    profiler.send_signal(signal.SIGINT)
    profiler.wait(timeout=30)
    print(f"  profile of the server during the burst (collapsed stacks): {path}")


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


async def run(args: argparse.Namespace, data_dir: Path, server_pid: int) -> list[tuple[str, bool, str]]:
    base_url, ws_url = f"http://127.0.0.1:{args.port}", f"ws://127.0.0.1:{args.port}"
    checks: list[tuple[str, bool, str]] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        login = await http.post("/api/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]})
        sec = {"Authorization": f"Bearer {login.json()['token']}"}
        meeting = (await http.post("/api/meetings", json={"title": "Kỳ họp thứ 12"}, headers=sec)).json()
        meeting_id = meeting["id"]
        delegates = add_delegates(data_dir, meeting_id, args.delegates)
        print(f"{len(delegates)} delegates in meeting {meeting_id}")

        # one connection per delegate, opened first, as for the ballots: the burst measures the check-ins
        connections = await asyncio.gather(*(RawConnection.open(args.port) for _ in delegates))
        server = psutil.Process(server_pid)
        checkin_profile = args.profile.with_suffix(".checkin" + args.profile.suffix) if args.profile else None
        profiler = start_profiler(checkin_profile, server_pid)
        server_cpu = cpu_seconds(server)
        started = time.perf_counter()
        for connection, (_, token) in zip(connections, delegates, strict=True):
            connection.send(f"/api/meetings/{meeting_id}/checkin", token, b"")
        replies = await asyncio.gather(*(connection.answer() for connection in connections))
        checkin_seconds = time.perf_counter() - started
        server_cpu = cpu_seconds(server) - server_cpu
        stop_profiler(profiler, checkin_profile)
        for connection in connections:
            connection.close()
        checked_in = sum(status == 200 for status, _ in replies)
        print(f"check-in: {checked_in}/{len(delegates)} accepted in {checkin_seconds:.2f} s (all at once)")
        print(f"  CPU meanwhile: server {server_cpu:.2f} s ({server_cpu / len(delegates) * 1000:.1f} ms per check-in)")
        await http.post(f"/api/meetings/{meeting_id}/start", headers=sec)
        attendance = (await http.get(f"/api/meetings/{meeting_id}/attendance", headers=sec)).json()
        print(
            f"attendance: {attendance['present']} present, {attendance['voting_present']}/"
            f"{attendance['voting_members']} voting members, quorum {attendance['quorum']}"
        )
        poll = (
            await http.post(
                f"/api/meetings/{meeting_id}/polls",
                json={"title": "Thông qua Nghị quyết về phí gửi xe", "secret": args.secret},
                headers=sec,
            )
        ).json()
        poll_id, options = poll["id"], [option["id"] for option in poll["options"]]

        connect_profile = args.profile.with_suffix(".connect" + args.profile.suffix) if args.profile else None
        profiler = start_profiler(connect_profile, server_pid)
        bench = psutil.Process()
        server_cpu, bench_cpu = cpu_seconds(server), cpu_seconds(bench)
        started = time.perf_counter()
        tablets = await connect_tablets(ws_url, meeting_id, delegates, not args.text_snapshots)
        print(f"{len(tablets)} tablets connected with their snapshots in {time.perf_counter() - started:.2f} s")
        server_cpu, bench_cpu = cpu_seconds(server) - server_cpu, cpu_seconds(bench) - bench_cpu
        print(
            f"  CPU meanwhile: server {server_cpu:.2f} s ({server_cpu / len(tablets) * 1000:.1f} ms per tablet), "
            f"bench {bench_cpu:.2f} s"
        )
        stop_profiler(profiler, connect_profile)
        readers = [asyncio.create_task(tablet.run()) for tablet in tablets]
        opened = await http.post(f"/api/polls/{poll_id}/open", headers=sec)
        assert opened.status_code == 200, opened.text
        got_open = await wait_all([t.opened for t in tablets], SETTLE_TIMEOUT)
        print(f"poll {poll_id} ({'secret' if args.secret else 'open, named'}) opened: {got_open} tablets told")

        profiler = start_profiler(args.profile, server_pid)
        server_before, bench_before = cpu_seconds(server), cpu_seconds(bench)
        seconds, accepted, answers, statuses = await burst(args.port, poll_id, delegates, options, args.duplicates)
        stop_profiler(profiler, args.profile)
        server_cpu, bench_cpu = cpu_seconds(server) - server_before, cpu_seconds(bench) - bench_before
        accepted_total = sum(accepted.values())
        requests = len(answers)
        print(f"burst: {requests} ballots sent at once ({requests - len(delegates)} of them a second ballot)")
        print(f"  answers: {dict(sorted(statuses.items()))}; took {seconds:.3f} s ({requests / seconds:.0f} per s)")
        print(
            f"  CPU meanwhile: server {server_cpu:.2f} s ({1000 * server_cpu / requests:.1f} ms per ballot), "
            f"bench {bench_cpu:.2f} s"
        )

        for tablet in tablets:
            tablet.expected_voters = accepted_total
            if tablet.last_voters == accepted_total:
                tablet.settled.set()
        started = time.perf_counter()
        settled = await wait_all([t.settled for t in tablets], SETTLE_TIMEOUT)
        settle_seconds = time.perf_counter() - started

        api_poll = (await http.get(f"/api/polls/{poll_id}", headers=sec)).json()
        api_counts = {option["id"]: option["votes"] for option in api_poll["options"]}
        db_counts, db_rows, db_doubles = database_counts(data_dir, poll_id, args.secret)
        accepted_counts = {option_id: accepted.get(option_id, 0) for option_id in options}
        event_counts = [
            {int(key): value for key, value in (t.last_voted or {"counts": {}})["counts"].items()} for t in tablets
        ]
        if args.secret:  # an open secret poll shows how many voted, never the counts: those come with the close
            sealed = all(votes is None for votes in api_counts.values())
            identical_events = sum(
                counts == {} and t.last_voters == db_rows for counts, t in zip(event_counts, tablets, strict=True)
            )
        else:
            sealed = True
            identical_events = sum(counts == db_counts for counts in event_counts)
        voted_events = [t.voted_events for t in tablets]

        closed = await http.post(f"/api/polls/{poll_id}/close", headers=sec)
        if args.secret:
            api_counts = {option["id"]: option["votes"] for option in closed.json()["options"]}
        got_closed = await wait_all([t.closed for t in tablets], SETTLE_TIMEOUT)
        closed_counts = [
            {option["id"]: option["votes"] for option in (t.closed_poll or {"options": []})["options"]} for t in tablets
        ]
        identical_closed = sum(counts == db_counts for counts in closed_counts)
        result = closed.json().get("result")

        for tablet in tablets:
            await tablet.socket.close()
        for reader in readers:
            reader.cancel()

    def show(counts: dict[int, int]) -> str:
        return " / ".join(str(counts.get(option_id, 0)) for option_id in options)

    labels = " / ".join(option["label"] for option in poll["options"])
    print()
    print(f"counts ({labels}):")
    print(f"  ballots accepted (HTTP 200)               {show(accepted_counts)}   total {accepted_total}")
    api_label = f"POST /api/polls/{poll_id}/close" if args.secret else f"GET /api/polls/{poll_id}      "
    print(f"  {api_label}                 {show(api_counts)}   voters {api_poll['voters']}")
    print(f"  database (direct SQL)                     {show(db_counts)}   voter rows {db_rows}")
    print(
        f"  last poll.voted on each tablet            {show(event_counts[0])}   identical on "
        f"{identical_events}/{len(tablets)} tablets"
    )
    print(
        f"  poll.closed on each tablet                {show(closed_counts[0])}   identical on "
        f"{identical_closed}/{len(tablets)} tablets"
    )
    print(f"  result: {result}")
    print(
        f"poll.voted events per tablet during the burst: min {min(voted_events)}, max {max(voted_events)} "
        f"(tallies, one per poll_tally_seconds); every tablet counted every ballot {settle_seconds:.2f} s "
        "after the last answer"
    )
    print()
    duplicates = requests - len(delegates)
    checks.append(("every delegate checked in", checked_in == len(delegates), f"{checked_in}/{len(delegates)}"))
    checks.append(
        (
            "each voter's first ballot accepted, every second one refused (409)",
            accepted_total == len(delegates) and statuses.get(409, 0) == duplicates,
            f"{accepted_total} accepted, {statuses.get(409, 0)} refused of {duplicates} second ballots",
        )
    )
    # which of a voter's two simultaneous ballots is the one accepted is the race's to decide
    one_each = all(count == 1 for count in Counter(u for u, status in answers if status == 200).values())
    same = accepted_counts == api_counts == db_counts
    checks.append(("accepted (HTTP 200) = API = database, one accepted ballot per voter", same and one_each, ""))
    checks.append(("no counts shown while a secret poll is open (API and events)", sealed, ""))
    checks.append(
        (
            "every ballot counted exactly once in the database",
            db_rows == accepted_total and db_doubles == 0 and sum(db_counts.values()) == accepted_total,
            f"{db_rows} rows, {db_doubles} voters with two",
        )
    )
    checks.append(
        (
            "identical counts (secret: voters only) in the last event on every tablet",
            settled == len(tablets) and identical_events == len(tablets),
            f"{identical_events}/{len(tablets)}",
        )
    )
    checks.append(
        ("identical final counts in poll.closed on every tablet", identical_closed == len(tablets) == got_closed, "")
    )
    checks.append(
        (
            f"{len(delegates)} ballots within {TARGET_SECONDS:.0f} s",
            seconds <= TARGET_SECONDS,
            f"{seconds:.3f} s",
        )
    )
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description="N delegates voting at once against a real i-Cabinet server.")
    parser.add_argument("--delegates", type=int, default=500, help="delegates, each with a tablet (default 500)")
    parser.add_argument("--port", type=int, default=18790)
    parser.add_argument(
        "--profile",
        type=Path,
        help="py-spy's collapsed stacks of the ballot burst here (of the check-ins and the connects beside it)",
    )
    parser.add_argument("--secret", action="store_true", help="a secret poll instead of an open (named) one")
    parser.add_argument(
        "--text-snapshots",
        action="store_true",
        help="tablets take their snapshots as text, not compressed (compress=deflate-raw) as the kiosk does",
    )
    parser.add_argument(
        "--duplicates", type=int, default=10, help="every n-th delegate also sends a second ballot (0: none)"
    )
    args = parser.parse_args()
    raise_fd_limit(4 * args.delegates + 1024)
    busy = psutil.cpu_percent(interval=1.0)
    print(f"Voting, {args.delegates} delegates; {datetime.now():%Y-%m-%d}, {platform.machine()}, ", end="")
    print(f"{os.cpu_count()} cores (server and bench share them); CPU busy before the run: {busy:.0f}%")
    with tempfile.TemporaryDirectory(prefix="icabinet-votes-") as tmp:
        data_dir = Path(tmp)
        with running_server(data_dir, args.port) as server:
            checks = asyncio.run(run(args, data_dir, server.pid))
    for label, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}{'  (' + detail + ')' if detail else ''}")
    print("PASS" if all(ok for _, ok, _ in checks) else "FAIL")


if __name__ == "__main__":
    main()
