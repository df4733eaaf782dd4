"""SIGUSR1 makes a running server write where each thread and each background task waits, and it serves on."""

from __future__ import annotations

import httpx
import pytest

from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


def test_sigusr1_writes_every_thread_and_task_to_the_log_and_the_server_serves_on(server: ServerProcess) -> None:
    start = server.log_path.stat().st_size
    server.dump_stacks(wait=30)
    dump = server.log_tail(start).decode()
    assert "--- i-Cabinet: threads ---" in dump
    assert "--- i-Cabinet: end of stacks ---" in dump
    tasks = dump.split("pending tasks ---", 1)[1]
    # the search index's queue and the document worker's wait for work, each named by its code
    assert "server/assistant/index.py" in tasks
    assert "server/documents/worker.py" in tasks
    assert server.running()
    assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
