"""Approving minutes against a real server process: rendering and signing a long Biên bản happens outside
the write transaction, so another meeting's writes go on meanwhile, and an edit that lands while the PDF is
being signed wins over the approval instead of being signed over."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import MeetingWorld
from tests.support.api import Api
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

SPEECH = (
    "Đại biểu phát biểu về mức phí trông giữ xe máy 5.000 đồng mỗi lượt và đề nghị Sở Tài chính hoàn thiện "
    "dự thảo trước ngày 15/12. "
) * 9


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """The conftest's server, given longer to start: these tests run while the machine is busy."""
    process = ServerProcess(tmp_path / "data").start(timeout=180)
    try:
        yield process
    finally:
        process.stop()


def long_minutes(world: MeetingWorld) -> tuple[str, dict[str, Any]]:
    """The closed meeting's minutes edited to a thousand long lines: seconds of rendering and signing."""
    sec = world["sec"]
    base = f"/api/meetings/{world.meeting_id}"
    sec.ok("POST", f"{base}/start")
    sec.ok("POST", f"{base}/close")
    minutes = sec.ok("POST", f"{base}/minutes/draft", json={})
    content = copy.deepcopy(minutes["content"])
    content["sections"] += [
        {"key": f"long-{n}", "heading": f"Phần {n}", "lines": [{"text": f"{n}.{i} {SPEECH}"} for i in range(25)]}
        for n in range(40)
    ]
    return f"{base}/minutes", sec.ok("PUT", f"{base}/minutes", json={"base_version": 1, "content": content})


def status_of(api: Api, path: str) -> str:
    return str(api.ok("GET", path)["status"])


def test_another_meetings_writes_go_on_while_minutes_are_signed(world: MeetingWorld) -> None:
    sec, chair = world["sec"], world["chair"]
    path, minutes = long_minutes(world)
    other = sec.ok("POST", "/api/meetings", json={"title": "Họp khác", "location": "Phòng 0"})["id"]
    certificate = world.server.data_dir / "signing" / "signing-cert.pem"
    assert not certificate.exists()  # made on the first approval, just before it renders and signs
    with ThreadPoolExecutor(1) as pool:
        approval: Future[httpx.Response] = pool.submit(
            chair.request, "POST", f"{path}/approve", json={"base_version": minutes["version"]}
        )
        for _ in range(6_000):
            if certificate.exists() or approval.done():
                break
            time.sleep(0.01)
        assert certificate.exists()
        # from here the approval renders and signs; a write to another meeting that completes while these
        # minutes still read as a draft was not held up by it
        written_meanwhile = 0
        for n in range(10_000):
            if approval.done():
                break
            sec.ok("PATCH", f"/api/meetings/{other}", json={"location": f"Phòng {n + 1}"})
            if status_of(sec, path) == "draft":
                written_meanwhile += 1
        response = approval.result(timeout=300)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "approved" and response.json()["signed"]
    assert written_meanwhile >= 1
    assert sec.ok("GET", f"/api/meetings/{other}")["location"] == f"Phòng {n}"


def test_an_edit_made_while_the_pdf_is_signed_refuses_the_approval(world: MeetingWorld) -> None:
    """Whoever commits first wins: the approval of a version edited meanwhile is refused (409), and an edit
    after the approval is refused as read-only; never both accepted, never a signature over stale text."""
    sec, chair = world["sec"], world["chair"]
    path, minutes = long_minutes(world)
    content, version = minutes["content"], minutes["version"]
    edits_accepted = 0
    with ThreadPoolExecutor(1) as pool:
        approval: Future[httpx.Response] = pool.submit(
            chair.request, "POST", f"{path}/approve", json={"base_version": version}
        )
        for _ in range(10_000):
            if approval.done():
                break
            content["sections"][0]["lines"][0]["text"] = f"Sửa lần {edits_accepted + 1}"
            edit = sec.request("PUT", path, json={"base_version": version, "content": content})
            assert edit.status_code in (200, 409), edit.text
            if edit.status_code == 200:
                edits_accepted += 1
                version = edit.json()["version"]
        response = approval.result(timeout=300)
    final = sec.ok("GET", path)
    if response.status_code == 200:
        assert edits_accepted == 0 and final["status"] == "approved" and final["version"] == minutes["version"]
    else:
        assert response.status_code == 409, response.text
        assert edits_accepted >= 1 and final["status"] == "draft" and final["version"] == version
