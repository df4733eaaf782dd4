"""Input no route can make sense of is refused before any route sees it: a clear 400/404, never a 500.

- A body (anything but a form) nested deeper than ``MAX_JSON_DEPTH`` (the decoder would recurse until Python gives up),
  or holding a NUL character in any string (PostgreSQL cannot store one; no title or name has one).
- A NUL character in the query string.
- An integer path parameter beyond the database's integer columns: no row has such an id, so 404.

What reaches the database by another way (a form field, a query number) meets ``refuse_unstorable``,
run before every statement: a NUL in text or an integer wider than the database's columns is refused
with 400 there, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from server.errors import AppError, Invalid

MAX_JSON_DEPTH = 64
# every integer column is INTEGER: 32 bits on PostgreSQL (SQLite's are 64)
MAX_ID = 2**31 - 1

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# uploads (documents, recordings) stream in as forms and are never held whole in memory here
FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
# \u0000 as JSON writes it, not preceded by an escaping backslash (\\u0000 is the six characters "\u0000")
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class OutOfRange(AppError):
    status_code = 404

    def __init__(self) -> None:
        super().__init__("Not found", "Không tìm thấy")


def json_problem(body: bytes) -> Invalid | None:
    """Why this JSON body is refused, or None. Depth is checked first: only then is decoding the body safe."""
    depth = 0
    for bracket in _BRACKET.finditer(_JSON_STRING.sub(b"", body)):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        if depth > MAX_JSON_DEPTH:
            return Invalid(
                f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep",
                f"Dữ liệu JSON lồng nhau quá {MAX_JSON_DEPTH} cấp",
            )
    if _has_json_nul(body):
        where = _nul_field(body)
        at_en, at_vi = (f" (field {where})", f" (trường {where})") if where else ("", "")
        return Invalid(
            f"Text may not contain the NUL character U+0000{at_en}",
            f"Văn bản không được chứa ký tự NUL U+0000{at_vi}",
        )
    return None


def _nul_field(body: bytes) -> str | None:
    """The path of the first string holding a NUL (``sections[0].lines[1].text``), so the person can find it;
    None when the body is not JSON (the route refuses it for that anyway)."""
    try:
        value = json.loads(body)
    except ValueError:
        return None

    def search(node: Any, path: str) -> str | None:
        if isinstance(node, str):
            return path if "\x00" in node else None
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            if isinstance(key, str) and "\x00" in key:
                return path or "$"
            found = search(child, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key)
            if found is not None:
                return found
        return None

    return search(value, "")


def _has_json_nul(body: bytes) -> bool:
    if b"\\u0000" not in body and b"\x00" not in body:
        return False
    return b"\x00" in body or any(_JSON_NUL.search(match.group()) for match in _JSON_STRING.finditer(body))


class InputGuard(ASGIMiddleware):
    """Runs after routing (path parameters are known), before the handler reads the body."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] == "http":
            for value in scope.get("path_params", {}).values():
                if isinstance(value, int) and not isinstance(value, bool) and not -MAX_ID <= value <= MAX_ID:
                    raise OutOfRange()
            if b"%00" in scope.get("query_string", b""):
                raise Invalid("The address may not contain NUL characters", "Địa chỉ không được chứa ký tự NUL")
            request: Request[Any, Any, Any] = Request(scope, receive)
            # every body but a form is read as JSON by the routes, whatever its declared type; a route marked
            # ``opt={"binary_body": True}`` (live audio) reads raw bytes and checks them itself
            handler = scope.get("route_handler")
            binary = handler is not None and bool(handler.opt.get("binary_body"))
            if scope["method"] in BODY_METHODS and request.content_type[0] not in FORM_TYPES and not binary:
                problem = json_problem(await request.body())  # kept in the scope: the handler reads it again
                if problem is not None:
                    raise problem
        await next_app(scope, receive, send)


def refuse_unstorable(integer_bits: int) -> Callable[..., None]:
    """A SQLAlchemy ``before_cursor_execute`` hook: a value no column can hold (text with a NUL, an integer wider
    than the database's ``integer_bits``) is the caller's mistake, refused with 400 before the driver fails."""
    low, high = -(2 ** (integer_bits - 1)), 2 ** (integer_bits - 1) - 1

    def check(_conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, executemany: bool) -> None:
        for row in parameters if executemany else [parameters]:
            for value in row.values() if isinstance(row, dict) else row if isinstance(row, list | tuple) else ():
                if type(value) is str and "\x00" in value:
                    raise Invalid("Text may not contain NUL characters", "Văn bản không được chứa ký tự NUL")
                if type(value) is int and not low <= value <= high:
                    raise Invalid("A number is out of range", "Một giá trị số vượt quá giới hạn")

    return check
