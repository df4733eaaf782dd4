"""A meeting transcript the assistant answers from, for the browser tests and the screenshots of the tablet's
assistant: twenty-odd turns of a real-sounding discussion, the one on traffic cameras in the middle of it."""

from __future__ import annotations

import time
from typing import Any

from tests.support.api import Api

FILENAME = "phien-am-giao-thong.txt"
_FILLER = [
    ("Chủ tọa Lê Minh Hải", "Chúng ta chuyển sang phần thảo luận về chương trình công tác quý tới."),
    ("Bà Trần Thu Hà", "Sở Nội vụ đã rà soát lại lịch tiếp công dân của các quận."),
    ("Ông Phạm Quốc Bảo", "Đề nghị bổ sung nội dung về cải cách hành chính vào báo cáo chung."),
    ("Chủ tọa Lê Minh Hải", "Thư ký ghi nhận ý kiến này để hoàn thiện dự thảo."),
]
CAMERAS = [
    (
        "Ông Nguyễn Văn An",
        "Sở Giao thông vận tải đề xuất lắp đặt camera giám sát giao thông tại 120 nút giao trọng điểm.",
    ),
    ("Bà Trần Thu Hà", "Kinh phí lắp đặt camera giám sát dự kiến 85 tỷ đồng từ ngân sách thành phố."),
    ("Ông Nguyễn Văn An", "Hệ thống camera giám sát sẽ kết nối với trung tâm điều hành giao thông trước tháng 6."),
    ("Bà Trần Thu Hà", "Đề nghị ưu tiên các nút giao gần trường học khi lắp camera giám sát."),
]
TURNS = _FILLER * 3 + CAMERAS + _FILLER * 2
QUESTION = "Sở Giao thông vận tải đề xuất lắp đặt camera giám sát giao thông tại bao nhiêu nút giao?"
ANSWER = "120 nút giao"
DECLINED = "Giá vé máy bay Hà Nội – Đà Nẵng tháng 5?"


def clock(position: int) -> str:
    """When turn ``position`` (0-based) starts, hh:mm:ss: the first at 00:03:00, then one every 20 seconds."""
    seconds = 180 + 20 * position
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def transcript_text() -> str:
    """The transcript as a plain-text file: ``[hh:mm:ss] Speaker: text`` a line."""
    return "".join(f"[{clock(index)}] {speaker}: {text}\n" for index, (speaker, text) in enumerate(TURNS))


def upload_transcript(secretary: Api, meeting_id: int, timeout_s: float = 60.0) -> dict[str, Any]:
    """Attach the transcript to the meeting and wait until the assistant cites it."""
    files = {"file": (FILENAME, transcript_text().encode(), "text/plain")}
    response = secretary.request("POST", f"/api/meetings/{meeting_id}/transcripts", files=files)
    assert response.status_code == 201, response.text
    transcript: dict[str, Any] = response.json()
    deadline = time.monotonic() + timeout_s
    while True:
        reply = secretary.ok("POST", "/api/assistant/ask", json={"question": QUESTION, "meeting_id": meeting_id})
        if any(c["kind"] == "transcript" for c in reply["citations"]):
            return transcript
        assert time.monotonic() < deadline, f"the transcript is not cited after {timeout_s}s: {reply}"
        time.sleep(0.3)
