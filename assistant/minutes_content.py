"""The content of a Biên bản (minutes) as plain data: what the draft builds, the console edits and the exports render.

The shape follows the Decree 30/2020/NĐ-CP form: a header (issuing body beside the national motto, number
beside place and date), the document kind and title, then sections of lines (time and place, attendance,
one section per agenda item, tasks, closing), signature blocks and the recipients list. Every string is
already in the minutes' language, so renderers never translate. Every line keeps the evidence it was drawn
from (a vote, a speech, a transcript turn, a document page, a conclusion, a task) so a reader can check it.

`to_dict` / `from_dict` are the JSON form stored in the database and sent to the console; `from_dict`
validates, raising `InvalidMinutes` with a reason, so an edit from the network cannot store a broken shape.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

EVIDENCE_KINDS = (
    "meeting",
    "attendance",
    "agenda_item",
    "document",
    "speech",
    "transcript",
    "opinion",
    "poll",
    "conclusion",
    "task",
)
LINE_STYLES = ("paragraph", "bullet", "quote")
MAX_TEXT = 20_000
MAX_LINES = 2_000


class InvalidMinutes(ValueError):
    """The minutes content is not in the expected shape; the message says where."""


@dataclass(frozen=True)
class Evidence:
    """What a line was drawn from: `kind` and the record's `id`, with the page or time where it applies."""

    kind: str
    id: int
    label: str = ""
    page: int | None = None
    start_ms: int | None = None


@dataclass
class Line:
    """One statement of the minutes: a paragraph, a bullet or a quoted speech."""

    text: str
    style: str = "paragraph"
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Section:
    """A heading and its lines; `key` is stable across drafts ("opening", "attendance", "item-12", ...)."""

    key: str
    heading: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class Signature:
    """A signature block: the role (``THƯ KÝ``), the note under it (``(Ký, ghi rõ họ tên)``) and the name."""

    role: str
    note: str
    name: str


@dataclass
class Header:
    """The form's top: left column (parent body, issuing body, number), right column (motto, place and date)."""

    parent_body: str
    issuing_body: str
    number: str
    motto: str
    slogan: str
    dateline: str
    kind: str
    title: str


