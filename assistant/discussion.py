"""Questions about a discussion, answered with a short query-focused extractive summary.

"What was said about X", "what did <speaker> say about X", "summarise the discussion on X", "why did they
decide X": no single sentence answers these, several turns do. The summary takes from each of the best
passages (distinct turns, see assistant.passages) the sentence that holds most of the question's subject,
preferring the named speaker's turns when the question names one, and cites each sentence's passage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.lexical import QUESTION_WORDS
from assistant.passages import Passage
from assistant.text import fold, sentences, syllables

_DISCUSSION = re.compile(
    r"\b(discuss\w*|talk\w*|said|say|says|mention\w*|summari[sz]\w*|summary|opinions?|views?|think|thought|"
    r"argu\w*|debat\w*|propos\w*|suggest\w*|decid\w*|decision|why|reasons?|"
    r"thao luan|trao doi|phat bieu|y kien|tom tat|noi gi|vi sao|tai sao|ly do)\b"
)
_FRAME_WORDS = """
    discuss discussed discussing discussion discussions talk talked talking talks say said says saying mention
    mentioned mentions summarise summarize summarised summarized summary opinion opinions view views think
    thought thoughts argue argued debate debated propose proposed suggest suggested decide decided decision
    reason reasons group team meeting members member everyone people they them their he she his her
    give gave regarding concerning related during whole overall according
"""
FRAME_WORDS = frozenset(_FRAME_WORDS.split())
"""Words that frame an English discussion question rather than name its subject."""
FRAME_PAIRS = frozenset(
    [("thao", "luan"), ("trao", "doi"), ("phat", "bieu"), ("y", "kien"), ("tom", "tat"), ("cuoc", "hop")]
)
"""Accent-folded Vietnamese word pairs that do the same ("thảo luận", "ý kiến"): alone, their syllables are
often content ("chuyển đổi")."""
MIN_SENTENCE_WORDS = 4
"""A shorter sentence ("Yeah.", "Okay, right.") says nothing a summary needs, unless nothing longer matches."""
SPEAKER_BONUS = 1.0
"""Added to a sentence's score when its turn is the named speaker's: more than any match gives, so in a
passage where the named speaker says something on the subject, that is what the summary takes."""
_SPEAKER_NOISE = frozenset({"am", "mp", "ms", "mr", "mrs", "dr", "the", "of"})


def is_discussion(question: str) -> bool:
    """Whether `question` asks about a discussion (what was said, by whom, why, a summary) rather than a fact."""
    return _DISCUSSION.search(fold(question)) is not None


def subject(question: str) -> str:
    """`question` without the words that frame it as a discussion question: what it is about."""
    words = syllables(question)
    folded = [fold(word) for word in words]
    framed: set[int] = set()
    for at, pair in enumerate(zip(folded, folded[1:], strict=False)):
        if pair in FRAME_PAIRS:
            framed.update((at, at + 1))
    kept = [word for at, word in enumerate(words) if at not in framed and folded[at] not in FRAME_WORDS]
    return " ".join(kept) if kept else question


def named_speakers(question: str, speakers: Iterable[str]) -> set[str]:
    """The `speakers` the question names: every word of the label (titles such as "AM" aside) in it. A label
    of one or two letters ("A", "F") must be there as written: "a" in "what did a think" is no name."""
    words = {fold(word) for word in syllables(question)}
    as_written = set(re.findall(r"[^\W_]+", question))
    named = set()
    for speaker in speakers:
        label = {fold(word) for word in syllables(speaker)} - _SPEAKER_NOISE
        if len(speaker.strip()) <= 2:
            if speaker.strip() in as_written:
                named.add(speaker)
        elif label and label <= words:
            named.add(speaker)
    return named


@dataclass(frozen=True)
class SummarySentence:
    """A sentence of a discussion summary and the passage (index into the passages given) it is cited from."""

    text: str
    passage: int
    turn: int | None
    speaker: str
    score: float


def summarise(
    question: str, passages: list[Passage], limit: int, speakers: set[str] | None = None
) -> list[SummarySentence]:
    """At most `limit` sentences, one from each of the first passages that hold some of the question's
    subject, in the meeting's order (by turn, then passage rank); the named `speakers`' turns preferred."""
    terms = _content(subject(question))
    if not terms:
        return []
    chosen: list[SummarySentence] = []
    for index, passage in enumerate(passages):
        best = _best(passage, index, terms, speakers or set())
        if best is not None:
            chosen.append(best)
        if len(chosen) == limit:
            break
    return sorted(chosen, key=lambda s: (s.turn if s.turn is not None else -1, s.passage))


def _content(text: str) -> set[str]:
    return {fold(word) for word in syllables(text)} - QUESTION_WORDS


def _best(passage: Passage, index: int, terms: set[str], speakers: set[str]) -> SummarySentence | None:
    best: SummarySentence | None = None
    for turn, line in passage.turn_lines():
        speaker, said = _split_line(line, passage.hit.chunk.kind)
        bonus = SPEAKER_BONUS if speaker in speakers else 0.0
        for start, end in sentences(said) or [(0, len(said))]:
            text = " ".join(said[start:end].split())
            words = [fold(word) for word in syllables(text)]
            matched = len(terms & set(words))
            if not matched:
                continue
            short = 0.5 if len(words) < MIN_SENTENCE_WORDS else 0.0
            score = matched / len(terms) + bonus - short + 0.25 * passage.hit.score
            if best is None or score > best.score:
                best = SummarySentence(text=text, passage=index, turn=turn, speaker=speaker, score=score)
    return best


def _split_line(line: str, kind: str) -> tuple[str, str]:
    """A transcript line's speaker and words (a passage of another kind has no speaker)."""
    if kind != "transcript":
        return "", line
    speaker, colon, said = line.partition(": ")
    return (speaker, said) if colon else ("", line)
