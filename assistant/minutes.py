"""Draft minutes (biên bản) from a meeting's own record: `draft(record) -> MinutesContent`.

The server reads the record (agenda, attendance, speeches, transcript turns, documents' pages, written
opinions, polls, conclusions, tasks) into the plain dataclasses below; this module lays it out in the
Decree 30/2020/NĐ-CP form, in Vietnamese or English, with every line linked to the record it states.
Nothing is invented: a speech's content is what the transcript holds for that speaker on that item
(the key sentences when it is long), a document's summary is its key sentences cited by page.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from assistant.chunk import Page
from assistant.minutes_content import Evidence, Header, Line, MinutesContent, Section, Signature
from assistant.minutes_relevance import relevant_sentences
from assistant.summary import summarise
from assistant.text import fold, sentences
from assistant.transcript import format_time, spoken

SPEECH_CHARS = 600
"""A speaker's words on an item longer than this are cut to their key sentences."""
SPEECH_SENTENCES = 3
DOCUMENT_SENTENCES = 2
OPINION_QUOTES = 5
"""At most this many written opinions are quoted per target (the counts cover them all)."""


@dataclass(frozen=True)
class Person:
    """A participant as the minutes name them."""

    participant_id: int
    name: str
    role: str  # chair | secretary | delegate | guest
    attendance: str  # present | absent | excused | delegated | unknown
    reason: str = ""
    delegated_to: str = ""


@dataclass(frozen=True)
class ItemRecord:
    """An agenda item in order; `number` is its printed number ("1", "1.2")."""

    id: int
    number: str
    title: str
    presenter: str = ""


@dataclass(frozen=True)
class DocumentRecord:
    """A document discussed under an item; `pages` is empty when it may not be summarised (confidential)."""

    id: int
    title: str
    agenda_item_id: int | None
    pages: list[Page] = field(default_factory=list)


@dataclass(frozen=True)
class SpeechRecord:
    """A speech from the floor log (who had the floor on which item, and when)."""

    id: int
    speaker: str
    agenda_item_id: int | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None


@dataclass(frozen=True)
class TurnRecord:
    """A transcript turn already placed under an agenda item (None: the meeting in general)."""

    transcript_id: int
    position: int
    speaker: str
    text: str
    agenda_item_id: int | None
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass(frozen=True)
class PollRecord:
    """A closed poll's result: counts per option label, how many voted, the base of the majority."""

    id: int
    title: str
    agenda_item_id: int | None
    options: list[tuple[str, int]]
    voters: int
    base: int
    passed: bool | None
    secret: bool


@dataclass(frozen=True)
class OpinionRecord:
    """A written opinion (phiếu lấy ý kiến) on an item or a document of it."""

    id: int
    agenda_item_id: int | None
    target_title: str
    author: str
    stance: str  # agree | disagree | other
    text: str


@dataclass(frozen=True)
class TaskRecord:
    """A task given at the meeting (giao việc)."""

    id: int
    title: str
    agenda_item_id: int | None
    unit: str = ""
    assignee: str = ""
    deadline: dt.date | None = None


@dataclass(frozen=True)
class Organisation:
    """Who issues the minutes: names as printed in the header, the place for the dateline."""

    name: str
    parent: str = ""
    abbreviation: str = ""
    place: str = ""


@dataclass
class MeetingRecord:
    """Everything the draft states, read by the server from the database."""

    meeting_id: int
    title: str
    location: str
    organisation: Organisation
    started_at: dt.datetime | None
    closed_at: dt.datetime | None
    timezone: str = "Asia/Ho_Chi_Minh"
    people: list[Person] = field(default_factory=list)
    items: list[ItemRecord] = field(default_factory=list)
    documents: list[DocumentRecord] = field(default_factory=list)
    speeches: list[SpeechRecord] = field(default_factory=list)
    turns: list[TurnRecord] = field(default_factory=list)
    polls: list[PollRecord] = field(default_factory=list)
    opinions: list[OpinionRecord] = field(default_factory=list)
    conclusions: dict[int, tuple[int, str]] = field(default_factory=dict)
    """Agenda item id -> (conclusion id, text)."""
    tasks: list[TaskRecord] = field(default_factory=list)


