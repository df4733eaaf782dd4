"""Transcripts as speaker turns: parse plain text, WebVTT and SRT.

A turn is one speaker's stretch of speech, with its time when the format
carries it. Consecutive cues of the same speaker (subtitles cut speech into
short cues) are joined into one turn. Pure functions: the server hands in the
text, gets back plain dataclasses.

Formats:

- plain: ``Speaker: text`` lines; a line without a speaker continues the turn
  before it; an optional leading time ``[hh:mm:ss]`` or ``hh:mm:ss`` gives the
  turn's start.
- WebVTT: ``WEBVTT`` header, cues ``00:01.000 --> 00:04.000``, the speaker in a
  voice tag ``<v Speaker>`` or as a ``Speaker:`` prefix.
- SRT: numbered cues ``00:00:01,000 --> 00:00:04,000``, ``Speaker:`` prefixes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.chunk import Chunk
from assistant.embed import token_counter

FORMATS = ("text", "vtt", "srt")
MAX_SPEAKER_CHARS = 160
MAX_SPEAKER_WORDS = 12
"""Words in a plain-text speaker label at most: a name with its title and unit, not a sentence."""
SHORT_LABEL_WORDS = 3
"""A label this short is a speaker whatever its case (a username, "thư ký"); a longer one must read as a name."""


class InvalidTranscript(ValueError):
    """The text is not a transcript this module can read; ``message_en``/``message_vi`` say why."""

    def __init__(self, message_en: str, message_vi: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_vi = message_vi


@dataclass(frozen=True)
class Turn:
    """One speaker's turn; times in milliseconds from the start of the recording (None: not given)."""

    speaker: str
    text: str
    start_ms: int | None = None
    end_ms: int | None = None


_CUE_TIME = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")
# "Speaker:" alone starts a turn whose text is on the lines below
_SPEAKER = re.compile(rf"^(?P<speaker>[^:\n]{{1,{MAX_SPEAKER_CHARS}}}?)\s*:(?:\s+(?P<text>.*))?$")
_BRACKETED = re.compile(r"\([^()]*\)")
_PLAIN_TIME = re.compile(r"^\s*\[?(?P<time>(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\]?\s+(?P<rest>.*)$")


def parse_time(value: str) -> int:
    """``hh:mm:ss.mmm``, ``mm:ss.mmm`` (``,`` for SRT) or without the fraction, in milliseconds."""
    main, _, fraction = value.replace(",", ".").partition(".")
    parts = [int(p) for p in main.split(":")]
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds * 1000 + (int(fraction.ljust(3, "0")[:3]) if fraction else 0)


def format_time(ms: int | None) -> str:
    """Milliseconds as ``hh:mm:ss`` (empty for None)."""
    if ms is None:
        return ""
    seconds = ms // 1000
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def detect_format(filename: str, text: str) -> str:
    """``vtt``, ``srt`` or ``text``: the file's extension first, then its content."""
    lower = filename.lower()
    for fmt, ext in (("vtt", ".vtt"), ("srt", ".srt"), ("text", ".txt")):
        if lower.endswith(ext):
            return fmt
    head = text.lstrip("\ufeff").lstrip()
    if head.startswith("WEBVTT"):
        return "vtt"
    if any(_CUE_TIME.match(line) for line in head.splitlines()[:20]):
        return "srt"
    return "text"


