"""Page text for search, the assistant and minutes: one pass of pypdf's extractor, then tidy whitespace."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pypdf import PageObject

from documents._pdf import describe, open_reader
from documents.errors import damaged

# Horizontal whitespace of any kind (tabs, no-break and other Unicode spaces) becomes one space.
_SPACES = re.compile(r"[^\S\n]+")
# C0/C1 control characters other than newline and tab carry no text (pypdf leaks NULs from odd fonts).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class PageText:
    """The text of one page."""

    page: int
    """1-based page number."""
    text: str
    """NFC, whitespace normalised by `normalise_text`."""


def extract_pages(path: Path) -> list[PageText]:
    """Extract the text of every page of the PDF at `path`, in order.

    A page whose text cannot be extracted gets "" (one bad page never loses the others). Raises
    InvalidDocument("damaged") only when the file cannot be opened at all (or "encrypted" when it needs
    a password).
    """
    reader = open_reader(path)
    try:
        pages = list(reader.pages)
    except Exception as exc:
        raise damaged(f"page tree: {describe(exc)}") from exc
    return [PageText(page=number, text=_page_text(page)) for number, page in enumerate(pages, start=1)]


def _page_text(page: PageObject) -> str:
    try:
        text = page.extract_text()
    except Exception:
        return ""
    return normalise_text(text)


def normalise_text(text: str) -> str:
    """NFC text with tidy whitespace: one space for each run of spaces/tabs, every line stripped,
    empty lines dropped (lines joined by single newlines), no control characters."""
    text = _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text))
    text = _CONTROLS.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
