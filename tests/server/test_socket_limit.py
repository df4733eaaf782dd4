"""A session holds a bounded number of open sockets (``ws_max_sockets_per_session``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.exceptions import WebSocketDisconnect

from tests.server.conftest import build_app


def test_a_session_may_hold_only_so_many_sockets(tmp_path: Path) -> None:
    with build_app(tmp_path, ws_max_sockets_per_session=2) as app:
        meeting_id, _ = app.new_meeting()
        app.http.cookies.clear()
        url = f"/ws/meetings/{meeting_id}"
        mine = {"Authorization": f"Bearer {app.users['del1'].token}"}
        with app.http.websocket_connect(url, headers=mine) as first, app.http.websocket_connect(url, headers=mine):
            assert first.receive_json()["type"] == "snapshot"
            with app.http.websocket_connect(url, headers=mine) as third:
                with pytest.raises(WebSocketDisconnect) as closed:
                    third.receive_json()
                assert closed.value.code == 4429
            # another session of the same user, and another user, are counted apart
            other = {"Authorization": f"Bearer {app.login('del1').token}"}
            with app.http.websocket_connect(url, headers=other) as socket:
                assert socket.receive_json()["type"] == "snapshot"
        # closed sockets free their places
        with app.http.websocket_connect(url, headers=mine) as again:
            assert again.receive_json()["type"] == "snapshot"
