"""The minutes draft reads as a secretary would write it: people in a stable order with their role said once,
vote shares in Vietnamese number format and the vote's kind said once, and from each document only the
sentences that bear on its item, none repeated under another item."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import PASSWORD, App, Client
from tests.support import pdfs

ECONOMY = "Tình hình kinh tế xã hội tháng 11 của thành phố tiếp tục tăng trưởng ổn định so với cùng kỳ năm trước."
FEE = "Đề xuất mức phí trông giữ xe máy là 5.000 đồng mỗi lượt tại các điểm trông giữ xe công cộng."
DIGITAL = "Đề án chuyển đổi số đã hoàn thành tám mươi phần trăm chỉ tiêu làm sạch dữ liệu dân cư trong năm."
PEOPLE = {  # username: full name, in the order they are invited (not the order the minutes list them)
    "bb-hung": "Đỗ Mạnh Hùng",
    "bb-minh": "Trần Văn Minh",
    "bb-nam": "Lê Hoàng Nam",
    "bb-an": "Phạm Thị An",
}


def upload_ready(client: Client, meeting_id: int, item_id: int, pages: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = pdfs.text_pdf(Path(folder) / "tai-lieu.pdf", pages)
        response = client.request(
            "POST",
            f"/api/meetings/{meeting_id}/documents",
            data={"classification": "internal", "agenda_item_id": str(item_id)},
            files={"file": ("tai-lieu.pdf", path.read_bytes(), "application/pdf")},
        )
    assert response.status_code == 202, response.text
    for _ in range(400):
        document: dict[str, Any] = client.ok("GET", f"/api/documents/{response.json()['id']}")
        if document["status"] == "ready":
            return document
        time.sleep(0.025)
    raise AssertionError("document not ready")


@pytest.fixture(scope="module")
def drafted(app: App) -> dict[str, Any]:
    root = app.users["root"]
    root.ok(
        "POST",
        "/api/users",
        json={"username": "bb-lan", "password": PASSWORD, "role": "secretary", "full_name": "Nguyễn Thị Lan (Thư ký)"},
    )
    for username, name in PEOPLE.items():
        root.ok("POST", "/api/users", json={"username": username, "password": PASSWORD, "full_name": name})
    lan = app.login("bb-lan")
    meeting_id = lan.ok("POST", "/api/meetings", json={"title": "Họp thường kỳ tháng 12"})["id"]
    base = f"/api/meetings/{meeting_id}"
    for username in PEOPLE:
        role = "chair" if username == "bb-hung" else "delegate"
        lan.ok("POST", f"{base}/participants", json={"username": username, "role": role})
    parking = lan.ok("POST", f"{base}/agenda", json={"title": "Tờ trình về phí trông giữ xe máy"})["id"]
    digital = lan.ok("POST", f"{base}/agenda", json={"title": "Tiến độ đề án chuyển đổi số"})["id"]
    upload_ready(lan, meeting_id, parking, [f"{ECONOMY}\n{FEE}"])
    upload_ready(lan, meeting_id, digital, [f"{ECONOMY}\n{DIGITAL}"])
    lan.ok("POST", f"{base}/start")
    clients = {username: app.login(username) for username in PEOPLE}
    for client in [lan, *clients.values()]:
        client.ok("POST", f"{base}/checkin")
    for title, secret in (("Thông qua mức phí trông giữ xe", False), ("Biểu quyết bầu tổ công tác", True)):
        poll = lan.ok("POST", f"{base}/polls", json={"title": title, "secret": secret, "agenda_item_id": parking})
        poll = lan.ok("POST", f"/api/polls/{poll['id']}/open")
        yes = next(o["id"] for o in poll["options"] if o["key"] == "yes")
        no = next(o["id"] for o in poll["options"] if o["key"] == "no")
        for client, choice in ((lan, yes), (clients["bb-hung"], yes), (clients["bb-minh"], no)):
            client.ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": choice})
        lan.ok("POST", f"/api/polls/{poll['id']}/close")
    lan.ok("POST", f"{base}/close")
    content = lan.ok("POST", f"{base}/minutes/draft", json={})["content"]
    sections = {section["key"]: [line["text"] for line in section["lines"]] for section in content["sections"]}
    return {"sections": sections, "parking": parking, "digital": digital}


def test_those_present_are_listed_chair_secretary_then_by_given_name_with_roles_said_once(
    drafted: dict[str, Any],
) -> None:
    present = next(line for line in drafted["sections"]["attendance"] if line.startswith("Có mặt:"))
    assert present == (
        "Có mặt: Đỗ Mạnh Hùng (chủ trì), Nguyễn Thị Lan (Thư ký), Phạm Thị An, Trần Văn Minh, Lê Hoàng Nam."
    )


def test_a_vote_line_says_its_kind_once_with_vietnamese_shares(drafted: dict[str, Any]) -> None:
    lines = drafted["sections"][f"item-{drafted['parking']}"]
    open_vote = next(line for line in lines if "Thông qua mức phí trông giữ xe" in line)
    assert open_vote.startswith("Biểu quyết công khai: Thông qua mức phí trông giữ xe: "), open_vote
    assert "Tán thành: 2/5 (40,0%)" in open_vote and "Không tán thành: 1/5 (20,0%)" in open_vote, open_vote
    secret_vote = next(line for line in lines if "bầu tổ công tác" in line)
    assert secret_vote.startswith("Biểu quyết bầu tổ công tác (bỏ phiếu kín): "), secret_vote
    assert not any("(biểu quyết công khai)" in line or "(bỏ phiếu kín) Biểu quyết" in line for line in lines), lines


def test_documents_give_only_the_sentences_on_their_item(drafted: dict[str, Any]) -> None:
    parking = " ".join(drafted["sections"][f"item-{drafted['parking']}"])
    digital = " ".join(drafted["sections"][f"item-{drafted['digital']}"])
    assert FEE in parking and DIGITAL in digital
    assert DIGITAL not in parking and FEE not in digital
    assert ECONOMY not in parking and ECONOMY not in digital
