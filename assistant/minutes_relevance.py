"""Which sentences of a document bear on an agenda item: what the minutes quote from it under that item.

A document's most central sentences are often about something else (a report's opening on the month's
economy, under an item on parking fees), and the same ones come up under every item the document serves.
Here a sentence is chosen for how much of the item's own words (its title, its conclusion) it holds,
weighted by how rare each word is in the document, so "phí trông giữ xe" counts and "thành phố" barely.
"""

from __future__ import annotations

import math
from collections import Counter

from assistant.answer import Citation, snippet
from assistant.chunk import Page
from assistant.lexical import QUESTION_WORDS
from assistant.summary import MAX_WORDS, MIN_WORDS
from assistant.text import fold, sentences, syllables

MIN_SHARE = 0.3
"""A sentence must hold at least this IDF-weighted share of the item's words and word pairs."""


def _terms(text: str) -> set[str]:
    words = [word for word in syllables(text) if fold(word) not in QUESTION_WORDS]
    every = syllables(text)
    return set(words) | {f"{a} {b}" for a, b in zip(every, every[1:], strict=False)}


def relevant_sentences(pages: list[Page], topic: str, k: int, used: set[str] | None = None) -> list[Citation]:
    """Up to `k` sentences of `pages` about `topic`, in document order, each cited by its page.

    A sentence qualifies when it holds at least MIN_SHARE of the topic's words and word pairs, weighted by
    their inverse frequency among the document's sentences. Sentences whose folded text is in `used` are
    skipped, and those returned are added to it, so no sentence is quoted twice in one set of minutes.
    """
    used = used if used is not None else set()
    wanted = _terms(topic)
    candidates = [
        (page, start, end)
        for page in pages
        for start, end in sentences(page.text)
        if MIN_WORDS <= len(page.text[start:end].split()) <= MAX_WORDS
    ]
    if not wanted or not candidates or k <= 0:
        return []
    held = [_terms(page.text[start:end]) & wanted for page, start, end in candidates]
    frequency: Counter[str] = Counter(term for terms in held for term in terms)
    weight = {term: math.log((len(candidates) + 1) / (frequency[term] + 1)) + 1 for term in wanted}
    total = sum(weight.values())
    scored = []
    for index, terms in enumerate(held):
        share = sum(weight[term] for term in terms) / total
        page, start, end = candidates[index]
        key = _key(page.text[start:end])
        if share >= MIN_SHARE and key not in used:
            scored.append((share, index, key))
    chosen = sorted(scored, key=lambda entry: (-entry[0], entry[1]))[:k]
    used.update(key for _, _, key in chosen)
    return [_cite(candidates[index], share) for share, index, _ in sorted(chosen, key=lambda entry: entry[1])]


def _key(text: str) -> str:
    return " ".join(fold(text).split())


def _cite(candidate: tuple[Page, int, int], share: float) -> Citation:
    page, start, end = candidate
    return Citation(
        doc_id=page.doc_id,
        page=page.page,
        snippet=snippet(page.text[start:end], 0, end - start),
        score=round(share, 4),
        chunk_id=f"{page.doc_id}:{page.version}:{page.page}:{start}",
    )
