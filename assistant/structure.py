"""A document's structure: its headings ("Chương II", "Mục 3", "Điều 143.", "2.1 ...") and the sections a
question names ("Điều 143 quy định gì?", "khoản 2 điều 5", "what does section 2.1 say").

Headings come from the page text (lines that open a part, chapter, section or article, and numbered
headings outside articles) and, where the PDF has one, from its outline (bookmarks), placed on the line
of the page that carries their title. Each heading has a level; the chain of headings in force at a
place of the document (outermost first) is what a passage carries for ranking and citation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.text import fold

MAX_HEADING = 200
"""Characters of a heading kept (the first line of a long article title)."""
SEPARATOR = "\n"
"""Joins a chain of headings in `Chunk.headings`."""

# Levels: a heading closes every open heading of its level or deeper.
PART, CHAPTER, SECTION, ARTICLE, ROMAN, NUMBERED = 1, 2, 3, 4, 5, 6
_EXPLICIT = [
    (PART, re.compile(r"^(?:Phần|PHẦN|Part|PART)\s+(?:thứ\s+\w+|THỨ\s+\w+|[IVXLC]+|\d+)\b")),
    (CHAPTER, re.compile(r"^(?:Chương|CHƯƠNG|Chapter|CHAPTER)\s+(?:[IVXLC]+|\d+)\b")),
    (SECTION, re.compile(r"^(?:Mục|MỤC)\s+\d+\b")),
    (ARTICLE, re.compile(r"^(?:Điều|ĐIỀU|Article|ARTICLE)\s+\d+[a-zđ]?\s*[.:]")),
]
# "Section 4 Budget" heads a section; "Section 10.04 of the Specifications, ..." is a sentence citing one
_ENGLISH_SECTION = re.compile(r"^(?:Section|SECTION)\s+(\d{1,2}(?:\.\d{1,2})*)\.?(?:\s|$)")
# Numbered headings of reports: "I. ...", "1. ...", "2.1 ...", "2.1.3. ..." (a lone number needs its dot,
# so a line opening with "22 dịch vụ" is no heading), followed by a capital letter.
_ROMAN = re.compile(r"^[IVX]{1,5}[.)]\s+\S")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+\.?|\d{1,2}[.)])\s+[A-ZÀ-ỸĐ]")
_SENTENCE_END = re.compile(r"[.;,:!?]$")
_SHORT = 0.75
"""A numbered line is a heading only when shorter than this share of the page's longest line: the first
line of a numbered paragraph fills the width."""


@dataclass(frozen=True)
class Heading:
    """A heading at a place of a document."""

    page: int
    offset: int
    """Where its line starts in the page's text."""
    level: int
    text: str


def page_headings(page: int, text: str, inside_article: bool = False) -> list[Heading]:
    """The headings on one page's text, in order. Inside an article (`inside_article`, or after an
    article heading on this page) numbered lines are its clauses (khoản), not headings."""
    lines = text.split("\n")
    longest = max((len(line) for line in lines), default=0)
    found = []
    offset = 0
    for line in lines:
        stripped = line.strip()
        level = _level(stripped, longest, inside_article)
        if level is not None:
            found.append(Heading(page=page, offset=offset, level=level, text=stripped[:MAX_HEADING]))
            if level <= ARTICLE:
                inside_article = level == ARTICLE
        offset += len(line) + 1
    return found


def _level(line: str, longest: int, inside_article: bool) -> int | None:
    for level, pattern in _EXPLICIT:
        if pattern.match(line):
            return level
    if inside_article or _SENTENCE_END.search(line) or len(line) > _SHORT * longest:
        return None
    if _ROMAN.match(line):
        return ROMAN
    section = _ENGLISH_SECTION.match(line)
    if section:
        return NUMBERED + section.group(1).count(".")
    match = _NUMBERED.match(line)
    if match:
        return NUMBERED + match.group(1).rstrip(".)").count(".")
    return None


def document_headings(pages: Sequence[tuple[int, str]], outline: Iterable[tuple[str, int, int]] = ()) -> list[Heading]:
    """Every heading of a document, in reading order, from its pages' text (``(page, text)``, in page
    order) and its outline (``(title, page, depth)`` entries, as documents.outline reads them).

    An outline entry is placed on the line of its page that starts with its title (or at the top of the
    page when none does) and takes the level of the heading found there; one that matches no line pattern
    takes its depth + 1 (a top-level bookmark is a part).
    """
    headings: list[Heading] = []
    inside_article = False
    for number, text in pages:
        found = page_headings(number, text, inside_article)
        headings.extend(found)
        if any(h.level <= ARTICLE for h in found):
            inside_article = [h for h in found if h.level <= ARTICLE][-1].level == ARTICLE
    texts = dict(pages)
    at = {(h.page, h.offset) for h in headings}
    for title, page, depth in outline:
        offset = _line_of(texts.get(page, ""), title)
        if (page, offset) in at:
            continue  # the page text already has it, with its level
        explicit = next((level for level, pattern in _EXPLICIT if pattern.match(title)), None)
        headings.append(Heading(page=page, offset=offset, level=explicit or depth + 1, text=title[:MAX_HEADING]))
        at.add((page, offset))
    return sorted(headings, key=lambda h: (h.page, h.offset))


