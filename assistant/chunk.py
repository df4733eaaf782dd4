"""Page-aware passages: sentences packed up to the model's token budget, never across a page.

A chunk knows its document, version, page and character offsets into that page's text, so every
citation points at one page exactly. Consecutive chunks of a page share `overlap_sentences` sentences
so an answer that straddles a cut is still whole in one of them. A heading ("Điều 143.", "Chương II",
"2.1 ...", see assistant.structure) always opens a new chunk, and each chunk carries its document's title
and the chain of headings in force where it starts: the words a question about that section uses, which
the page text of a later passage of the section no longer holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby

from assistant.structure import SEPARATOR, Chains, Heading, document_headings
from assistant.text import sentences

_WORDS = re.compile(r"\S+")

DEFAULT_MAX_TOKENS = 120
"""Chunk size in model tokens. all-MiniLM-L6-v2 reads 256; measured on ALQAC (bench/assistant_eval.py),
120-token chunks rank the right article better than 200 (MRR 0.92 against 0.90) and vi-dev is the same."""


@dataclass(frozen=True)
class Page:
    """The text of one page of one version of a document."""

    doc_id: int
    version: int
    page: int
    """1-based page number."""
    text: str


@dataclass(frozen=True)
class Chunk:
    """A passage of one page: `text == page.text[start:end]`."""

    id: str
    """Stable: f"{doc_id}:{version}:{page}:{start}"."""
    doc_id: int
    version: int
    page: int
    start: int
    end: int
    text: str
    kind: str = "document"
    """What the chunk comes from: ``document`` (a page), ``transcript`` (turns ``start`` to ``end - 1``, ``page``
    is ``start + 1``), or a meeting record (``conclusion``, ``task``, ``poll``, ``minutes``) whose id is ``doc_id``."""
    speaker: str = ""
    """Transcripts: the speakers of the window's turns, in order of first appearance, comma-separated."""
    start_ms: int | None = None
    end_ms: int | None = None
    """Transcripts: when the window's first turn starts and its last turn ends (None: not in the file)."""
    title: str = ""
    """Documents: the document's title when it was indexed."""
    headings: str = ""
    """Documents: the chain of headings in force where the chunk starts, outermost first, one a line
    ("Chương II\nĐiều 143. Quyền của ..."); "" before the first heading."""

    @property
    def heading(self) -> str:
        """The innermost heading of the chunk's section ("Điều 143. Quyền của ..."), or ""."""
        return self.headings.rsplit(SEPARATOR, 1)[-1]

    @property
    def search_text(self) -> str:
        """What the chunk is found by, word for word: its title and headings, then its text. (Its vector is
        of its text alone: measured on the law PDFs, bench/law_eval.py, vectors of this text cost MRR.)"""
        if not self.title and not self.headings:
            return self.text
        return "\n".join(part for part in (self.title, self.headings, self.text) if part)


