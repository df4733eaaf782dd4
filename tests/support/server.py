"""A real ``icabinet serve`` process on a free port, with its own data directory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, **settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ICABINET_")}
    env["ICABINET_DATA_DIR"] = str(data_dir)
    env["ICABINET_LOG_LEVEL"] = "warning"
    env.update({f"ICABINET_{key.upper()}": value for key, value in settings.items()})
    return env


def run_cli(data_dir: Path, *args: str, stdin: str | None = None, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=server_env(data_dir, **settings),
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """End a service a test started: SIGTERM, and SIGKILL if it has not gone in 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


class ServerProcess:
    started: list[ServerProcess] = []
    """Every server started in this test session, newest last (a failed test's report shows their logs)."""

    def __init__(self, data_dir: Path, port: int | None = None, umask: int = -1, **settings: str) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.umask = umask  # the process's umask at start (-1: the test's own)
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> ServerProcess:  # a loaded machine took over 30 s to import
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port)],
                env=server_env(self.data_dir, **self.settings),
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                umask=self.umask,
            )
        ServerProcess.started.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start in {timeout}s: {self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, as in a power cut of the process."""
        if self.process is not None and self.running():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.running():
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def dump_stacks(self, wait: float = 2.0) -> None:
        """Have the server write its threads' and tasks' stacks to its log (SIGUSR1: server/stacks.py)."""
        if self.process is None or not self.running():
            return
        size = self.log_path.stat().st_size
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and b"end of stacks" not in self.log_tail(size):
            time.sleep(0.1)

    def log_tail(self, start: int = 0, limit: int = 60_000) -> bytes:
        """The log from byte ``start`` on, at most its last ``limit`` bytes."""
        with self.log_path.open("rb") as log:
            log.seek(max(start, log.seek(0, os.SEEK_END) - limit))
            return log.read()

    def health(self) -> dict[str, object]:
        return httpx.get(f"{self.url}/health", timeout=5).json()  # type: ignore[no-any-return]
