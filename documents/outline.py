"""A PDF's outline (its bookmarks): the titles a reader's side panel lists, with their pages and depth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from documents._pdf import open_reader
from documents.extract import normalise_text

MAX_ENTRIES = 5000
"""Outline entries read at most: a hostile file may nest or loop its bookmarks without end."""
MAX_TITLE = 300


@dataclass(frozen=True)
class OutlineEntry:
    """One bookmark."""

    title: str
    """Whitespace-normalised, NFC, at most MAX_TITLE characters."""
    page: int
    """1-based page the bookmark opens."""
    depth: int
    """0 for a top-level bookmark, 1 for one nested under it, ..."""


def read_outline(path: Path) -> list[OutlineEntry]:
    """The outline of the PDF at `path` in reading order; [] when it has none or it cannot be read.

    Entries without a title or whose destination is no page of the file are left out. Raises
    InvalidDocument only when the file cannot be opened at all (as `extract_pages` does).
    """
    reader = open_reader(path)
    try:
        outline = reader.outline
    except Exception:
        return []  # a damaged outline costs the structure, never the document
    entries: list[OutlineEntry] = []
    _walk(reader, outline, 0, entries)
    return entries


def _walk(reader: Any, items: Any, depth: int, entries: list[OutlineEntry]) -> None:
    # pypdf gives a list whose nested lists are the children of the entry just before them
    for item in items:
        if len(entries) >= MAX_ENTRIES or depth > 16:
            return
        if isinstance(item, list):
            _walk(reader, item, depth + 1, entries)
            continue
        try:
            title = normalise_text(str(item.title or "")).replace("\n", " ")[:MAX_TITLE]
            page = reader.get_destination_page_number(item)
        except Exception:
            continue
        if title and page is not None and page >= 0:
            entries.append(OutlineEntry(title=title, page=page + 1, depth=depth))