def parse(text: str, fmt: str) -> list[Turn]:
    """The turns of a transcript in format ``fmt`` (one of ``FORMATS``); raises InvalidTranscript."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise InvalidTranscript("The file is not text", "Tệp không phải văn bản")
    if fmt == "vtt":
        if not text.lstrip().startswith("WEBVTT"):
            raise InvalidTranscript("A WebVTT file starts with WEBVTT", "Tệp WebVTT phải bắt đầu bằng WEBVTT")
        turns = _merge(_cues(text))
    elif fmt == "srt":
        turns = _merge(_cues(text))
    elif fmt == "text":
        turns = _plain(text)
    else:
        raise InvalidTranscript(f"Unknown transcript format {fmt!r}", f"Định dạng biên bản ghi lời không rõ: {fmt!r}")
    if not turns:
        raise InvalidTranscript(
            "No speaker turns found: write one 'Speaker: text' per turn (or WebVTT/SRT cues with speakers)",
            "Không tìm thấy lượt phát biểu nào: mỗi lượt một dòng 'Người nói: nội dung' (hoặc WebVTT/SRT có người nói)",
        )
    return turns


def _split_speaker(line: str) -> tuple[str | None, str]:
    voice = _VOICE.search(line)
    if voice:
        speaker = voice.group(1).strip()
        return speaker, _clean(_TAG.sub("", line[voice.end() :]))
    match = _SPEAKER.match(_clean(_TAG.sub("", line)))
    if match and not match.group("speaker").strip().isdigit():
        return match.group("speaker").strip(), (match.group("text") or "").strip()
    return None, _clean(_TAG.sub("", line))


def _clean(text: str) -> str:
    return " ".join(text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").split())


def _cues(text: str) -> list[Turn]:
    """Every cue's lines as (speaker, text) with the cue's time; a cue without a speaker keeps the last one."""
    turns: list[Turn] = []
    speaker: str | None = None
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.split("\n") if line.strip()]
        timing = next((i for i, line in enumerate(lines) if _CUE_TIME.match(line)), None)
        if timing is None:
            continue  # header, NOTE, STYLE, REGION blocks
        match = _CUE_TIME.match(lines[timing])
        assert match is not None
        start, end = parse_time(match.group("start")), parse_time(match.group("end"))
        for line in lines[timing + 1 :]:
            said_by, said = _split_speaker(line)
            speaker = said_by or speaker
            if said:
                turns.append(Turn(speaker or "", said, start, end))
    if turns and not any(t.speaker for t in turns):
        raise InvalidTranscript(
            "The cues name no speaker: use <v Speaker> or 'Speaker: text'",
            "Các đoạn không ghi người nói: dùng <v Người nói> hoặc 'Người nói: nội dung'",
        )
    return [t for t in turns if t.speaker]


def _merge(cues: list[Turn]) -> list[Turn]:
    turns: list[Turn] = []
    for cue in cues:
        if turns and turns[-1].speaker == cue.speaker:
            last = turns[-1]
            turns[-1] = Turn(last.speaker, f"{last.text} {cue.text}", last.start_ms, cue.end_ms)
        else:
            turns.append(cue)
    return turns


def looks_like_speaker(label: str) -> bool:
    """Whether ``label`` (the text before a line's first colon) reads as a speaker's name or title.

    A short label ("del1", "thư ký", "Speaker 2") is one; a longer name or title is mostly capitalised
    ("Chủ tịch Nguyễn Văn A", "Đồng chí Trần Thị C, Phó Chủ tịch UBND"), with any role in brackets after
    it; a sentence that happens to hold a colon ("The plan has three parts: ...") is not, and its line
    continues the current turn. A label already seen as a speaker is always one.
    """
    words = _BRACKETED.sub(" ", label).split()  # "(Minister of ...)" is a role, however long
    if not words or len(words) > MAX_SPEAKER_WORDS or label.isdigit() or label[-1] in ".,;!?":
        return False
    if len(words) <= SHORT_LABEL_WORDS:
        return True
    capitalised = sum(1 for word in words if word[0].isupper() or word[0].isdigit())
    return (words[0][0].isupper() or words[0][0].isdigit()) and 2 * capitalised >= len(words)


def _plain(text: str) -> list[Turn]:
    turns: list[Turn] = []
    speakers: set[str] = set()
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        start: int | None = None
        timed = _PLAIN_TIME.match(line)
        if timed:
            start, line = parse_time(timed.group("time")), timed.group("rest").strip()
        match = _SPEAKER.match(line)
        label = match.group("speaker").strip() if match else ""
        if match and (label in speakers or looks_like_speaker(label)):
            speakers.add(label)
            turns.append(Turn(label, _clean(match.group("text") or ""), start))
        elif turns:
            last = turns[-1]
            turns[-1] = Turn(last.speaker, f"{last.text} {_clean(line)}".strip(), last.start_ms)
        else:
            raise InvalidTranscript(
                "The first line names no speaker: write 'Speaker: text'",
                "Dòng đầu không ghi người nói: hãy viết 'Người nói: nội dung'",
            )
    # a plain turn ends where the next one starts
    return [
        Turn(t.speaker, t.text, t.start_ms, turns[i + 1].start_ms if i + 1 < len(turns) else None)
        for i, t in enumerate(turns)
    ]


DEFAULT_WINDOW = 8
"""Turns per passage at most. On the QMSum committee meetings (bench/transcripts_eval.py) 8 turns every 4 cover a
gold turn in the top 5 for 0.958 of the questions and 0.83 of the gold turns; 4 every 2 give 0.930 and 0.68."""
DEFAULT_STRIDE = 4
"""Turns between the starts of consecutive passages (window - stride turns are shared)."""
MAX_WINDOW_TOKENS = 254
"""Word pieces a passage holds at most: all-MiniLM-L6-v2 reads 256 with its [CLS] and [SEP], and cuts the rest
without a word, so a window stops at the turn that would pass this, and a longer turn is cut into parts."""


@dataclass(frozen=True)
class _Line:
    """One ``Speaker: text`` line of a passage: a whole turn, or a part of a turn too long for one passage."""

    turn: int
    part: int
    text: str
    tokens: int


def chunk_turns(
    transcript_id: int,
    turns: list[Turn],
    window: int = DEFAULT_WINDOW,
    stride: int = DEFAULT_STRIDE,
    count_tokens: Callable[[str], int] | None = None,
    max_tokens: int = MAX_WINDOW_TOKENS,
) -> list[Chunk]:
    """Passages of up to `window` consecutive turns and `max_tokens` word pieces (by `count_tokens`; None: the
    bundled model's tokenizer), a new one every `stride` turns (fewer when the passages are short of turns),
    each line ``Speaker: text`` (the speaker's name is searchable: "what did the minister say"). A turn longer
    than `max_tokens` is cut between words into parts, each a passage of its own. A chunk's ``start``/``end``
    are the positions of its first turn and one past its last; ``page`` is ``start + 1``."""
    if window < 1 or not 1 <= stride <= window:
        raise ValueError("window must be positive and stride within 1..window")
    count = count_tokens or default_token_counter()
    lines = [line for position, turn in enumerate(turns) for line in _lines(position, turn, count, max_tokens)]
    chunks: list[Chunk] = []
    first = 0
    while first < len(lines):
        last, tokens = first + 1, lines[first].tokens
        while last < len(lines) and last - first < window and _joins(lines, last, tokens, max_tokens):
            tokens += lines[last].tokens
            last += 1
        part = lines[first:last]
        chunks.append(_window_chunk(transcript_id, turns, part))
        if last == len(lines):
            break
        # a window cut short by its tokens moves on by half of itself, so consecutive ones still overlap
        taken = last - first
        first += stride if taken == window else min(stride, max(1, (taken + 1) // 2))
    return chunks


def _joins(lines: list[_Line], at: int, tokens: int, max_tokens: int) -> bool:
    """Whether line `at` fits the window before it: within the tokens, and not a second part of a turn (so
    a window's n-th line is always its n-th turn)."""
    return tokens + lines[at].tokens <= max_tokens and lines[at].turn != lines[at - 1].turn


_ANNOTATION = re.compile(r"\{\w+\}")
"""A transcriber's note between braces in place of speech: ``{disfmarker}``, ``{vocalsound}``, ``{pause}``, ``{gap}``
(ICSI and AMI meetings carry one every few words). Not what was said: left out of passages, where it would take
word pieces of the model's 256 and read as a word of every turn."""


def spoken(text: str) -> str:
    """`text` without transcriber's annotations, whitespace collapsed."""
    return " ".join(_ANNOTATION.sub(" ", text).split())


def _lines(position: int, turn: Turn, count: Callable[[str], int], max_tokens: int) -> list[_Line]:
    text = f"{turn.speaker}: {spoken(turn.text)}"
    tokens = count(text)
    if tokens <= max_tokens:
        return [_Line(position, 0, text, tokens)]
    parts: list[_Line] = []
    words = spoken(turn.text).split()
    label = f"{turn.speaker}:"
    current: list[str] = []
    for word in words:
        candidate = " ".join([label, *current, word])
        if current and count(candidate) > max_tokens:
            line = " ".join([label, *current])
            parts.append(_Line(position, len(parts), line, count(line)))
            current = []
        current.append(word)
    if current:
        line = " ".join([label, *current])
        parts.append(_Line(position, len(parts), line, count(line)))
    return parts


def _window_chunk(transcript_id: int, turns: list[Turn], part: list[_Line]) -> Chunk:
    start, end = part[0].turn, part[-1].turn + 1
    suffix = f".{part[0].part}" if part[0].part else ""
    speakers = list(dict.fromkeys(turns[line.turn].speaker for line in part))
    return Chunk(
        id=f"transcript:{transcript_id}:{start}{suffix}",
        doc_id=transcript_id,
        version=1,
        page=start + 1,
        start=start,
        end=end,
        text="\n".join(line.text for line in part),
        kind="transcript",
        speaker=", ".join(speakers),
        start_ms=turns[start].start_ms,
        end_ms=turns[end - 1].end_ms,
    )


_WORD_PIECE = re.compile(r"\w+|[^\w\s]")


@functools.cache
def default_token_counter() -> Callable[[str], int]:
    """Word pieces as the bundled model counts them; without the model, an estimate that counts a piece per
    word or mark and one more per three of its letters (generous: a passage so cut fits the model)."""
    try:
        return token_counter(None)
    except (FileNotFoundError, ImportError, OSError):
        return _estimate_tokens


def _estimate_tokens(text: str) -> int:
    return sum(1 + len(piece) // 3 for piece in _WORD_PIECE.findall(text))