def chunk_pages(
    pages: list[Page],
    count_tokens: Callable[[str], int],
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_sentences: int = 1,
    *,
    titles: dict[int, str] | None = None,
    headings: dict[int, Sequence[Heading]] | None = None,
) -> list[Chunk]:
    """Split `pages` into chunks of whole sentences of at most `max_tokens` tokens by `count_tokens`.

    Sentences are packed greedily; a sentence longer than `max_tokens` on its own is split between
    words. A heading's line always starts a chunk. Each chunk after the first of a page starts with the
    last `overlap_sentences` sentences of the previous one (when they leave room for new text and belong
    to the same section). Empty pages give no chunk.

    `titles` gives each document's title (by doc_id); `headings` each document's headings, for a caller
    chunking some pages of a document whose headings come from all of it (and its outline); without
    them a document's headings are read from the pages given.
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    chunks: list[Chunk] = []
    for doc_id, group in groupby(pages, key=lambda page: page.doc_id):
        document = list(group)
        found = (headings or {}).get(doc_id)
        if found is None:
            found = document_headings([(page.page, page.text) for page in document])
        chains = Chains(found)
        title = (titles or {}).get(doc_id, "")
        for page in document:
            breaks = [h.offset for h in found if h.page == page.page]
            pieces = _pieces(page.text, count_tokens, max_tokens, breaks)
            for start, end in _pack(page.text, pieces, count_tokens, max_tokens, overlap_sentences, breaks):
                chunks.append(
                    Chunk(
                        id=f"{page.doc_id}:{page.version}:{page.page}:{start}",
                        doc_id=page.doc_id,
                        version=page.version,
                        page=page.page,
                        start=start,
                        end=end,
                        text=page.text[start:end],
                        title=title,
                        headings=SEPARATOR.join(chains.at(page.page, start)),
                    )
                )
    return chunks


def _pieces(
    text: str, count_tokens: Callable[[str], int], max_tokens: int, breaks: Sequence[int] = ()
) -> list[tuple[int, int, int]]:
    """Sentence spans with their token counts; over-long sentences become several word runs. A heading's
    line (an offset of `breaks`) never shares a sentence with the text before it."""
    pieces = []
    for start, end in _cut(text, sentences(text), breaks):
        tokens = count_tokens(text[start:end])
        if tokens <= max_tokens:
            pieces.append((start, end, tokens))
        else:
            pieces.extend(_split_words(text, start, end, count_tokens, max_tokens))
    return pieces


def _cut(text: str, spans: list[tuple[int, int]], breaks: Sequence[int]) -> list[tuple[int, int]]:
    """`spans` with those a break falls inside cut in two there (each part stripped of white space)."""
    if not breaks:
        return spans
    out = []
    for start, end in spans:
        for at in sorted(b for b in breaks if start < b < end):
            head = text[start:at].rstrip()
            if head:
                out.append((start, start + len(head)))
            start = at
        out.append((start, end))
    return out


def _split_words(
    text: str, start: int, end: int, count_tokens: Callable[[str], int], max_tokens: int
) -> list[tuple[int, int, int]]:
    words = [(start + m.start(), start + m.end()) for m in _WORDS.finditer(text[start:end])]
    runs: list[tuple[int, int, int]] = []
    run_start = 0
    while run_start < len(words):
        # grow by estimate, then shrink until the exact count fits: counting every prefix would be quadratic
        run_end = run_start + 1
        used = count_tokens(text[words[run_start][0] : words[run_start][1]])
        while run_end < len(words):
            cost = count_tokens(text[words[run_end][0] : words[run_end][1]])
            if used + cost > max_tokens:
                break
            used += cost
            run_end += 1
        while run_end - run_start > 1:
            used = count_tokens(text[words[run_start][0] : words[run_end - 1][1]])
            if used <= max_tokens:
                break
            run_end -= 1
        if run_end - run_start == 1:
            used = count_tokens(text[words[run_start][0] : words[run_start][1]])
            # a single "word" over budget (a long URL, a table row without spaces) is cut by characters
            if used > max_tokens:
                runs.extend(_split_chars(text, words[run_start][0], words[run_start][1], count_tokens, max_tokens))
                run_start = run_end
                continue
        runs.append((words[run_start][0], words[run_end - 1][1], used))
        run_start = run_end
    return runs


def _split_chars(
    text: str, start: int, end: int, count_tokens: Callable[[str], int], max_tokens: int
) -> list[tuple[int, int, int]]:
    runs = []
    while start < end:
        stop = end
        while stop - start > 1 and count_tokens(text[start:stop]) > max_tokens:
            stop = start + (stop - start) // 2
        runs.append((start, stop, count_tokens(text[start:stop])))
        start = stop
    return runs


def _pack(
    text: str,
    pieces: list[tuple[int, int, int]],
    count_tokens: Callable[[str], int],
    max_tokens: int,
    overlap: int,
    breaks: Sequence[int] = (),
) -> list[tuple[int, int]]:
    # a piece opens a section when a heading's line starts between the previous piece's end and its start
    opens = [
        index > 0 and any(pieces[index - 1][1] <= at <= start for at in breaks)
        for index, (start, _, _) in enumerate(pieces)
    ]
    spans: list[tuple[int, int]] = []
    first = 0
    while first < len(pieces):
        last = first
        used = pieces[first][2]
        while last + 1 < len(pieces) and not opens[last + 1] and used + pieces[last + 1][2] <= max_tokens:
            last += 1
            used += pieces[last][2]
        # token counts of the parts rarely add up to the count of the joined text: check the real thing
        while last > first and count_tokens(text[pieces[first][0] : pieces[last][1]]) > max_tokens:
            last -= 1
        spans.append((pieces[first][0], pieces[last][1]))
        if last + 1 >= len(pieces):
            break
        first = last + 1 if opens[last + 1] else _next_first(pieces, first, last, overlap, max_tokens)
    return spans


def _next_first(pieces: list[tuple[int, int, int]], first: int, last: int, overlap: int, max_tokens: int) -> int:
    """The next chunk repeats up to `overlap` tail sentences of this one, only as many as leave room for
    the next new sentence (a chunk of nothing but repeated text would be a duplicate)."""
    fresh = last + 1
    start = max(fresh - overlap, first + 1)
    while start < fresh and sum(piece[2] for piece in pieces[start : fresh + 1]) > max_tokens:
        start += 1
    return start
