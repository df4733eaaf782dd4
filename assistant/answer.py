"""The extractive answerer: quote the best sentence(s) of the retrieved passages, cite document and page,
or say that the materials do not hold the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial

from assistant.discussion import (
    by_speakers,
    is_discussion,
    named_speakers,
    speaker_group,
    speaker_terms,
    subject,
    summarise,
)
from assistant.lexical import QUESTION_WORDS
from assistant.passages import TRANSCRIPT, Passage, distinct
from assistant.retriever import SearchHit
from assistant.text import WORD, fold, sentences, syllables

NOT_FOUND = {
    "vi": "Tài liệu của cuộc họp không có thông tin về câu hỏi này.",
    "en": "The meeting materials contain no information about this question.",
}
MAY_HELP = {
    "vi": "Tài liệu không trả lời trực tiếp câu hỏi này; các đoạn sau có thể giúp ích.",
    "en": "The materials do not answer this directly; these passages may help.",
}
BEARS = 0.4
"""Evidence for a passage to be shown at all (when the answer is not found, "these passages may help"), and
for a discussion question to be answered: its coverage of the question. The unrelated questions' best
passages cover at most 0.36 on vi-dev and less on the QMSum meetings (bench/discussion_eval.py, 0 shown)."""
MIN_COVERAGE = 0.45
"""Evidence needed to answer: the IDF-weighted share of the question's content words that the best
passage holds (SearchHit.coverage). Measured by bench/assistant_eval.py: every vi-dev question is at or
above 0.6x, every unrelated question below 0.4x (exact figures in the eval's table)."""
DENSE_BEARS = 0.37
"""Cosine (all-MiniLM-L6-v2) at which a passage bears on an English question. Measured by
bench/discussion_eval.py on 24 QMSum meetings (8 of each kind) with 27 unrelated questions asked in each: the
best passage of 90% of the meetings' questions is at 0.37 or more (median 0.51); the unrelated questions'
passages reach 0.36 ("How much does a kilogram of rice cost at the market?" against a product meeting's talk
of costs and markets) while their word coverage reaches 0.48, so words alone cannot tell them apart. At 0.36
that passage was shown as "may help" (1 of 648 asks); at 0.37 none is, and 3 of 166 questions lose a cited
passage that reached an answering turn."""
LEXICAL_BEARS = 0.7
"""Coverage at which a passage bears on an English question whatever its cosine: MiniLM reads a long window of
talk poorly, and 26 of the 33 questions left "not in the materials" on 48 QMSum meetings had an answering
passage in their top 5, some holding every word of the subject ("What did the team think about DAT?", cosine
0.26). The 1,296 unrelated asks on those meetings reach 0.64 at most ("exchange rate" in a committee's talk of
rates and exchanges); at 0.7, 7 of the 26 are shown and no unrelated ask is."""
PASSAGES = 3
"""Passages read for the answer and cited."""
ALSO_CITED = 0.2
"""Coverage for a passage to be cited after the quoted ones when the answer is found (up to the ask's limit);
a passage that bears on the question (see `bears`) is cited too."""
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
    first_turn: int | None = None
    """Transcript: the first turn the citation stands for (each turn is cited once across an answer)."""
    last_turn: int | None = None
    """Transcript: the last turn it stands for, inclusive."""


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

# "bao nhiêu <unit>", "how many <unit>": the one or two words after it name what is counted
_ASKED_UNIT = re.compile(r"\b(?:bao nhieu|how many|how much)\s+([^\W\d_]+(?:\s+[^\W\d_]+)?)")
_DATE_QUESTION = re.compile(r"\b(khi nao|bao gio|ngay nao|thang nao|nam nao|when|what date|which date|which day)\b")
_DATE = re.compile(
    r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b(?:ngay|thang|nam)\s+\d|\b(?:19|20)\d{2}\b|"
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\b"
)
UNIT_BONUS = 0.5
"""Added to a sentence holding a figure followed by what the question counts ("25 nhiệm vụ" for "gồm bao nhiêu
nhiệm vụ?"): that sentence states the asked quantity, however many other question words another one holds."""
DATE_BONUS = 0.3
"""Added to a sentence holding a date ("11/11/2024", "ngày 4", "tháng 10", "2024") when the question asks when."""


def asked_unit(question: str) -> str | None:
    """What a quantity question counts, folded: the words after "bao nhiêu"/"how many" that are not question
    words ("phần trăm", "hồ sơ", "tasks"); None for another question."""
    match = _ASKED_UNIT.search(fold(question))
    if match is None:
        return None
    words = [word for word in match.group(1).split() if word not in QUESTION_WORDS]
    return " ".join(words) or None


def quantity_bonus(terms: _Terms, text: str) -> float:
    """UNIT_BONUS when `text` holds a figure followed (within two words) by the counted unit; DATE_BONUS when
    the question asks when and `text` holds a date."""
    plain = fold(text)
    bonus = 0.0
    if terms.unit and re.search(rf"\d[\d.,/%]*(?:\s+\S+){{0,2}}?\s+{re.escape(terms.unit)}\b", plain):
        bonus += UNIT_BONUS
    if terms.wants_date and _DATE.search(plain):
        bonus += DATE_BONUS
    return bonus


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


def answer(
    question: str, hits: list[SearchHit], *, language: str = "vi", limit: int = PASSAGES, semantic: bool = False
) -> Answer:
    """Answer `question` from `hits` (best first): the best sentence(s) quoted, up to `limit` passages cited
    in rank order, each transcript turn in one citation only (assistant.passages.distinct).

    Sentences are scored by the question words and word pairs they hold (accent-folded, so unaccented
    questions work) plus their passage's retrieval score. When no passage holds enough of the question
    (coverage below MIN_COVERAGE) the answer says the materials do not say, in `language` ("vi"/"en"), and
    still cites the passages that bear on it (coverage BEARS or more). A question about a discussion whose
    best passage is a transcript is answered by assistant.discussion's summary instead.
    """
    passages = distinct(hits)
    bearing = partial(bears, semantic=semantic)
    if is_discussion(question) and passages and passages[0].hit.chunk.kind == TRANSCRIPT:
        return _discussion_answer(question, passages, language, limit, bearing)
    top = [passage.hit for passage in passages[:PASSAGES]]
    if not top or max(hit.coverage for hit in top) < MIN_COVERAGE or not any(map(bearing, passages[:PASSAGES])):
        return _not_found(question, passages, language, limit, bearing)
    terms = _question_terms(question)
    words = set(terms.folded)
    best_per_hit = [_best_sentence(hit, terms) for hit in top]
    ranked = sorted(best_per_hit, key=lambda sentence: -sentence.score)
    chosen = [ranked[0]]
    if len(ranked) > 1 and ranked[1].score >= _SECOND_SENTENCE * ranked[0].score:
        chosen.append(ranked[1])
    if _CAUSAL.search(fold(question)):
        chosen = [_with_next_sentence(sentence) for sentence in chosen]
    if terms.unit or terms.wants_date:
        chosen = [_with_figure(sentence, terms) for sentence in chosen]
    text = " ".join(_distinct(_one_line(sentence.text[sentence.start : sentence.end]) for sentence in chosen))
    quoted = {sentence.hit.chunk.id: sentence for sentence in chosen}
    citations = []
    room = limit - len(quoted)
    for passage in passages:
        sentence = quoted.get(passage.hit.chunk.id)
        if sentence is None:
            if room <= 0 or not (passage.hit.coverage >= ALSO_CITED or bearing(passage)):
                continue
            room -= 1
            sentence = _best_sentence(passage.hit, terms)
        citations.append(_cite(passage, snippet(sentence.text, sentence.start, sentence.end, words)))
    return Answer(text=text, found=True, citations=citations)


def _cite(passage: Passage, quoted: str) -> Citation:
    hit = passage.hit
    return Citation(
        doc_id=hit.chunk.doc_id,
        page=hit.chunk.page,
        snippet=quoted,
        score=round(hit.score, 4),
        chunk_id=hit.chunk.id,
        first_turn=passage.first,
        last_turn=passage.last,
    )


def bears(passage: Passage, *, semantic: bool = False) -> bool:
    """Whether `passage` bears on the question enough to be shown: it covers BEARS of the question's words;
    for an English question (`semantic`: the model reads it well) with the passage's vector at hand, its
    cosine is DENSE_BEARS or more instead and it holds at least one of the question's words, or it covers
    LEXICAL_BEARS."""
    hit = passage.hit
    if semantic and hit.dense != 0.0:
        return hit.dense >= DENSE_BEARS and hit.coverage > 0 or hit.coverage >= LEXICAL_BEARS
    return hit.coverage >= BEARS


def _not_found(
    question: str, passages: list[Passage], language: str, limit: int, bearing: Callable[[Passage], bool]
) -> Answer:
    """The materials do not say; the passages that bear on the question, if any, in rank order."""
    shown = [passage for passage in passages if bearing(passage)][:limit]
    messages = MAY_HELP if shown else NOT_FOUND
    citations = [_cite(passage, quote(question, passage.hit)) for passage in shown]
    return Answer(text=messages.get(language, messages["vi"]), found=False, citations=citations)


def _discussion_answer(
    question: str, passages: list[Passage], language: str, limit: int, bearing: Callable[[Passage], bool]
) -> Answer:
    """A summary of what the passages say on the question's subject, each sentence followed by the number
    of its citation; the named speaker's turns first when the question names one. Found when one of the
    best passages bears on the subject; the passages that hold a word of it are then cited in rank order,
    and summarised by their sentences on it."""
    named = named_speakers(question, {speaker for p in passages for speaker in p.hit.chunk.speaker.split(", ")})
    if named:
        passages = by_speakers(question, passages, named)
        bearing = partial(_bears_or_said_by, bearing, named, speaker_terms(question, named))
    if not any(bearing(p) for p in passages[:PASSAGES]):
        return _not_found(question, passages, language, limit, bearing)
    # once the discussion is found, its other passages that hold a word of it follow in rank order
    shown = [p for p in passages if p.hit.coverage > 0 or bearing(p)][:limit]
    summary = summarise(question, shown, limit, named)
    if not summary:
        return _not_found(question, passages, language, limit, bearing)
    by_passage = {sentence.passage: sentence for sentence in summary}
    words = set(_question_terms(subject(question)).folded)
    citations = []
    for index, passage in enumerate(shown):
        text, sentence = passage.hit.chunk.text, by_passage.get(index)
        quoted = snippet(text, *_span_of(text, sentence.text), words) if sentence else quote(question, passage.hit)
        citations.append(_cite(passage, quoted))
    lines = [f"{s.speaker}: " * bool(s.speaker) + f"{s.text} [{s.passage + 1}]" for s in summary]
    return Answer(text=" ".join(lines), found=True, citations=citations)


def _bears_or_said_by(bearing: Callable[[Passage], bool], named: set[str], terms: set[str], passage: Passage) -> bool:
    """Whether `passage` bears on a question naming `named` speakers of the meeting: as any passage does, or
    covering BEARS of the question where a named speaker says a word of its subject. A question naming someone
    who speaks in the meeting is about it, so that person saying its subject is evidence the cosine can miss
    ("What did Karen Cornish think about the budget…", cosine 0.36)."""
    return bearing(passage) or passage.hit.coverage >= BEARS and speaker_group(passage, named, terms) == 0


def _span_of(text: str, sentence: str) -> tuple[int, int]:
    """Where `sentence` (whitespace collapsed) sits in `text`; the whole text when it cannot be found."""
    pattern = r"\s+".join(re.escape(word) for word in sentence.split())
    match = re.search(pattern, text) if pattern else None
    return (match.start(), match.end()) if match else (0, len(text))


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
    unit: str | None = None
    """Folded: what a quantity question counts ("nhiem vu" of "gồm bao nhiêu nhiệm vụ?", "tasks" of "how many")."""
    wants_date: bool = False

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
        unit=asked_unit(question),
        wants_date=_DATE_QUESTION.search(fold(question)) is not None,
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
        score += quantity_bonus(terms, text)
        if terms.wants_number and _NUMBER.search(text):
            score += NUMBER_BONUS
        if best is None or score > best.score:
            best = _Sentence(hit=hit, start=shift + start, end=shift + end, score=score)
    assert best is not None
    return best


FIGURE_REACH = 2
"""Sentences after (or one before) a quoted sentence searched for the asked figure or date."""


def _with_figure(sentence: _Sentence, terms: _Terms) -> _Sentence:
    """`sentence` stretched to the nearest sentence of its passage that states the asked quantity or date
    (quantity_bonus), when it does not itself: "Đề án gồm nhiều nhiệm vụ… Tổng cộng có 25 nhiệm vụ." """
    if quantity_bonus(terms, sentence.text[sentence.start : sentence.end]) > 0:
        return sentence
    spans = sentences(sentence.text)
    after = [span for span in spans if span[0] >= sentence.end][:FIGURE_REACH]
    before = [span for span in spans if span[1] <= sentence.start][-1:]
    for start, end in after + before:
        if quantity_bonus(terms, sentence.text[start:end]) > 0:
            return replace(sentence, start=min(start, sentence.start), end=max(end, sentence.end))
    return sentence


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
