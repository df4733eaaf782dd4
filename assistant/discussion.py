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
    of one or two letters ("A", "F") must be there as written: "a" in "what did a think" is no name.

    When no whole label is named, a part of one that no other speaker's label has, capitalised as a name in
    the question and not its first word, names that speaker: "F" of "PhD F", "the Professor" of "Professor B",
    "Hùng" of "Nguyễn Văn Hùng". A part in lower case ("what did the project cost") names nobody."""
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
    return named or _named_by_part(question, speakers)


def _named_by_part(question: str, speakers: Iterable[str]) -> set[str]:
    """The speakers named by a part of their label alone (see named_speakers)."""
    capitalised = {word for word in re.findall(r"[^\W_]+", question)[1:] if word[0].isupper()}
    owners: dict[str, set[str]] = {}
    for speaker in speakers:
        for part in set(re.findall(r"[^\W_]+", speaker)):
            if fold(part) not in _SPEAKER_NOISE:
                owners.setdefault(part, set()).add(speaker)
    return {speaker for part, owned in owners.items() if part in capitalised and len(owned) == 1 for speaker in owned}


def by_speakers(question: str, passages: list[Passage], named: set[str]) -> list[Passage]:
    """`passages` with those where a `named` speaker says something on the question's subject first, then
    those where one speaks at all, then the rest, each group in rank order. In a meeting where the named
    person speaks every few turns, being in a passage says little; saying the subject's words does."""
    terms = speaker_terms(question, named)
    return sorted(passages, key=lambda passage: speaker_group(passage, named, terms))


def speaker_terms(question: str, named: set[str]) -> set[str]:
    """The question's subject words, folded, less the words of the `named` speakers' labels."""
    label_words = {fold(word) for speaker in named for word in syllables(speaker)}
    return _content(subject(question)) - label_words


def speaker_group(passage: Passage, named: set[str], terms: set[str]) -> int:
    """0 when a `named` speaker says one of `terms` (speaker_terms) in `passage`, 1 when one speaks in it
    without, 2 when none speaks in it."""
    lines = [_split_line(line, passage.hit.chunk.kind) for _, line in passage.turn_lines()]
    own = [said for speaker, said in lines if speaker in named]
    if any(terms & {fold(word) for word in syllables(said)} for said in own):
        return 0
    return 1 if own else 2


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
    """At most `limit` sentences on the question's subject, in the meeting's order (by turn, then passage
    rank): first the best of each of the first passages that hold some of it, then, while there is room,
    each passage's next best from other turns in rank order (a passage of joined windows holds a minute or
    two of talk); the named `speakers`' turns preferred."""
    terms = _content(subject(question))
    if not terms:
        return []
    ranked = [_ranked(passage, index, terms, speakers or set()) for index, passage in enumerate(passages)]
    chosen = [sentences[0] for sentences in ranked if sentences][:limit]
    more = [sentence for sentences in ranked for sentence in sentences[1:]]
    chosen += more[: limit - len(chosen)]
    return sorted(chosen, key=lambda s: (s.turn if s.turn is not None else -1, s.passage))


def _content(text: str) -> set[str]:
    return {fold(word) for word in syllables(text)} - QUESTION_WORDS


def _ranked(passage: Passage, index: int, terms: set[str], speakers: set[str]) -> list[SummarySentence]:
    """The passage's best sentence on `terms` from each turn that holds one, best first."""
    per_turn: dict[int | None, SummarySentence] = {}
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
            best = per_turn.get(turn)
            if best is None or score > best.score:
                per_turn[turn] = SummarySentence(text=text, passage=index, turn=turn, speaker=speaker, score=score)
    return sorted(per_turn.values(), key=lambda sentence: -sentence.score)


def _split_line(line: str, kind: str) -> tuple[str, str]:
    """A transcript line's speaker and words (a passage of another kind has no speaker)."""
    if kind != "transcript":
        return "", line
    speaker, colon, said = line.partition(": ")
    return (speaker, said) if colon else ("", line)
