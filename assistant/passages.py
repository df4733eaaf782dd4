"""Retrieved passages as an answer cites them: each transcript turn once.

Transcript windows overlap (assistant.transcript.chunk_turns), so the best few hits for a question are often
the same turns seen through neighbouring windows. `distinct` keeps the hits in rank order and gives each
transcript window the span of turns no better-ranked window already stands for; a window with none left
is dropped, and one whose new turns continue a better passage joins it (up to MAX_SPAN turns), so the places
go to other parts of the meeting.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.retriever import SearchHit

TRANSCRIPT = "transcript"
MAX_SPAN = 16
"""Turns a transcript passage stands for at most when neighbouring windows join it: two windows' worth
(assistant.transcript.DEFAULT_WINDOW), about a minute or two of a meeting's talk."""


@dataclass(frozen=True)
class Passage:
    """A retrieved hit and, for a transcript window, the turns it stands for in an answer."""

    hit: SearchHit
    """The hit; a transcript window's chunk narrowed to the span (its text, start, end and speakers)."""
    first: int | None = None
    """Transcript: position of the first turn of the span (None: not a transcript)."""
    last: int | None = None
    """Transcript: position of the last turn of the span, inclusive."""

    def turn_lines(self) -> list[tuple[int | None, str]]:
        """The passage's lines with the turn each holds (None for a passage that is not a transcript)."""
        if self.first is None:
            return [(None, self.hit.chunk.text)]
        return [(self.first + offset, line) for offset, line in enumerate(self.hit.chunk.text.split("\n"))]


def distinct(hits: list[SearchHit]) -> list[Passage]:
    """`hits` (best first) as passages, each transcript turn in one of them only: a window keeps its longest
    run of turns that no better window holds, and is dropped when it has none; a run that continues a better
    passage of the same transcript (the turn before its first or after its last) joins it while the two stay
    within MAX_SPAN turns."""
    taken: dict[int, set[int]] = {}
    passages: list[Passage] = []
    for hit in hits:
        chunk = hit.chunk
        if chunk.kind != TRANSCRIPT:
            passages.append(Passage(hit))
            continue
        seen = taken.setdefault(chunk.doc_id, set())
        run = _longest_run([turn for turn in range(chunk.start, chunk.end) if turn not in seen])
        if run is None:
            continue
        seen.update(range(run[0], run[1] + 1))
        at = _continued(passages, chunk.doc_id, run)
        if at is None:
            passages.append(Passage(_narrowed(hit, *run), run[0], run[1]))
        else:
            passages[at] = _joined(passages[at], _narrowed(hit, *run), run)
    return passages


def _continued(passages: list[Passage], doc_id: int, run: tuple[int, int]) -> int | None:
    """The index of the passage of transcript `doc_id` that `run` continues within MAX_SPAN, if any."""
    for at, passage in enumerate(passages):
        if passage.first is None or passage.last is None or passage.hit.chunk.doc_id != doc_id:
            continue
        touches = run[0] == passage.last + 1 or run[1] == passage.first - 1
        if touches and max(run[1], passage.last) - min(run[0], passage.first) + 1 <= MAX_SPAN:
            return at
    return None


def _joined(passage: Passage, extra: SearchHit, run: tuple[int, int]) -> Passage:
    """`passage` with the turns of `extra` (its window narrowed to `run`, which continues it) added on the side
    they fall; the passage keeps its rank and score."""
    chunk, more = passage.hit.chunk, extra.chunk
    after = run[0] > (passage.last or 0)
    first, second = (chunk, more) if after else (more, chunk)
    speakers = list(dict.fromkeys([*first.speaker.split(", "), *second.speaker.split(", ")]))
    joined = replace(
        chunk,
        text=f"{first.text}\n{second.text}",
        page=first.page,
        start=first.start,
        end=second.end,
        speaker=", ".join(speaker for speaker in speakers if speaker),
        start_ms=first.start_ms,
        end_ms=second.end_ms,
    )
    return Passage(replace(passage.hit, chunk=joined), first.start, second.end - 1)


def _narrowed(hit: SearchHit, first: int, last: int) -> SearchHit:
    """`hit` with its window cut to turns `first`..`last` (a window's n-th line is its n-th turn)."""
    chunk = hit.chunk
    if (first, last + 1) == (chunk.start, chunk.end):
        return hit
    lines = chunk.text.split("\n")[first - chunk.start : last - chunk.start + 1]
    speakers = list(dict.fromkeys(line.partition(": ")[0] for line in lines))
    text = "\n".join(lines)
    return replace(hit, chunk=replace(chunk, text=text, start=first, end=last + 1, speaker=", ".join(speakers)))


def _longest_run(turns: list[int]) -> tuple[int, int] | None:
    """The longest run of consecutive numbers in ascending `turns`, as (first, last)."""
    best: tuple[int, int] | None = None
    start = previous = None
    for turn in [*turns, None]:
        if turn is not None and previous is not None and turn == previous + 1:
            previous = turn
            continue
        if start is not None and previous is not None and (best is None or previous - start > best[1] - best[0]):
            best = (start, previous)
        start = previous = turn
    return best
