"""The one `Content-Disposition` every download route sends (RFC 6266, with RFC 5987's `filename*`)."""

from __future__ import annotations

import unicodedata
from typing import Literal
from urllib.parse import quote

# What may stand in the quoted ASCII fallback: printable ASCII without the quote, backslash and the
# characters some clients treat as path or parameter separators.
_FALLBACK_UNSAFE = set('"\\/;%')


NOSNIFF = {"x-content-type-options": "nosniff"}
"""Sent with every file: browsers take the declared type (a PDF, an image), never one guessed from the bytes."""


def content_disposition(filename: str, disposition: Literal["inline", "attachment"] = "attachment") -> str:
    """`disposition; filename="ascii fallback"; filename*=UTF-8''percent-encoded` for `filename`.

    The name is the uploader's (any Unicode, possibly hostile): control characters (CR, LF, NUL...) are
    dropped so nothing can end the header or start another; `filename*` carries the exact name for
    every current browser, and the fallback, for clients that ignore `filename*`, is the name without
    diacritics ("Tờ trình mật.pdf" -> "To trinh mat.pdf") with quotes and separators replaced by "_".
    """
    name = "".join(char for char in unicodedata.normalize("NFC", filename) if unicodedata.category(char)[0] != "C")
    name = name.strip() or "download"
    return f"{disposition}; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def _ascii_fallback(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    letters = (char for char in decomposed if not unicodedata.combining(char))
    return "".join(char if " " <= char <= "~" and char not in _FALLBACK_UNSAFE else "_" for char in letters)
