"""Readable prose for each item's discussion, from a local model (``ICABINET_LLM_BASE_URL``), given only the
record's lines. A reply is taken only when it keeps every figure and every speaker's name of the lines it
replaces; otherwise (or with no model, or on any failure) the extractive lines stay. Evidence is kept: the
paragraph carries the evidence of every line it replaces."""

from __future__ import annotations

import asyncio
import re

from assistant.minutes_content import Line, MinutesContent
from server.assistant.llm import ChatPhraser

CONCURRENT = 2
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
INSTRUCTIONS = {
    "vi": (
        "Bạn là thư ký cuộc họp. Viết lại các ý kiến phát biểu dưới đây thành một đoạn văn biên bản "
        "trang trọng, bằng tiếng Việt, theo thứ tự phát biểu. Chỉ dùng nội dung được cung cấp, không thêm "
        "ý mới, giữ nguyên mọi con số, ngày tháng và họ tên. Chỉ trả về đoạn văn."
    ),
    "en": (
        "You are the meeting's secretary. Rewrite the speeches below as one formal paragraph of minutes, in "
        "English, in the order they were given. Use only what is given, add nothing, keep every figure, date "
        "and name exactly. Reply with the paragraph only."
    ),
}


def _speaker(line: Line) -> str:
    return line.text.split(" (", 1)[0].split(":", 1)[0].strip()


def _speech_lines(lines: list[Line]) -> list[int]:
    return [
        index
        for index, line in enumerate(lines)
        if line.style == "bullet" and any(e.kind in ("speech", "transcript") for e in line.evidence)
    ]


def keeps_the_record(reply: str, lines: list[Line]) -> bool:
    """Every figure and every speaker's name of `lines` is in `reply`."""
    source = " ".join(line.text for line in lines)
    figures = set(_FIGURE.findall(source))
    names = {_speaker(line) for line in lines}
    return all(figure in reply for figure in figures) and all(name in reply for name in names if name)


async def phrase_discussions(content: MinutesContent, phraser: ChatPhraser) -> int:
    """Replace each item's speech lines with the model's paragraph where it keeps the record; how many
    sections were phrased."""
    system = INSTRUCTIONS.get(content.language, INSTRUCTIONS["vi"])
    limit = asyncio.Semaphore(CONCURRENT)

    async def one(section_index: int) -> bool:
        section = content.sections[section_index]
        indexes = _speech_lines(section.lines)
        if not indexes:
            return False
        lines = [section.lines[i] for i in indexes]
        async with limit:
            reply = await phraser.chat(system, f"{section.heading}\n\n" + "\n".join(f"- {x.text}" for x in lines))
        if not reply or not keeps_the_record(reply, lines):
            return False
        evidence = [e for line in lines for e in line.evidence]
        kept = [line for i, line in enumerate(section.lines) if i not in indexes]
        kept.insert(indexes[0], Line(" ".join(reply.split()), "paragraph", evidence))
        section.lines = kept
        return True

    done = await asyncio.gather(*(one(i) for i, s in enumerate(content.sections) if s.key.startswith("item-")))
    return sum(done)
