"""Two server processes on one PostgreSQL database, one Redis and one data directory: background work
(text extraction, the search index) is done once, by one process, and taken over when that one dies."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.conftest import PASSWORD, MeetingWorld, make_world
from tests.support.api import Api
from tests.support.pdfs import many_pages_pdf, text_pdf
from tests.support.scans import scanned_pdf, tesseract_problem
from tests.support.server import ServerProcess
from tests.support.services import fresh_database, pg_problem, pg_rows, redis_problem, require, shared_redis

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

T = TypeVar("T")
LEASE_SECONDS = "2"


class Cluster:
    """Two processes, ``a`` and ``b``, restarted as new processes (their own logs) when a test kills them."""

    def __init__(self, data: Path, url: str) -> None:
        self.data = data
        self.url = url
        self.settings = dict(
            database_url=url,
            **shared_redis(),
            dense_search="false",
            ocr="false",
            lease_seconds=LEASE_SECONDS,
        )
        self.a = ServerProcess(data, **self.settings)
        self.b = ServerProcess(data, **self.settings)

    def start_both(self) -> None:
        """Both at once, as after a restart of the whole installation."""
        self.a, self.b = ServerProcess(self.data, **self.settings), ServerProcess(self.data, **self.settings)
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(ServerProcess.start, (self.a, self.b)))

    def writer(self) -> ServerProcess:
        """The process holding the search index's lease (its owner is the instance /health names)."""
        owner = until(lambda: pg_rows(self.url, "SELECT owner FROM work_lease WHERE key = 'search-index'"), 20)
        for process in (self.a, self.b):
            if (
                process.process is not None
                and process.process.poll() is None
                and process.health()["instance"] == owner[0][0]
            ):
                return process
        raise AssertionError(f"no live process is {owner[0][0]}, the index's writer")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cluster, MeetingWorld]]:
    require(pg_problem(), redis_problem())
    data = Path(tmp_path_factory.mktemp("scaleout-work"))
    with fresh_database() as url:
        pair = Cluster(data, url)
        pair.a.start()
        pair.b.start()
        world = make_world(pair.a, data)
        try:
            yield pair, world
        finally:
            world.close()
            pair.a.stop()
            pair.b.stop()


