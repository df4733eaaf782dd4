"""Transcript windows within the model's tokens, each turn cited once, and the discussion summariser."""

from __future__ import annotations

from assistant.answer import BEARS, DENSE_BEARS, answer
from assistant.chunk import Chunk
from assistant.discussion import is_discussion, named_speakers, subject, summarise
from assistant.passages import MAX_SPAN, distinct
from assistant.retriever import Retriever, SearchHit
from assistant.transcript import MAX_WINDOW_TOKENS, Turn, chunk_turns, default_token_counter, spoken

SPEECH = (
    "The committee has heard evidence from schools, colleges and parents about the funding formula, and the "
    "consistent message is that the formula does not reflect the cost of teaching pupils with additional needs. "
)


def long_turns() -> list[Turn]:
    """Turns of every length: one word, a sentence, a speech far beyond the model's window."""
    turns = []
    for n in range(30):
        text = "Yes." if n % 5 == 0 else SPEECH * (1 + n % 7)
        turns.append(Turn(f"Speaker {n % 3}", text, n * 1000, n * 1000 + 900))
    return turns


def test_windows_stay_within_the_model_tokens_and_cover_every_turn_in_order() -> None:
    count = default_token_counter()
    turns = long_turns()
    chunks = chunk_turns(7, turns)
    assert all(count(chunk.text) <= MAX_WINDOW_TOKENS for chunk in chunks)
    assert len({chunk.id for chunk in chunks}) == len(chunks)
    covered = [n for chunk in chunks for n in range(chunk.start, chunk.end)]
    assert set(covered) == set(range(len(turns)))
    for chunk in chunks:
        lines = chunk.text.split("\n")
        assert len(lines) == chunk.end - chunk.start  # a window's n-th line is its n-th turn
        for offset, line in enumerate(lines):
            turn = turns[chunk.start + offset]
            speaker, _, said = line.partition(": ")
            assert speaker == turn.speaker and said in turn.text
    # a speech longer than the window is cut into parts that together say all of it, in order
    longest = max(range(len(turns)), key=lambda n: len(turns[n].text))
    parts = [c.text.split("\n")[0].partition(": ")[2] for c in chunks if c.start == longest]
    assert len(parts) > 1 and " ".join(parts) == " ".join(turns[longest].text.split())


def test_transcribers_annotations_are_not_indexed_as_words() -> None:
    turns = [Turn("Grad C", "so that {disfmarker} we would {vocalsound} tell them"), Turn("PhD F", "{gap}")]
    assert spoken(turns[0].text) == "so that we would tell them"
    (chunk,) = chunk_turns(2, turns)
    assert chunk.text == "Grad C: so that we would tell them\nPhD F: "
    assert (chunk.start, chunk.end) == (0, 2)  # an annotation alone still holds its turn's place


def test_short_turns_keep_eight_turn_windows_every_four() -> None:
    turns = [Turn("A" if n % 2 else "B", f"point number {n} of the agenda") for n in range(20)]
    chunks = chunk_turns(1, turns)
    assert [(c.start, c.end) for c in chunks] == [(0, 8), (4, 12), (8, 16), (12, 20)]


def hit(chunk: Chunk, score: float = 1.0, coverage: float = 1.0) -> SearchHit:
    return SearchHit(chunk=chunk, score=score, lexical=score, dense=0.0, coverage=coverage)


def test_overlapping_windows_cite_each_turn_once() -> None:
    turns = [Turn(f"S{n % 2}", f"turn {n} about the budget") for n in range(40)]
    windows = {c.start: c for c in chunk_turns(3, turns)}
    passages = distinct([hit(windows[4]), hit(windows[24]), hit(windows[0]), hit(windows[8]), hit(windows[12])])
    spans = [(p.first, p.last) for p in passages]
    # windows continuing a better passage join it, up to MAX_SPAN turns; the turns past that are a passage
    assert spans == [(0, 15), (24, 31), (16, 19)]
    assert MAX_SPAN == 16
    assert passages[0].hit.chunk.text.split("\n") == [f"S{n % 2}: turn {n} about the budget" for n in range(16)]
    assert (passages[0].hit.chunk.start, passages[0].hit.chunk.end, passages[0].hit.chunk.page) == (0, 16, 1)
    assert passages[2].hit.chunk.text.split("\n") == windows[12].text.split("\n")[4:]
    # a window whose every turn is already cited is left out; one apart from the others is its own passage
    assert [(p.first, p.last) for p in distinct([hit(windows[0]), hit(windows[4]), hit(windows[0])])] == [(0, 11)]
    assert [(p.first, p.last) for p in distinct([hit(windows[0]), hit(windows[12]), hit(windows[4])])] == [
        (0, 11),
        (12, 19),
    ]