Phraser = Callable[[str, list[Line]], list[Line] | None]
"""Optional: turns an item's discussion lines into prose lines (keeping their evidence), or None to keep them."""


def draft(record: MeetingRecord, language: str = "vi") -> MinutesContent:
    """The whole Biên bản for `record` in `language` ("vi" or "en"), each line with its evidence."""
    words = _WORDS["en" if language == "en" else "vi"]
    zone = ZoneInfo(record.timezone)
    sections = [_opening(record, words, zone), _attendance(record, words), _presiding(record, words)]
    sections.append(Section("content", words["content"]))
    quoted: set[str] = set()  # document sentences already quoted: none is repeated under another item
    for item in record.items:
        sections.append(_item_section(record, item, words, zone, quoted))
    general = [t for t in record.turns if t.agenda_item_id is None]
    if general:
        sections.append(Section("general", words["general"], _speaker_lines(general, [], words, zone)))
    sections.append(_tasks(record, words))
    sections.append(_closing(record, words, zone))
    chair = next((p.name for p in record.people if p.role == "chair"), "")
    secretary = next((p.name for p in record.people if p.role == "secretary"), "")
    org = record.organisation
    number = f"{record.meeting_id}/BB-{org.abbreviation}" if org.abbreviation else f"{record.meeting_id}/BB"
    day = _local(record.started_at or record.closed_at, zone)
    return MinutesContent(
        language="en" if language == "en" else "vi",
        header=Header(
            parent_body=org.parent.upper(),
            issuing_body=org.name.upper(),
            number=f"{words['number']}: {number}",
            motto=words["motto"],
            slogan=words["slogan"],
            dateline=_dateline(org.place, day, words) if day else "",
            kind=words["kind"],
            title=words["title_prefix"] + record.title,
        ),
        sections=sections,
        signatures=[
            Signature(words["secretary_sign"], words["sign_note"], secretary),
            Signature(words["chair_sign"], words["sign_note"], chair),
        ],
        recipients_heading=words["recipients"],
        recipients=[words["recipients_participants"], words["recipients_archive"]],
    )


