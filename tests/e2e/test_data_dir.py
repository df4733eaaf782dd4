"""A data directory the server cannot write: one clear error at start; while running, /health says so, and says
ok again once the permissions are back, without a restart.

The machine runs as root, whom file modes do not stop; the server runs here under ``setpriv`` without the
capabilities that let root write anywhere (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so ``chmod`` binds it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import REPO, free_port, server_env

pytestmark = pytest.mark.e2e

WITHOUT_ROOT_POWERS = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def unprivileged() -> list[str]:
    """The command prefix that makes file modes bind this process, or skip (fail under CI) if there is none."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        reason = "running as root and setpriv (util-linux) is missing: chmod would not stop the server"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return WITHOUT_ROOT_POWERS


def serve(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [*unprivileged(), sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
            env=server_env(data_dir),
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def health(port: int) -> httpx.Response | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=15)
    except httpx.HTTPError:
        return None


def wait_health(port: int, status: int, process: subprocess.Popen[bytes], timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        response = health(port)
        if response is not None and response.status_code == status:
            return response
        time.sleep(0.2)
    raise AssertionError(f"/health did not answer {status} within {timeout} s")


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data"
    path.mkdir()
    yield path
    path.chmod(0o755)


def test_a_read_only_data_directory_stops_the_server_with_one_clear_line(data_dir: Path, tmp_path: Path) -> None:
    data_dir.chmod(0o555)
    result = subprocess.run(
        [*unprivileged(), sys.executable, "-m", "server.cli", "serve", "--port", str(free_port())],
        env=server_env(data_dir),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "not writable" in lines[0] and str(data_dir) in lines[0], result.stderr


def test_health_reports_a_read_only_data_directory_and_recovers(data_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    process = serve(data_dir, port, tmp_path / "server.log")
    try:
        assert wait_health(port, 200, process).json()["status"] == "ok"
        data_dir.chmod(0o555)
        broken = wait_health(port, 503, process).json()
        assert broken["status"] == "error"
        assert any("data directory" in problem for problem in broken["problems"]), broken
        data_dir.chmod(0o755)
        recovered = wait_health(port, 200, process).json()
        assert recovered["status"] == "ok" and "problems" not in recovered
    finally:
        data_dir.chmod(0o755)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