def until(probe: Callable[[], T], within: float) -> T:
    """``probe()`` once it is truthy; fails after ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(0.2)
    raise AssertionError(f"not so after {within}s")


def ready_events(url: str) -> Counter[int]:
    """How many ``document.ready`` events the log holds per document."""
    rows = pg_rows(url, "SELECT data FROM meeting_event WHERE name = 'document.ready'")
    return Counter(json.loads(row[0])["document"]["id"] for row in rows)


def hits(api: Api, query: str) -> list[int]:
    """The documents ``GET /api/search`` finds for ``query``, best first."""
    return [hit["document_id"] for hit in api.ok("GET", "/api/search", params={"q": query})["hits"]]


def report(tmp: Path, name: str, topic: str) -> Path:
    return text_pdf(
        tmp / name,
        [f"Báo cáo về {topic}.\nỦy ban giao Sở Xây dựng hoàn thành {topic} trước quý IV.", "Phụ lục kinh phí."],
    )


def test_a_document_uploaded_through_one_process_is_read_once_and_found_through_the_other(
    cluster: tuple[Cluster, MeetingWorld], tmp_path: Path
) -> None:
    pair, world = cluster
    sec_a = Api.login(pair.a.url, "sec", PASSWORD)
    del1_b = Api.login(pair.b.url, "del1", PASSWORD)
    document = sec_a.upload_document(world.meeting_id, report(tmp_path, "nuoc.pdf", "dự án cấp nước sạch Phù Đổng"))

    found = until(lambda: document["id"] in hits(del1_b, "cấp nước sạch Phù Đổng"), 60)
    assert found
    answer = del1_b.ok("POST", "/api/assistant/ask", json={"question": "Ai hoàn thành dự án cấp nước sạch Phù Đổng?"})
    assert answer["found"] and answer["citations"][0]["document_id"] == document["id"]
    assert answer["citations"][0]["page"] == 1
    assert sec_a.ok("GET", f"/api/documents/{document['id']}")["searchable"]
    assert ready_events(pair.url)[document["id"]] == 1
    sec_a.close()
    del1_b.close()


def test_versions_left_processing_are_read_once_when_both_processes_start_again(
    cluster: tuple[Cluster, MeetingWorld], tmp_path: Path
) -> None:
    pair, world = cluster
    sec = Api.login(pair.a.url, "sec", PASSWORD)
    uploaded = [
        sec.upload_document(world.meeting_id, many_pages_pdf(tmp_path / f"long-{n}.pdf", 400)) for n in range(4)
    ]
    pair.a.kill()
    pair.b.kill()
    sec.close()
    left = pg_rows(pair.url, "SELECT count(*) FROM document_version WHERE status = 'processing'")[0][0]
    assert left > 0, "the test needs versions a kill left processing"

    pair.start_both()  # each picks up every version left processing
    sec = Api.login(pair.b.url, "sec", PASSWORD)
    ids = [document["id"] for document in uploaded]
    until(lambda: all(sec.ok("GET", f"/api/documents/{i}")["status"] == "ready" for i in ids), 120)
    until(lambda: all(sec.ok("GET", f"/api/documents/{i}")["searchable"] for i in ids), 60)
    events = ready_events(pair.url)
    assert [events[i] for i in ids] == [1, 1, 1, 1]
    # both picked up every version left processing; each was extracted by one of them (the lease), not by both
    extracted = [process.health()["work"]["extracted"] for process in (pair.a, pair.b)]
    assert sum(extracted) == left, f"{left} versions left processing, extracted {extracted} times by A and B"
    sec.close()


def test_a_document_removed_through_one_process_leaves_the_others_search(
    cluster: tuple[Cluster, MeetingWorld], tmp_path: Path
) -> None:
    pair, world = cluster
    sec_b = Api.login(pair.b.url, "sec", PASSWORD)
    del1_a = Api.login(pair.a.url, "del1", PASSWORD)
    document = sec_b.upload_document(world.meeting_id, report(tmp_path, "den.pdf", "chiếu sáng đèn đường Gia Lâm"))
    until(lambda: document["id"] in hits(del1_a, "chiếu sáng đèn đường Gia Lâm"), 60)

    response = sec_b.request("DELETE", f"/api/documents/{document['id']}")
    assert response.status_code == 204, response.text
    until(lambda: document["id"] not in hits(del1_a, "chiếu sáng đèn đường Gia Lâm"), 60)
    sec_b.close()
    del1_a.close()


def test_when_the_index_writer_is_killed_the_other_process_takes_it_over(
    cluster: tuple[Cluster, MeetingWorld], tmp_path: Path
) -> None:
    pair, world = cluster
    writer = pair.writer()
    survivor = pair.b if writer is pair.a else pair.a
    before = report(tmp_path, "truong.pdf", "xây trường mầm non Đông Anh")
    sec = Api.login(survivor.url, "sec", PASSWORD)
    del2 = Api.login(survivor.url, "del2", PASSWORD)
    earlier = sec.upload_document(world.meeting_id, before)
    until(lambda: earlier["id"] in hits(del2, "trường mầm non Đông Anh"), 60)

    writer.kill()
    later = sec.upload_document(world.meeting_id, report(tmp_path, "cau.pdf", "sửa cầu Long Biên"))
    # after the lease runs out the survivor loads the directory, reconciles with the database, indexes it
    until(lambda: later["id"] in hits(del2, "sửa cầu Long Biên"), 60)
    assert earlier["id"] in hits(del2, "trường mầm non Đông Anh")
    assert pair.writer() is survivor
    assert sec.ok("GET", f"/api/documents/{later['id']}")["searchable"]
    assert ready_events(pair.url)[later["id"]] == 1
    sec.close()
    del2.close()


def test_each_scanned_page_is_read_by_one_process(tmp_path: Path) -> None:
    """Two processes with OCR: the pages of a scan uploaded through one are shared out, each read once."""
    require(pg_problem(), redis_problem(), tesseract_problem())
    data = tmp_path / "data"
    with fresh_database() as url:
        settings = dict(database_url=url, dense_search="false", ocr_dpi="150", lease_seconds="2", **shared_redis())
        a, b = ServerProcess(data, **settings), ServerProcess(data, **settings)
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(ServerProcess.start, (a, b)))
        world = make_world(a, data)
        try:
            scan = scanned_pdf(FIXTURES / "so-ket-de-an-06-2022.pdf", tmp_path / "so-ket-scan.pdf", dpi=150)
            document = world["sec"].upload_document(world.meeting_id, scan, title="Sơ kết Đề án 06 (bản quét)")
            read = until(lambda: _ocr_finished(world["sec"], document["id"]), 120)
            assert (read["ocr_total"], read["ocr_done"], read["ocr_failed"]) == (3, 3, 0)
            pages = [process.health()["work"]["ocr_pages"] for process in (a, b)]
            assert sum(pages) == 3, f"3 scanned pages read {pages} times by A and B"
            rows = pg_rows(url, "SELECT data FROM meeting_event WHERE name = 'document.ocr'")
            assert sorted(json.loads(row[0])["page"] for row in rows) == [1, 2, 3]
            del1_b = Api.login(b.url, "del1", PASSWORD)
            page = del1_b.ok("GET", f"/api/documents/{document['id']}/text")["pages"][1]
            assert page["source"] == "ocr" and len(page["text"]) > 100
            del1_b.close()
        finally:
            world.close()
            a.stop()
            b.stop()


def _ocr_finished(api: Api, document_id: int) -> dict[str, Any] | None:
    document: dict[str, Any] = api.ok("GET", f"/api/documents/{document_id}")
    return document if document["ocr_total"] and document["ocr_done"] >= document["ocr_total"] else None
