"""Login flood benchmark: does a flood of bad logins stall the other requests?

Usage::

    .venv/bin/python bench/login.py [--concurrency 16] [--seconds 10] [--port 18795]

Method
------
1. A real ``icabinet serve`` subprocess with its own temporary data directory; an administrator
   made with ``icabinet user add``, logged in once (its token is what the probes use).
2. Ceiling: for ``--seconds``, sequential ``GET /api/me`` 10 ms apart (a cheap authenticated call,
   the token served from the process's cache) with nothing else going on; median and 95th
   percentile.
3. Then ``--concurrency`` clients send bad logins back to back while the same probes run again in
   the same process; the probes' latency is the figure, and its ratio to the ceiling. Two servers:
   - every attempt hashed: free attempts far above the flood, so each bad login costs a full
     argon2id verification (a flood from many addresses against many accounts);
   - the default throttle, one account from one address: after a few failures every attempt is
     refused with 429 before any hashing.

Prints a table; always exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
ADMIN = ("root", "bench-root-password-1")


def start_server(data_dir: Path, port: int, **settings: str) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ICABINET_")}
    env.update({"ICABINET_DATA_DIR": str(data_dir), "ICABINET_LOG_LEVEL": "warning", "ICABINET_OCR": "false"})
    env.update({f"ICABINET_{key.upper()}": value for key, value in settings.items()})
    created = subprocess.run(
        [sys.executable, "-m", "server.cli", "user", "add", ADMIN[0], "--role", "admin", "--password-stdin"],
        env=env,
        cwd=REPO,
        input=ADMIN[1] + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    if created.returncode != 0 and "taken" not in created.stderr:
        raise SystemExit(created.stderr)
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


async def probe(client: httpx.AsyncClient, token: str, seconds: float) -> list[float]:
    """Sequential ``GET /api/me`` for ``seconds``; each one's latency in milliseconds."""
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        response = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
        await asyncio.sleep(0.01)  # a tablet's pace, not a busy loop competing with the flood for the cores
    return latencies


async def flood(client: httpx.AsyncClient, stop: asyncio.Event, worker: int, same_account: bool) -> dict[int, int]:
    statuses: dict[int, int] = {}
    attempt = 0
    while not stop.is_set():
        attempt += 1
        username = "victim" if same_account else f"guess-{worker}-{attempt}"
        response = await client.post("/api/auth/login", json={"username": username, "password": "wrong-password"})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return statuses


def summary(latencies: list[float]) -> tuple[float, float]:
    return statistics.median(latencies), statistics.quantiles(latencies, n=20)[18]


async def run_phase(url: str, token: str, seconds: float, concurrency: int, same_account: bool) -> dict[str, Any]:
    """The ceiling (probes alone), then the same probes during the flood, in one server process."""
    limits = httpx.Limits(max_connections=concurrency + 2)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        await probe(client, token, 2.0)  # warm the connection, the token cache and the server's start-up work
        ceiling = summary(await probe(client, token, seconds))
        stop = asyncio.Event()
        flooders = [asyncio.create_task(flood(client, stop, worker, same_account)) for worker in range(concurrency)]
        await asyncio.sleep(1.0)  # let the flood reach its pace
        started = time.perf_counter()
        flooded = summary(await probe(client, token, seconds))
        elapsed = time.perf_counter() - started
        stop.set()
        totals: dict[int, int] = {}
        for result in await asyncio.gather(*flooders):
            for status, count in result.items():
                totals[status] = totals.get(status, 0) + count
    return {"ceiling": ceiling, "flooded": flooded, "logins": totals, "logins_per_s": sum(totals.values()) / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each probe run")
    parser.add_argument("--port", type=int, default=18795)
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, settings, same_account in (
            (
                "every attempt hashed",
                {"login_account_free_attempts": "1000", "login_address_free_attempts": "100000"},
                False,
            ),
            ("default throttle, one account", {}, True),
        ):
            process = start_server(Path(tmp) / "data", args.port, **settings)
            try:
                token = httpx.post(
                    f"{url}/api/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]}, timeout=60
                ).json()["token"]
                rows.append((label, asyncio.run(run_phase(url, token, args.seconds, args.concurrency, same_account))))
            finally:
                process.terminate()
                process.wait(timeout=30)
    print(f"cpu cores: {os.cpu_count()}, load average before the run: {load_before:.1f}")
    print(f"GET /api/me latency (ms) with no flood (ceiling) and during {args.concurrency} clients' bad logins")
    header = (
        f"{'flood':<32} {'ceiling p50':>11} {'p95':>7} {'flood p50':>10} {'p95':>7} {'ratio p50':>9} {'logins/s':>9}"
    )
    print(f"{header}  answers")
    for label, row in rows:
        (c50, c95), (f50, f95) = row["ceiling"], row["flooded"]
        print(
            f"{label:<32} {c50:>11.1f} {c95:>7.1f} {f50:>10.1f} {f95:>7.1f} {f50 / c50:>9.2f} "
            f"{row['logins_per_s']:>9.1f}  {row['logins']}"
        )


if __name__ == "__main__":
    main()