def _line_of(text: str, title: str) -> int:
    """The offset of the first line of `text` that starts with `title` (accent-folded, spacing ignored); 0 if none."""
    wanted = " ".join(fold(title).split())[:40]
    offset = 0
    for line in text.split("\n"):
        if wanted and " ".join(fold(line).split()).startswith(wanted):
            return offset
        offset += len(line) + 1
    return 0


class Chains:
    """The chain of headings in force at any place of a document: `at(page, offset)`, outermost first."""

    def __init__(self, headings: Sequence[Heading]) -> None:
        self._places = [(h.page, h.offset) for h in headings]
        self._chains: list[tuple[str, ...]] = []
        stack: list[Heading] = []
        for heading in headings:
            stack = [open_ for open_ in stack if open_.level < heading.level] + [heading]
            self._chains.append(tuple(h.text for h in stack))

    def at(self, page: int, offset: int) -> tuple[str, ...]:
        """The headings open at ``offset`` of ``page`` (a heading line starting there is included)."""
        low, high = 0, len(self._places)
        while low < high:  # the last heading at or before the place
            middle = (low + high) // 2
            if self._places[middle] <= (page, offset):
                low = middle + 1
            else:
                high = middle
        return self._chains[low - 1] if low else ()


# ---------------------------------------------------------------- sections a question names

_ARTICLE_WORDS = r"(?:điều|dieu|article|art\.)"
_REFERENCES = [
    ("article", re.compile(rf"\b{_ARTICLE_WORDS}\s+(\d+[a-zđ]?)\b")),
    ("chapter", re.compile(r"\b(?:chương|chuong|chapter)\s+([ivxlc]+|\d+)\b")),
    ("section", re.compile(r"\b(?:mục|muc)\s+(\d+)\b(?!\.\d)")),
    ("part", re.compile(r"\b(?:phần|phan|part)\s+(?:thứ\s+|thu\s+)?([ivxlc]+|\d+)\b(?!\.\d)")),
    ("number", re.compile(r"(?<![\w.])(\d{1,2}(?:\.\d{1,2})+)(?![\w.]*\d)")),
    ("number", re.compile(r"\b(?:section|mục|muc|phần|phan|part)\s+(\d{1,2})\b(?!\.\d)")),
]


def section_keys(heading: str) -> set[tuple[str, str]]:
    """What a question may call the section `heading` opens: ``("article", "143")`` for "Điều 143. ...",
    ``("chapter", "ii")``, ``("section", "3")`` (Mục 3), ``("number", "2.1")`` for "2.1 ..." or "Section 2.1"."""
    line = heading.strip().lower()
    keys: set[tuple[str, str]] = set()
    for kind, pattern in (
        ("article", rf"^{_ARTICLE_WORDS}\s+(\d+[a-zđ]?)"),
        ("chapter", r"^(?:chương|chapter)\s+([ivxlc]+|\d+)\b"),
        ("section", r"^mục\s+(\d+)\b"),
        ("part", r"^(?:phần|part)\s+(?:thứ\s+)?([ivxlc]+|\d+)\b"),
        ("number", r"^(?:section\s+)?(\d{1,2}(?:\.\d{1,2})*)[.)]?(?:\s|$)"),
        ("number", r"^([ivx]{1,5})[.)]\s"),
    ):
        match = re.match(pattern, line)
        if match:
            keys.add((kind, match.group(1)))
    return keys


def named_sections(question: str) -> set[tuple[str, str]]:
    """The sections `question` names, as `section_keys` gives them ("khoản 2 điều 5" names article 5: a
    clause is found through its article)."""
    text = question.lower()
    return {(kind, match.group(1)) for kind, pattern in _REFERENCES for match in pattern.finditer(text)}


_CLAUSE = re.compile(r"\b(?:khoản|khoan|điểm|diem|clause|paragraph|item)\s+[\wđ]{1,4}\b", re.IGNORECASE)


def without_clauses(question: str) -> str:
    """`question` without its clause and point references ("khoản 2", "điểm a"): words of the article's
    numbering that its text does not repeat, so they are no evidence against a passage of the article."""
    return _CLAUSE.sub(" ", question)


@lru_cache(maxsize=65536)
def chain_keys(headings: str) -> frozenset[tuple[str, str]]:
    """The `section_keys` of every heading of a chain (`Chunk.headings`); cached, as the passages of a
    section share their chain and an index reloading 100k passages asks for each."""
    keys: set[tuple[str, str]] = set()
    for heading in headings.split(SEPARATOR):
        if heading:
            keys |= section_keys(heading)
    return frozenset(keys)