def _local(moment: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(zone)


def _dateline(place: str, day: dt.datetime, words: dict[str, str]) -> str:
    if words["lang"] == "en":
        return f"{place + ', ' if place else ''}{day:%d %B %Y}"
    return f"{place + ', ' if place else ''}ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def _clock(moment: dt.datetime | None, zone: ZoneInfo, words: dict[str, str]) -> str:
    local = _local(moment, zone)
    if local is None:
        return "…"
    if words["lang"] == "en":
        return f"{local:%H:%M} on {local:%d/%m/%Y}"
    return f"{local:%H} giờ {local:%M}, ngày {local:%d/%m/%Y}"


def _opening(record: MeetingRecord, words: dict[str, str], zone: ZoneInfo) -> Section:
    meeting = [Evidence("meeting", record.meeting_id, record.title)]
    lines = [
        Line(f"{words['start']}: {_clock(record.started_at, zone, words)}.", evidence=meeting),
        Line(f"{words['place']}: {record.location or '…'}.", evidence=meeting),
    ]
    return Section("opening", "", lines)


def _presiding(record: MeetingRecord, words: dict[str, str]) -> Section:
    lines = []
    for role in ("chair", "secretary"):
        person = next((p for p in record.people if p.role == role), None)
        name = person.name if person else "…"
        lines.append(Line(f"{words[role]}: {name}.", evidence=[_person_evidence(person)] if person else []))
    return Section("presiding", "", lines)


def _person_evidence(person: Person) -> Evidence:
    return Evidence("attendance", person.participant_id, person.name)


_ROLE_ORDER = {"chair": 0, "secretary": 1, "delegate": 2, "guest": 3}


def _listing_order(person: Person) -> tuple[int, str, str, int]:
    """The chair, the secretary, then the others by given name (the last word of a Vietnamese name), then
    full name, accents aside: the same list every time, whatever order people were invited in."""
    name = fold(_plain_name(person.name))
    given = name.split()[-1] if name.split() else ""
    return (_ROLE_ORDER.get(person.role, 2), given, name, person.participant_id)


def _attendance(record: MeetingRecord, words: dict[str, str]) -> Section:
    people = sorted(record.people, key=_listing_order)
    members = [p for p in people if p.role != "guest"]
    present = [p for p in members if p.attendance == "present"]
    delegated = [p for p in members if p.attendance == "delegated"]
    away = [p for p in members if p.attendance in ("absent", "excused")]
    unknown = [p for p in members if p.attendance not in ("present", "delegated", "absent", "excused")]
    guests = [p for p in people if p.role == "guest" and p.attendance == "present"]
    counts = words["counts"].format(
        total=len(members), present=len(present), delegated=len(delegated), absent=len(away) + len(unknown)
    )
    lines = [Line(counts, evidence=[_person_evidence(p) for p in members])]
    if present:
        names = ", ".join(_with_role(p, words) for p in present)
        lines.append(Line(f"{words['present']}: {names}.", "bullet", [_person_evidence(p) for p in present]))
    for person in delegated:
        text = words["delegated"].format(name=person.name, to=person.delegated_to or "…")
        lines.append(Line(text, "bullet", [_person_evidence(person)]))
    for person in away:
        reason = person.reason or words[person.attendance]
        lines.append(Line(f"{words['absent']}: {person.name} ({reason}).", "bullet", [_person_evidence(person)]))
    for person in unknown:
        lines.append(Line(f"{words['absent']}: {person.name} ({words['no_check_in']}).", "bullet"))
    if guests:
        names = ", ".join(p.name for p in guests)
        lines.append(Line(f"{words['guests']}: {names}.", "bullet", [_person_evidence(p) for p in guests]))
    return Section("attendance", words["attendance"], lines)


def _with_role(person: Person, words: dict[str, str]) -> str:
    """The name with the meeting role, unless the name as shown already says it ("Lan (Thư ký)")."""
    role = words.get(f"role_{person.role}", "")
    if not role or fold(role) in fold(person.name):
        return person.name
    return f"{person.name} ({role})"


def _item_section(
    record: MeetingRecord, item: ItemRecord, words: dict[str, str], zone: ZoneInfo, quoted: set[str]
) -> Section:
    about = Evidence("agenda_item", item.id, item.title)
    lines: list[Line] = []
    if item.presenter:
        lines.append(Line(f"{words['presenter']}: {item.presenter}.", evidence=[about]))
    conclusion = record.conclusions.get(item.id)
    topic = " ".join([item.title, conclusion[1] if conclusion else ""])
    for document in (d for d in record.documents if d.agenda_item_id == item.id):
        lines += _document_lines(document, words, topic, quoted)
    turns = [t for t in record.turns if t.agenda_item_id == item.id]
    speeches = [s for s in record.speeches if s.agenda_item_id == item.id]
    discussion = _speaker_lines(turns, speeches, words, zone)
    if discussion:
        lines.append(Line(words["discussion"] + ":"))
        lines += discussion
    lines += _opinion_lines([o for o in record.opinions if o.agenda_item_id == item.id], words)
    for poll in (p for p in record.polls if p.agenda_item_id == item.id):
        lines.append(_poll_line(poll, words))
    if conclusion is not None:
        conclusion_id, text = conclusion
        lines.append(
            Line(f"{words['conclusion']}: {text}", evidence=[Evidence("conclusion", conclusion_id, item.title)])
        )
    for task in (t for t in record.tasks if t.agenda_item_id == item.id):
        lines.append(_task_line(task, words))
    if len(lines) == (1 if item.presenter else 0):
        lines.append(Line(words["nothing_recorded"], evidence=[about]))
    return Section(f"item-{item.id}", f"{item.number}. {item.title}", lines)


def _document_lines(document: DocumentRecord, words: dict[str, str], topic: str, quoted: set[str]) -> list[Line]:
    """The document named, and the sentences of it that bear on the item (`topic`), each quoted once."""
    cite = Evidence("document", document.id, document.title, page=1)
    lines = [Line(f"{words['document']}: {document.title}.", "bullet", [cite])]
    if document.pages:
        for citation in relevant_sentences(document.pages, topic, DOCUMENT_SENTENCES, quoted):
            text = citation.snippet.strip()
            lines.append(
                Line(
                    f"{text} ({words['page']} {citation.page})",
                    "quote",
                    [Evidence("document", document.id, document.title, page=citation.page)],
                )
            )
    return lines


def _same_person(a: str, b: str) -> bool:
    """Names match when one holds the other, accents and case aside ("Ông Nguyễn Văn An" and "Nguyễn Văn An")."""
    left, right = fold(_plain_name(a)), fold(_plain_name(b))
    return bool(left and right) and (left in right or right in left)


def _plain_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def _speaker_lines(
    turns: list[TurnRecord], speeches: list[SpeechRecord], words: dict[str, str], zone: ZoneInfo
) -> list[Line]:
    """One line per speaker in order of first speech: the floor log's times, the transcript's words."""
    order: list[str] = []
    for name in [s.speaker for s in sorted(speeches, key=_speech_order)] + [t.speaker for t in turns]:
        if not any(_same_person(name, known) for known in order):
            order.append(name)
    lines = []
    for name in order:
        own_speeches = [s for s in speeches if _same_person(s.speaker, name)]
        own_turns = [t for t in turns if _same_person(t.speaker, name)]
        evidence = [Evidence("speech", s.id, s.speaker) for s in own_speeches]
        evidence += [
            Evidence(
                "transcript",
                t.transcript_id,
                f"{t.speaker} {format_time(t.start_ms)}".strip(),
                t.position + 1,
                t.start_ms,
            )
            for t in own_turns[:20]
        ]
        when = "; ".join(_span(s, zone) for s in own_speeches if s.started_at)
        said = _gist(own_turns)
        head = f"{name} ({when})" if when else name
        text = f"{head}: {said}" if said else f"{head}: {words['spoke_no_text']}"
        lines.append(Line(text, "bullet", evidence))
    return lines


def _speech_order(speech: SpeechRecord) -> tuple[float, int]:
    return (speech.started_at.timestamp() if speech.started_at else float("inf"), speech.id)


def _span(speech: SpeechRecord, zone: ZoneInfo) -> str:
    start = _local(speech.started_at, zone)
    end = _local(speech.ended_at, zone)
    if start is None:
        return ""
    return f"{start:%H:%M}–{end:%H:%M}" if end else f"{start:%H:%M}"


def _gist(turns: list[TurnRecord]) -> str:
    """What a speaker said: all of it when short, else its key sentences in order."""
    text = " ".join(spoken(t.text) for t in turns).strip()
    if len(text) <= SPEECH_CHARS:
        return text
    pages = [Page(doc_id=t.transcript_id, version=1, page=t.position + 1, text=spoken(t.text)) for t in turns]
    key = summarise(pages, k=SPEECH_SENTENCES)
    if not key:
        first = [text[s:e] for s, e in sentences(text)][:SPEECH_SENTENCES]
        return " ".join(first)[: SPEECH_CHARS * 2]
    return " ".join(c.snippet.strip() for c in key)


def _opinion_lines(opinions: list[OpinionRecord], words: dict[str, str]) -> list[Line]:
    lines = []
    by_target: dict[str, list[OpinionRecord]] = {}
    for opinion in opinions:
        by_target.setdefault(opinion.target_title, []).append(opinion)
    for target, group in by_target.items():
        counts = {stance: sum(1 for o in group if o.stance == stance) for stance in ("agree", "disagree", "other")}
        text = words["opinions"].format(target=target, total=len(group), **counts)
        lines.append(Line(text, evidence=[Evidence("opinion", o.id, o.author) for o in group]))
        quoted = [o for o in group if o.text.strip() and o.stance != "agree"][:OPINION_QUOTES]
        for opinion in quoted:
            stance = words[f"stance_{opinion.stance}"]
            lines.append(
                Line(
                    f"{opinion.author} ({stance}): {' '.join(opinion.text.split())}",
                    "quote",
                    [Evidence("opinion", opinion.id, opinion.author)],
                )
            )
    return lines


def percent(share: float, language: str) -> str:
    """`share` (0-100) with one decimal, in the minutes' language: "40,0%" in Vietnamese, "40.0%" in English."""
    text = f"{share:.1f}%"
    return text if language == "en" else text.replace(".", ",")


def _poll_line(poll: PollRecord, words: dict[str, str]) -> Line:
    """The vote's kind and title said once ("Biểu quyết công khai: <title>"), counts with shares, result."""
    base = poll.base or 0
    parts = []
    for label, count in poll.options:
        share = f" ({percent(100 * count / base, words['lang'])})" if base else ""
        parts.append(f"{label}: {count}/{base}{share}")
    verdict = words["passed"] if poll.passed else words["failed"]
    title = " ".join(poll.title.split())
    if fold(title).startswith(fold(words["vote"])):
        head = f"{title} ({words['secret_short'] if poll.secret else words['open_short']})"
    else:
        head = f"{words['vote']} {words['secret'] if poll.secret else words['open_ballot']}: {title}"
    text = f"{head}: {'; '.join(parts)}. {words['result']}: {verdict}."
    return Line(text, evidence=[Evidence("poll", poll.id, poll.title)])


def _task_line(task: TaskRecord, words: dict[str, str]) -> Line:
    owner = ", ".join(part for part in (task.unit, task.assignee) if part)
    parts = [f"{words['task']}: {task.title}"]
    if owner:
        parts.append(f"{words['owner']}: {owner}")
    if task.deadline:
        parts.append(f"{words['deadline']}: {task.deadline:%d/%m/%Y}")
    return Line("; ".join(parts) + ".", "bullet", [Evidence("task", task.id, task.title)])


def _tasks(record: MeetingRecord, words: dict[str, str]) -> Section:
    lines = [_task_line(task, words) for task in record.tasks]
    return Section("tasks", words["tasks"], lines or [Line(words["no_tasks"])])


def _closing(record: MeetingRecord, words: dict[str, str], zone: ZoneInfo) -> Section:
    text = words["closing"].format(when=_clock(record.closed_at, zone, words))
    return Section("closing", "", [Line(text, evidence=[Evidence("meeting", record.meeting_id, record.title)])])


_WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "number": "Số",
        "motto": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "slogan": "Độc lập - Tự do - Hạnh phúc",
        "kind": "BIÊN BẢN",
        "title_prefix": "",
        "lang": "vi",
        "content": "Nội dung (theo diễn biến cuộc họp):",
        "start": "Thời gian bắt đầu",
        "place": "Địa điểm",
        "chair": "Chủ trì (chủ tọa)",
        "secretary": "Thư ký (người ghi biên bản)",
        "attendance": "Thành phần tham dự:",
        "counts": "Tổng số thành viên: {total}; có mặt: {present}; ủy quyền: {delegated}; vắng mặt: {absent}.",
        "present": "Có mặt",
        "delegated": "Ủy quyền: {name} ủy quyền cho {to}.",
        "absent": "Vắng mặt",
        "excused": "có lý do",
        "no_check_in": "không điểm danh",
        "guests": "Khách mời",
        "role_chair": "chủ trì",
        "role_secretary": "thư ký",
        "role_delegate": "",
        "general": "Ý kiến chung",
        "presenter": "Trình bày",
        "document": "Tài liệu",
        "page": "tr.",
        "discussion": "Ý kiến phát biểu",
        "spoke_no_text": "phát biểu (nội dung không được ghi lại).",
        "opinions": (
            "Phiếu lấy ý kiến về {target}: {total} phiếu; đồng ý {agree}, không đồng ý {disagree}, ý kiến khác {other}."
        ),
        "stance_agree": "đồng ý",
        "stance_disagree": "không đồng ý",
        "stance_other": "ý kiến khác",
        "vote": "Biểu quyết",
        "secret": "bằng hình thức bỏ phiếu kín",
        "open_ballot": "công khai",
        "secret_short": "bỏ phiếu kín",
        "open_short": "công khai",
        "result": "Kết quả",
        "passed": "THÔNG QUA",
        "failed": "KHÔNG THÔNG QUA",
        "conclusion": "Kết luận của chủ trì",
        "task": "Nhiệm vụ",
        "owner": "Thực hiện",
        "deadline": "Thời hạn",
        "tasks": "Nhiệm vụ được giao:",
        "no_tasks": "Không có nhiệm vụ được giao.",
        "nothing_recorded": "Không có nội dung được ghi nhận.",
        "closing": "Cuộc họp kết thúc vào {when}./.",
        "secretary_sign": "THƯ KÝ",
        "chair_sign": "CHỦ TỌA",
        "sign_note": "(Ký, ghi rõ họ tên)",
        "recipients": "Nơi nhận:",
        "recipients_participants": "- Các thành viên dự họp;",
        "recipients_archive": "- Lưu: VT, HS.",
    },
    "en": {
        "number": "No.",
        "motto": "SOCIALIST REPUBLIC OF VIETNAM",
        "slogan": "Independence - Freedom - Happiness",
        "kind": "MINUTES",
        "title_prefix": "",
        "lang": "en",
        "content": "Proceedings (in the order of the meeting):",
        "start": "Started at",
        "place": "Place",
        "chair": "Chair",
        "secretary": "Secretary (minutes taker)",
        "attendance": "Participants:",
        "counts": "Members: {total}; present: {present}; by proxy: {delegated}; absent: {absent}.",
        "present": "Present",
        "delegated": "By proxy: {name}, represented by {to}.",
        "absent": "Absent",
        "excused": "excused",
        "no_check_in": "did not check in",
        "guests": "Guests",
        "role_chair": "chair",
        "role_secretary": "secretary",
        "role_delegate": "",
        "general": "General discussion",
        "presenter": "Presented by",
        "document": "Document",
        "page": "p.",
        "discussion": "Speakers",
        "spoke_no_text": "spoke (not recorded).",
        "opinions": "Written opinions on {target}: {total}; agree {agree}, disagree {disagree}, other {other}.",
        "stance_agree": "agree",
        "stance_disagree": "disagree",
        "stance_other": "other",
        "vote": "Vote",
        "secret": "by secret ballot",
        "open_ballot": "by open ballot",
        "secret_short": "secret ballot",
        "open_short": "open",
        "result": "Result",
        "passed": "PASSED",
        "failed": "NOT PASSED",
        "conclusion": "The chair's conclusion",
        "task": "Task",
        "owner": "Assigned to",
        "deadline": "Deadline",
        "tasks": "Tasks assigned:",
        "no_tasks": "No tasks were assigned.",
        "nothing_recorded": "Nothing was recorded.",
        "closing": "The meeting closed at {when}.",
        "secretary_sign": "SECRETARY",
        "chair_sign": "CHAIR",
        "sign_note": "(Signature and full name)",
        "recipients": "Distribution:",
        "recipients_participants": "- Meeting participants;",
        "recipients_archive": "- Archive.",
    },
}
