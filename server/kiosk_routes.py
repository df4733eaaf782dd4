"""The browser front-end: three pages and their static files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from litestar import get
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath
from litestar.response import File, Response
from litestar.static_files import create_static_files_router


def kiosk_build(kiosk_dir: Path) -> tuple[str, list[str]]:
    """The build id (a hash of every kiosk file) and the tablet shell's URLs the service worker keeps."""
    digest = hashlib.sha256()
    shell = ["/"]
    for path in sorted(p for p in kiosk_dir.rglob("*") if p.is_file() and p.suffix in {".html", ".js", ".css"}):
        relative = path.relative_to(kiosk_dir).as_posix()
        digest.update(relative.encode() + b"\0" + path.read_bytes())
        if path.suffix in {".js", ".css"} and relative != "sw.js":
            shell.append(f"/static/{relative}")
    return digest.hexdigest()[:16], shell


def kiosk_routes(kiosk_dir: Path) -> list[Any]:
    build, shell = kiosk_build(kiosk_dir)
    worker = (
        (kiosk_dir / "sw.js")
        .read_text(encoding="utf-8")
        .replace('"__ICABINET_BUILD__"', json.dumps(build))
        .replace('"__ICABINET_SHELL__"', json.dumps(shell))
    )

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

    @get("/sw.js", exclude_from_auth=True, include_in_schema=False)
    async def service_worker() -> Response[str]:
        # root scope, and always revalidated: a new deploy's worker (new build id) replaces the old one
        return Response(
            worker,
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
        )

    static = create_static_files_router(
        path="/static",
        directories=[kiosk_dir],
        opt={"exclude_from_auth": True},
        include_in_schema=False,
        cache_control=CacheControlHeader(no_cache=True),
    )
    return [tablet, console, projector, service_worker, static]