@dataclass
class MinutesContent:
    """A whole Biên bản: header, sections, signatures and recipients (``Nơi nhận``)."""

    language: str
    header: Header
    sections: list[Section]
    signatures: list[Signature]
    recipients_heading: str = ""
    recipients: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (evidence fields left at their defaults are kept: the shape is fixed)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> MinutesContent:
        """Read and validate the JSON form; raises `InvalidMinutes` naming the first bad field."""
        root = _mapping(data, "content")
        header = _mapping(root.get("header"), "header")
        sections = _list(root.get("sections"), "sections")
        total_lines = 0
        parsed_sections = []
        for s_index, raw_section in enumerate(sections):
            where = f"sections[{s_index}]"
            section = _mapping(raw_section, where)
            lines = []
            for l_index, raw_line in enumerate(_list(section.get("lines", []), f"{where}.lines")):
                lines.append(_line(raw_line, f"{where}.lines[{l_index}]"))
            total_lines += len(lines)
            parsed_sections.append(
                Section(
                    key=_text(section.get("key"), f"{where}.key", limit=80, required=True),
                    heading=_text(section.get("heading", ""), f"{where}.heading"),
                    lines=lines,
                )
            )
        if total_lines > MAX_LINES:
            raise InvalidMinutes(f"at most {MAX_LINES} lines")
        keys = [section.key for section in parsed_sections]
        if len(set(keys)) != len(keys):
            raise InvalidMinutes("section keys must be unique")
        signatures = []
        for index, raw in enumerate(_list(root.get("signatures", []), "signatures")):
            item = _mapping(raw, f"signatures[{index}]")
            signatures.append(
                Signature(
                    role=_text(item.get("role", ""), f"signatures[{index}].role"),
                    note=_text(item.get("note", ""), f"signatures[{index}].note"),
                    name=_text(item.get("name", ""), f"signatures[{index}].name"),
                )
            )
        language = _text(root.get("language", "vi"), "language", limit=8)
        if language not in ("vi", "en"):
            raise InvalidMinutes("language must be 'vi' or 'en'")
        return cls(
            language=language,
            header=Header(**{name: _text(header.get(name, ""), f"header.{name}") for name in _HEADER_FIELDS}),
            sections=parsed_sections,
            signatures=signatures,
            recipients_heading=_text(root.get("recipients_heading", ""), "recipients_heading"),
            recipients=[
                _text(value, f"recipients[{index}]")
                for index, value in enumerate(_list(root.get("recipients", []), "recipients"))
            ],
        )

    @classmethod
    def from_input(cls, data: object) -> MinutesContent:
        """`from_dict` for content typed by a person: also refuses NUL and lone surrogates, which no editor
        types on purpose and no export can hold (every other character is kept; the exports turn a
        vertical tab or form feed into a line break)."""
        content = cls.from_dict(data)
        for where, text in content._strings():
            bad = _UNTYPEABLE.search(text)
            if bad is not None:
                raise InvalidMinutes(
                    f"{where} contains the character U+{ord(bad.group()):04X}, which minutes cannot hold"
                )
        return content

    def _strings(self) -> list[tuple[str, str]]:
        """Every string of the content with where it is, as `from_dict` names places."""
        found = [(f"header.{name}", getattr(self.header, name)) for name in _HEADER_FIELDS]
        found += [("language", self.language), ("recipients_heading", self.recipients_heading)]
        found += [(f"recipients[{i}]", value) for i, value in enumerate(self.recipients)]
        for s_index, section in enumerate(self.sections):
            where = f"sections[{s_index}]"
            found += [(f"{where}.key", section.key), (f"{where}.heading", section.heading)]
            for l_index, line in enumerate(section.lines):
                found.append((f"{where}.lines[{l_index}].text", line.text))
                found += [
                    (f"{where}.lines[{l_index}].evidence[{e}].label", ev.label) for e, ev in enumerate(line.evidence)
                ]
        for index, signature in enumerate(self.signatures):
            found += [(f"signatures[{index}].{name}", getattr(signature, name)) for name in ("role", "note", "name")]
        return found

    def plain_text(self) -> str:
        """Every visible string in reading order, one per line: for search, tests and the assistant's index."""
        head = self.header
        parts = [head.parent_body, head.issuing_body, head.number, head.motto, head.slogan, head.dateline]
        parts += [head.kind, head.title]
        for section in self.sections:
            parts.append(section.heading)
            parts += [line.text for line in section.lines]
        for signature in self.signatures:
            parts += [signature.role, signature.name]
        if self.recipients:
            parts.append(self.recipients_heading)
            parts += self.recipients
        return "\n".join(part for part in parts if part)


_UNTYPEABLE = re.compile("[\x00\ud800-\udfff]")
_HEADER_FIELDS = ("parent_body", "issuing_body", "number", "motto", "slogan", "dateline", "kind", "title")


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidMinutes(f"{where} must be an object")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidMinutes(f"{where} must be a list")
    return value


def _text(value: object, where: str, *, limit: int = MAX_TEXT, required: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidMinutes(f"{where} must be a string")
    if len(value) > limit:
        raise InvalidMinutes(f"{where} is longer than {limit} characters")
    if required and not value.strip():
        raise InvalidMinutes(f"{where} must not be empty")
    return value


def _optional_int(value: object, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidMinutes(f"{where} must be an integer or null")
    return value


def _line(raw: object, where: str) -> Line:
    line = _mapping(raw, where)
    style = _text(line.get("style", "paragraph"), f"{where}.style", limit=16)
    if style not in LINE_STYLES:
        raise InvalidMinutes(f"{where}.style must be one of {', '.join(LINE_STYLES)}")
    evidence = []
    for index, raw_evidence in enumerate(_list(line.get("evidence", []), f"{where}.evidence")):
        at = f"{where}.evidence[{index}]"
        item = _mapping(raw_evidence, at)
        kind = _text(item.get("kind"), f"{at}.kind", limit=16)
        if kind not in EVIDENCE_KINDS:
            raise InvalidMinutes(f"{at}.kind must be one of {', '.join(EVIDENCE_KINDS)}")
        record_id = _optional_int(item.get("id"), f"{at}.id")
        if record_id is None:
            raise InvalidMinutes(f"{at}.id is required")
        evidence.append(
            Evidence(
                kind=kind,
                id=record_id,
                label=_text(item.get("label", ""), f"{at}.label", limit=500),
                page=_optional_int(item.get("page"), f"{at}.page"),
                start_ms=_optional_int(item.get("start_ms"), f"{at}.start_ms"),
            )
        )
    return Line(text=_text(line.get("text"), f"{where}.text"), style=style, evidence=evidence)
