"""The API page (``/schema``): Swagger UI served from the product, never from a CDN.

An offline government network cannot reach a CDN, and the pages' Content-Security-Policy allows
scripts and styles from this server only; so the page loads Swagger UI's files from the
``swagger-ui-bundle-v2`` package and starts it from ``openapi/swagger-init.js``, with no inline
script, style or favicon link.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/schema/assets"
INIT_DIR = Path(__file__).parent / "openapi"


class LocalSwaggerRenderPlugin(SwaggerRenderPlugin):
    def __init__(self) -> None:
        super().__init__(
            js_url=f"{ASSETS}/swagger-ui-bundle.js",
            css_url=f"{ASSETS}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
            favicon="",
            style="",
        )

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="stylesheet" href="{self.css_url}">
  <script src="{self.js_url}"></script>
  <script src="{self.standalone_preset_js_url}"></script>
  <script src="{ASSETS}/swagger-init.js"></script>
</head>
<body><div id="swagger-container"></div></body>
</html>
""".encode()

    def receive_router(self, router: Router) -> None:
        # no oauth2-redirect page (an inline script; the API signs in with a bearer token, not OAuth)
        router.register(
            create_static_files_router(
                path="/assets",
                directories=[INIT_DIR, Path(str(swagger_ui_path))],
                opt={"exclude_from_auth": True},
                include_in_schema=False,
            )
        )
