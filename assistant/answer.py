"""The extractive answerer: quote the best sentence(s) of the retrieved passages, cite document and page,
or say that the materials do not hold the answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.lexical import QUESTION_WORDS
from assistant.retriever import SearchHit
from assistant.text import WORD, fold, sentences, syllables

NOT_FOUND = {
    "vi": "Tài liệu của cuộc họp không có thông tin về câu hỏi này.",
    "en": "The meeting materials contain no information about this question.",
}
MIN_COVERAGE = 0.45
"""Evidence needed to answer: the IDF-weighted share of the question's content words that the best
passage holds (SearchHit.coverage). Measured by bench/assistant_eval.py: every vi-dev question is at or
above 0.6x, every unrelated question below 0.4x (exact figures in the eval's table)."""
PASSAGES = 3
"""Passages read for the answer and cited."""
SNIPPET_CHARS = 300
# A second sentence joins the answer when it scores at least this share of the best one.
_SECOND_SENTENCE = 0.85
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Citation:
    """Where an answer comes from: a document page and the quoted text."""

    doc_id: int
    page: int
    snippet: str
    """The cited sentence with a little context, at most SNIPPET_CHARS characters, on one line."""
    score: float
    chunk_id: str


@dataclass(frozen=True)
class Answer:
    """An answer quoted from the materials (found) or the message that they do not hold one."""

    text: str
    found: bool
    citations: list[Citation]


# A question asking for a quantity, a share or a date: a sentence with a figure answers it better.
_QUANTITY = re.compile(
    r"\b(bao nhieu|so luong|ty le|bao lau|khi nao|ngay nao|nam nao|how many|how much|what share|when)\b"
)
_NUMBER = re.compile(r"\d")
NUMBER_BONUS = 0.15
"""Added to a sentence's score when the question asks for a figure and the sentence holds one."""

# A question asking why: its answer usually goes on in the sentence after the one that matches it.
_CAUSAL = re.compile(r"\b(vi sao|tai sao|ly do|nguyen nhan|why|reason)\b")


@dataclass(frozen=True)
class _Sentence:
    hit: SearchHit
    start: int
    """Offsets into `text`: the hit's chunk with its page context around it."""
    end: int
    score: float

    @property
    def text(self) -> str:
        return self.hit.before + self.hit.chunk.text + self.hit.after


def answer(question: str, hits: list[SearchHit], *, language: str = "vi") -> Answer:
    """Answer `question` from `hits` (best first): the best sentence(s) quoted, each passage cited.

    Sentences are scored by the question words and word pairs they hold (accent-folded, so unaccented
    questions work) plus their passage's retrieval score. When no passage holds enough of the question
    (coverage below MIN_COVERAGE) the answer says the materials do not say, in `language` ("vi"/"en").
    """
    top = hits[:PASSAGES]
    if not top or max(hit.coverage for hit in top) < MIN_COVERAGE:
        return Answer(text=NOT_FOUND.get(language, NOT_FOUND["vi"]), found=False, citations=[])
    terms = _question_terms(question)
    words = set(terms.folded)
    best_per_hit = [_best_sentence(hit, terms) for hit in top]
    ranked = sorted(best_per_hit, key=lambda sentence: -sentence.score)
    chosen = [ranked[0]]
    if len(ranked) > 1 and ranked[1].score >= _SECOND_SENTENCE * ranked[0].score:
        chosen.append(ranked[1])
    if _CAUSAL.search(fold(question)):
        chosen = [_with_next_sentence(sentence) for sentence in chosen]
        ranked = [_with_next_sentence(sentence) for sentence in ranked]
    text = " ".join(_distinct(_one_line(sentence.text[sentence.start : sentence.end]) for sentence in chosen))
    # the passages quoted first, then the others that hold the question as well
    quoted = {sentence.hit.chunk.id for sentence in chosen}
    order = chosen + [s for s in ranked if s.hit.chunk.id not in quoted and s.hit.coverage >= MIN_COVERAGE]
    citations = [
        Citation(
            doc_id=sentence.hit.chunk.doc_id,
            page=sentence.hit.chunk.page,
            snippet=snippet(sentence.text, sentence.start, sentence.end, words),
            score=round(sentence.hit.score, 4),
            chunk_id=sentence.hit.chunk.id,
        )
        for sentence in order
    ]
    return Answer(text=text, found=True, citations=citations)


def _distinct(quotes: Iterable[str]) -> list[str]:
    """The quotes without those another already says: two passages (a conclusion and the minutes that
    record it) often hold the same sentence, and an answer says it once."""
    kept: list[str] = []
    for quote_text in quotes:
        plain = fold(quote_text).strip(" .;")
        if any(plain in fold(other) for other in kept):
            continue
        kept = [other for other in kept if fold(other).strip(" .;") not in plain] + [quote_text]
    return kept


def snippet(text: str, start: int, end: int, words: set[str] | None = None, limit: int = SNIPPET_CHARS) -> str:
    """`text[start:end]` on one line with context around it, at most `limit` characters, cut between words.

    A sentence longer than `limit` is cut to the window holding most of `words` (folded question words).
    """
    if end - start > limit:
        start, end = _densest_window(text, start, end, words or set(), limit)
    else:
        room = limit - (end - start)
        before = min(room // 4, start)
        start, end = start - before, min(len(text), end + room - before)
    left = _word_boundary(text, start, forward=True)
    right = _word_boundary(text, end, forward=False)
    core = _one_line(text[left:right])
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    while len(prefix + core + suffix) > limit and " " in core:
        core = core.rsplit(" ", 1)[0]
        suffix = "…"
    return prefix + core + suffix


@dataclass(frozen=True)
class _Terms:
    """A question's content words and word pairs, as typed (accented or not) and accent-folded."""

    words: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    folded: frozenset[str]
    """Folded content words: what snippets and highlights look for."""
    wants_number: bool

    @property
    def total(self) -> int:
        return len(self.words) + len(self.pairs) or 1


def _question_terms(question: str) -> _Terms:
    typed = [word for word in syllables(question) if fold(word) not in QUESTION_WORDS]
    every = syllables(question)
    return _Terms(
        words=frozenset(typed),
        pairs=frozenset(zip(every, every[1:], strict=False)),
        folded=frozenset(fold(word) for word in typed),
        wants_number=_QUANTITY.search(fold(question)) is not None,
    )


def _matched(terms: _Terms, text: str) -> int:
    """How many of the question's words and pairs `text` holds. An accented question word matches only
    itself ("dùng" is not "dụng"); one typed without accents matches any accented form ("dung")."""
    exact = syllables(text)
    plain = [fold(word) for word in exact]
    words = set(exact) | set(plain)
    pairs = set(zip(exact, exact[1:], strict=False)) | set(zip(plain, plain[1:], strict=False))
    # a folded form can only equal a typed term that has no accents, so the union matches exactly as described
    return len(terms.words & words) + len(terms.pairs & pairs)


def _best_sentence(hit: SearchHit, terms: _Terms) -> _Sentence:
    best: _Sentence | None = None
    shift = len(hit.before)
    for start, end in sentences(hit.chunk.text) or [(0, len(hit.chunk.text))]:
        text = hit.chunk.text[start:end]
        score = _matched(terms, text) / terms.total + 0.5 * hit.score + hit.named  # a named section first
        if terms.wants_number and _NUMBER.search(text):
            score += NUMBER_BONUS
        if best is None or score > best.score:
            best = _Sentence(hit=hit, start=shift + start, end=shift + end, score=score)
    assert best is not None
    return best


def _with_next_sentence(sentence: _Sentence) -> _Sentence:
    following = [span for span in sentences(sentence.text) if span[0] >= sentence.end]
    if not following:
        return sentence
    return _Sentence(hit=sentence.hit, start=sentence.start, end=following[0][1], score=sentence.score)


def _densest_window(text: str, start: int, end: int, words: set[str], limit: int) -> tuple[int, int]:
    tokens = [(start + m.start(), start + m.end(), fold(m.group())) for m in _WORD.finditer(text[start:end])]
    best_start, best_count = start, -1
    for index, (token_start, _, _) in enumerate(tokens):
        count = 0
        for _, other_end, other in tokens[index:]:
            if other_end - token_start > limit:
                break
            count += any(word in words for word in syllables(other))
        if count > best_count:
            best_start, best_count = token_start, count
    return best_start, min(end, best_start + limit)


def _word_boundary(text: str, at: int, *, forward: bool) -> int:
    if at <= 0 or at >= len(text) or text[at - 1].isspace() or text[at].isspace():
        return max(0, min(at, len(text)))
    step = 1 if forward else -1
    while 0 < at < len(text) and not text[at].isspace():
        at += step
    return at


def _one_line(text: str) -> str:
    return " ".join(text.split())


def quote(question: str, hit: SearchHit) -> str:
    """The snippet of `hit` around its sentence that best matches `question` (what a search result shows)."""
    terms = _question_terms(question)
    best = _best_sentence(hit, terms)
    return snippet(best.text, best.start, best.end, set(terms.folded))


def highlight_spans(text: str, question: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the words of `text` that are content words of `question`, compared
    accent-folded ("chuyen doi so" marks "chuyển đổi số"); question words ("bao nhiêu", "what") are not marked."""
    words = _question_terms(question).folded
    return [(match.start(), match.end()) for match in WORD.finditer(text) if fold(match.group()) in words]
