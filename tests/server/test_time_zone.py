"""The organisation's time zone reaches the screens: /api/me carries it, and the kiosk formats every time in it
(tests/kiosk/dates.test.mjs checks the formatting)."""

from __future__ import annotations

from pathlib import Path

from tests.server.conftest import build_app


def test_me_tells_the_screens_the_organisations_time_zone(tmp_path: Path) -> None:
    with build_app(tmp_path / "data", timezone="Asia/Bangkok") as world:
        me = world.users["del1"].ok("GET", "/api/me")
        assert me["time_zone"] == "Asia/Bangkok"
        assert me["username"] == "del1"
