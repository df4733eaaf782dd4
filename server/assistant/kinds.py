"""The kinds of material a search may be narrowed to (``GET /api/search?kind=``), and what each covers."""

from __future__ import annotations

from collections.abc import Iterable

from assistant.retriever import Source
from server.assistant.records import MINUTES_KINDS
from server.errors import Invalid

SEARCH_KINDS = ("document", "transcript", "conclusion", "task", "poll", "minutes")
"""What a search may be narrowed to: ``minutes`` is every audience's passages of approved minutes
(records.MINUTES_KINDS), each other kind itself."""


def parse_kinds(values: Iterable[str] | None) -> frozenset[str]:
    """The kinds named by ``kind`` query values, each one kind or a comma list ("document,task"); none
    given: every kind. Raises Invalid naming an unknown (or empty) kind."""
    if values is None:
        return frozenset(SEARCH_KINDS)
    chosen = set()
    for value in values:
        for kind in value.split(","):
            name = kind.strip().lower()
            if name not in SEARCH_KINDS:
                known = ", ".join(SEARCH_KINDS)
                raise Invalid(
                    f"Unknown kind {kind.strip()!r}: use one or more of {known}",
                    f"Loại tài liệu không hợp lệ {kind.strip()!r}: dùng một hoặc nhiều loại {known}",
                )
            chosen.add(name)
    return frozenset(chosen)


def of_kinds(kinds: frozenset[str], documents: Iterable[int], records: Iterable[tuple[str, int]]) -> set[Source]:
    """The sources among ``documents`` and ``records`` (already what the asker may read) of ``kinds``."""
    wanted = set(kinds) | (set(MINUTES_KINDS) if "minutes" in kinds else set())
    sources: set[Source] = set(documents) if "document" in kinds else set()
    sources.update(source for source in records if source[0] in wanted)
    return sources
