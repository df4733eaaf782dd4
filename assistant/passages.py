"""Retrieved passages as an answer cites them: each transcript turn once.

Transcript windows overlap (assistant.transcript.chunk_turns), so the best few hits for a question are often
the same turns seen through neighbouring windows. `distinct` keeps the hits in rank order and gives each
transcript window the span of turns no better-ranked window already stands for; a window with none left
is dropped, so the places go to other parts of the meeting.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.retriever import SearchHit

TRANSCRIPT = "transcript"


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
    run of turns that no better window holds, and is dropped when it has none."""
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
        passages.append(Passage(_narrowed(hit, *run), run[0], run[1]))
    return passages


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