def test_discussion_questions_are_told_from_factual_ones() -> None:
    for question in (
        "What was discussed about the remote's buttons?",
        "What did the chair say about the budget and why?",
        "Summarise the discussion on the budget",
        "Why did they decide to use plastic?",
        "Các đại biểu thảo luận gì về ngân sách?",
    ):
        assert is_discussion(question), question
    for question in ("How many tasks does the plan have?", "Đề án gồm bao nhiêu nhiệm vụ?", "When is the deadline?"):
        assert not is_discussion(question), question
    framed = "What did the group discuss about the remote's buttons?"
    assert subject(framed) == "what did the about the remote s buttons"
    assert subject("Đại biểu thảo luận gì về chuyển đổi số?") == "đại biểu gì về chuyển đổi số"
    speakers = {"Marketing", "Project Manager", "Kirsty Williams AM", "PhD A"}
    assert named_speakers("What did Kirsty Williams say about funding?", speakers) == {"Kirsty Williams AM"}
    assert named_speakers("What did the project manager think of the case?", speakers) == {"Project Manager"}
    assert named_speakers("What was said about marketing the product?", speakers) == {"Marketing"}
    assert named_speakers("What was said about the budget?", speakers) == set()
    letters = {"A", "F"}
    assert named_speakers("What did F think about a new format?", letters) == {"F"}
    # a part of one speaker's label alone, written as a name: the letter of "PhD F", "the Professor"
    research = {"Grad C", "PhD F", "PhD A", "Professor B", "Nguyễn Văn Hùng", "Nguyễn Thị Lan"}
    assert named_speakers("What did F think about the XML format?", research) == {"PhD F"}
    assert named_speakers("What did the Professor think about hiring?", research) == {"Professor B"}
    assert named_speakers("Ông Hùng phát biểu gì về ngân sách?", research) == {"Nguyễn Văn Hùng"}
    # a part several labels share, one in lower case, or the question's first word names nobody
    assert named_speakers("What did PhD think about the format?", research) == set()
    assert named_speakers("What did the professor say?", research) == set()
    assert named_speakers("Nguyễn nói gì?", research) == set()
    roles = {"Project Manager", "Marketing", "User Interface", "Industrial Designer"}
    assert named_speakers("What did the group discuss about the project budget?", roles) == set()


def test_summary_takes_each_passages_best_sentence_first_then_more_in_meeting_order() -> None:
    turns = [
        Turn("Chair", "Good morning. We begin with the budget for schools."),
        Turn("Finance", "The school budget rises by four percent next year. That is all."),
        Turn("Clerk", "Noted."),
        Turn("Chair", "Lunch is at noon."),
        Turn("Teacher", "Teachers say the school budget does not cover special needs. We need more."),
    ]
    chunks = chunk_turns(1, turns, window=2, stride=2)
    passages = distinct([hit(chunks[2], 0.9), hit(chunks[0], 0.8), hit(chunks[1], 0.5)])
    assert [(p.first, p.last) for p in passages] == [(2, 4), (0, 1)]  # the window of turns 2-3 joined turn 4's
    summary = summarise("What was said about the school budget?", passages, 2)
    assert [(s.turn, s.speaker) for s in summary] == [(1, "Finance"), (4, "Teacher")]
    assert summary[0].text == "The school budget rises by four percent next year."
    assert summary[1].text == "Teachers say the school budget does not cover special needs."
    # with room for more, the passages' other turns on the subject follow, still in the meeting's order
    fuller = summarise("What was said about the school budget?", passages, 5)
    assert [(s.turn, s.text) for s in fuller] == [
        (0, "We begin with the budget for schools."),
        (1, "The school budget rises by four percent next year."),
        (4, "Teachers say the school budget does not cover special needs."),
    ]
    preferred = summarise("What did the chair say about the school budget?", passages, 5, {"Chair"})
    assert preferred[0].speaker == "Chair" and preferred[0].turn == 0
    assert summarise("What was said about the school budget?", passages, 1)[0].turn == 4  # the best passage only
    assert summarise("What was said about the parking fees?", passages, 5) == []


def test_a_window_amid_a_discussion_outranks_a_passing_mention_with_the_same_words() -> None:
    texts = ["We break for lunch at noon."] * 14
    texts[2] = "The loudspeaker volume is too low."  # a passing mention, its neighbours about lunch
    texts[10] = "The loudspeaker volume is too low."  # the same words amid a talk of the volume
    texts[9] = "Volume complaints came from the back rows."
    texts[11] = "Raise the volume before the vote."
    turns = [Turn("A" if n % 2 else "B", text) for n, text in enumerate(texts)]
    windows = chunk_turns(5, turns, window=1, stride=1)
    retriever = Retriever.build(windows, None, dense_weight=0.0)
    (best, *_) = retriever.search("loudspeaker volume", 3)
    assert (best.chunk.start, best.chunk.end) == (10, 11)
    passing = next(h for h in retriever.search("loudspeaker volume", 5) if h.chunk.start == 2)
    assert 1.0 >= best.score > passing.score
    # a document's passages are ranked by their own words alone
    pages = [
        Chunk(id=f"9:1:1:{n}", doc_id=9, version=1, page=1, start=n, end=n + 1, text=t) for n, t in enumerate(texts)
    ]
    documents = Retriever.build(pages, None, dense_weight=0.0)
    assert [hit.score for hit in documents.search("loudspeaker volume", 2)] == [1.0, 1.0]


def test_a_passage_where_the_named_speaker_says_the_subject_bears_on_the_question() -> None:
    turns = [
        Turn("Karen Cornish", "The budget we were given does not cover the resource implications."),
        Turn("Chair", "Thank you."),
    ]
    (window,) = chunk_turns(6, turns)
    # the cosine is under DENSE_BEARS: alone, the passage would not be shown
    weak = SearchHit(chunk=window, score=1.0, lexical=1.0, dense=DENSE_BEARS - 0.01, coverage=BEARS + 0.1)
    named = answer("What did Karen Cornish think about the budget?", [weak], language="en", semantic=True)
    assert named.found and "Karen Cornish: The budget we were given" in named.text
    anyone = answer("What was said about the budget?", [weak], language="en", semantic=True)
    assert not anyone.found and not anyone.citations
    # naming her does not make a passage where she does not say the subject's words evidence
    other = answer("What did the Chair think about the budget?", [weak], language="en", semantic=True)
    assert not other.found and not other.citations
