"""Security headers on every response, and a Content-Security-Policy on every HTML page.

The kiosk pages and the API page load scripts and styles from this server only (no inline
script, no ``eval``), so a script injected into a page (a meeting title, a document name)
cannot run. Pages may not be framed, except the room screen by its own origin (a console
may show it in a frame). ``nosniff`` keeps browsers from running an uploaded file as a
script; HSTS is sent only when the cookie is marked secure, i.e. the site is served over
HTTPS.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from server.settings import Settings

_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors {frame}"
)
FRAMEABLE_BY_OWN_ORIGIN = ("/projector/",)


def hardening_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    """Headers every response carries."""
    headers = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
    if settings.cookie_secure and settings.hsts_seconds > 0:
        headers.append((b"strict-transport-security", f"max-age={settings.hsts_seconds}".encode()))
    return headers


def page_headers(path: str, with_policy: bool) -> list[tuple[bytes, bytes]]:
    """Headers an HTML page carries besides: framing, and the policy."""
    own_origin = path.startswith(FRAMEABLE_BY_OWN_ORIGIN)
    headers = [(b"x-frame-options", b"SAMEORIGIN" if own_origin else b"DENY")]
    if with_policy:
        policy = _POLICY.format(frame="'self'" if own_origin else "'none'")
        headers.append((b"content-security-policy", policy.encode()))
    return headers


def hardening_hook(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook: it sees every response, also those of errors raised before routing (401).

    A coroutine function although it awaits nothing: Litestar runs a plain function given as a hook in its
    thread pool, and this one sees every message sent, each websocket frame of every tablet included (a thread
    round trip per tablet per event made a change reach a room of 1,000 tablets in 350 ms, not 30)."""
    always = hardening_headers(settings)

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders(message)
        for name, value in always:
            headers.setdefault(name.decode(), value.decode())
        if headers.get("content-type", "").startswith("text/html"):
            for name, value in page_headers(scope["path"], settings.content_security_policy):
                headers.setdefault(name.decode(), value.decode())

    return add_headers
