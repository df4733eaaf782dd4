"""The ``icabinet`` command line, run as a real process."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.api import Api
from tests.support.server import ServerProcess, run_cli


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("serve", "demo", "user", "migrate", "ask", "reindex"):
        assert command in result.stdout


def test_user_add_with_password_from_stdin_then_refuses_a_duplicate(tmp_path: Path) -> None:
    created = run_cli(
        tmp_path, "user", "add", "thuky2", "--role", "secretary", "--password-stdin", stdin="mat-khau-dai-1\n"
    )
    assert created.returncode == 0, created.stderr
    assert "created user thuky2" in created.stdout
    again = run_cli(tmp_path, "user", "add", "thuky2", "--password", "mat-khau-dai-2")
    assert again.returncode != 0 and "taken" in again.stderr


def test_user_add_rejects_bad_input(tmp_path: Path) -> None:
    short = run_cli(tmp_path, "user", "add", "x1", "--password", "short")
    assert short.returncode == 2 and "password" in short.stderr
    missing = run_cli(tmp_path, "user", "add", "x2")
    assert missing.returncode == 2 and "password" in missing.stderr
    role = run_cli(tmp_path, "user", "add", "x3", "--role", "king", "--password", "long-enough-1")
    assert role.returncode == 2


def test_demo_is_repeatable_and_prints_logins(tmp_path: Path) -> None:
    first = run_cli(tmp_path, "demo")
    second = run_cli(tmp_path, "demo")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "thuky" in first.stdout and "daibieu1" in first.stdout
    assert "Demo meeting 1 is ready" in second.stdout  # the same meeting, not a second one
    assert len(list((tmp_path / "blobs").rglob("*.pdf"))) == 2


def test_the_served_demo_has_readable_reports(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "demo").returncode == 0
    server = ServerProcess(tmp_path).start()
    try:
        delegate = Api.login(server.url, "daibieu1", "daibieu-demo-1")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            documents = delegate.ok("GET", "/api/meetings/1/documents")
            if documents and all(d["status"] == "ready" for d in documents):
                break
            time.sleep(0.1)
        assert [d["status"] for d in documents] == ["ready", "ready"]
        text = delegate.ok("GET", f"/api/documents/{documents[1]['id']}/text")
        assert "Đề án 06" in " ".join(page["text"] for page in text["pages"])
        delegate.close()
    finally:
        server.stop()
