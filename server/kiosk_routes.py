"""The browser front-end: three pages and their static files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import get
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath
from litestar.response import File
from litestar.static_files import create_static_files_router


def kiosk_routes(kiosk_dir: Path) -> list[Any]:
    def page(name: str) -> File:
        return File(
            kiosk_dir / name,
            media_type="text/html; charset=utf-8",
            content_disposition_type="inline",
            headers={"Cache-Control": "no-cache"},
        )

    @get("/", exclude_from_auth=True, include_in_schema=False)
    async def tablet() -> File:
        return page("index.html")

    @get("/console", exclude_from_auth=True, include_in_schema=False)
    async def console() -> File:
        return page("console.html")

    @get("/projector/{meeting_id:int}", exclude_from_auth=True, include_in_schema=False)
    async def projector(meeting_id: FromPath[int]) -> File:
        return page("projector.html")

    static = create_static_files_router(
        path="/static",
        directories=[kiosk_dir],
        opt={"exclude_from_auth": True},
        include_in_schema=False,
        cache_control=CacheControlHeader(no_cache=True),
    )
    return [tablet, console, projector, static]
