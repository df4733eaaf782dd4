"""Asking, searching and summarising, over exactly what the asker may read."""

from __future__ import annotations

import asyncio
import json
import re
import time

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.answer import Answer, answer, highlight_spans, quote, snippet
from assistant.discussion import is_discussion, subject
from assistant.passages import distinct
from assistant.retriever import SearchHit, Source
from assistant.summary import summarise
from server.agenda.models import AgendaItem
from server.assistant.index import SearchIndex, version_pages
from server.assistant.kinds import of_kinds, parse_kinds
from server.assistant.llm import ChatPhraser
from server.assistant.models import AssistantQuestion
from server.assistant.records import (
    describe,
    linked,
    one_mention_per_task,
    readable_records,
    record_passages,
    shown_hits,
    task_status_line,
)
from server.assistant.schemas import (
    ASK_LIMIT_MAX,
    AskRequest,
    AskResponse,
    CitationPublic,
    DocumentSummary,
    QuestionPublic,
    SearchHitPublic,
    SearchResponse,
    SummarySentence,
)
from server.audit import audit
from server.audit_buffer import AuditBuffer
from server.auth.service import Principal
from server.conclusions.models import Task
from server.documents.access import load_readable, readable_documents
from server.documents.models import Document, DocumentStatus
from server.errors import Conflict, Invalid, NotFound
from server.meetings.access import load_access

RETRIEVED = 8
"""Passages retrieved per question at least; the answerer quotes and cites the best few of them."""
RETRIEVED_PER_CITATION = 4
"""Passages retrieved per citation asked for: overlapping transcript windows of the same turns count once
(assistant.passages.distinct), so a limit of 5 needs more than 5 hits."""


DISCUSSION_DEPTH = 2
"""A question about a discussion reads twice as deep: its passages are re-ordered by who says the subject's
words (assistant.discussion.by_speakers), and neighbouring windows join into one passage."""


def retrieved(limit: int, question: str = "") -> int:
    """How many passages to retrieve for an ask of `question` returning at most `limit` citations."""
    depth = max(RETRIEVED, RETRIEVED_PER_CITATION * limit)
    return depth * DISCUSSION_DEPTH if is_discussion(question) else depth


def ask_query(question: str) -> str:
    """What the index is searched with: a discussion question's subject ("the remote's buttons" of "what was
    discussed about the remote's buttons?"), whose frame words no material holds; else the question."""
    return subject(question) if is_discussion(question) else question


SUMMARY_SENTENCES = 6
# Letters only Vietnamese uses (with its tone marks): a question holding one is Vietnamese.
_VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE)
_ENGLISH = re.compile(r"\b(what|which|who|whom|when|where|why|how|is|are|was|were|does|did|the|of)\b", re.IGNORECASE)


def answer_language(question: str, preferred: str) -> str:
    """Vietnamese for a question with Vietnamese letters, English for one with English question words,
    else ``preferred`` (an unaccented "bao nhieu ho so" is Vietnamese typed without diacritics)."""
    if _VIETNAMESE.search(question):
        return "vi"
    if _ENGLISH.search(question):
        return "en"
    return preferred


class AssistantService:
    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        index: SearchIndex,
        phraser: ChatPhraser | None,
        reads: AuditBuffer,
    ) -> None:
        self.reads = reads
        self.session = session
        self.principal = principal
        self.index = index
        self.phraser = phraser

    async def ask(self, data: AskRequest, preferred_language: str) -> AskResponse:
        started = time.perf_counter()
        question = " ".join(data.question.split())
        if not question:
            raise Invalid("The question is empty", "Câu hỏi trống")
        if not 1 <= data.limit <= ASK_LIMIT_MAX:
            raise Invalid(
                f"limit must be between 1 and {ASK_LIMIT_MAX} (got {data.limit})",
                f"limit phải từ 1 đến {ASK_LIMIT_MAX} (nhận được {data.limit})",
            )
        documents = await self._scope(data.scope, data.meeting_id, data.agenda_item_id, data.document_id)
        records = await self._records(data.scope, data.meeting_id, data.agenda_item_id, data.document_id)
        language = data.language or answer_language(question, preferred_language)
        allowed: set[Source] = set(documents) | set(records)
        query, depth, asked_in = ask_query(question), retrieved(data.limit, question), answer_language(question, "vi")
        hits = await asyncio.to_thread(self.index.search, query, depth, allowed, asked_in)
        hits = await shown_hits(self.session, hits, self.index.timezone, language)  # quote records' own words
        reply = answer(question, hits, language=language, limit=data.limit, semantic=asked_in == "en")
        text, phrased_by = reply.text, "extract"
        if reply.found and self.phraser is not None:
            cited = _cited_hits(reply, hits)
            phrased = await self.phraser.phrase(question, cited, {i: d.title for i, d in documents.items()}, language)
            if phrased:
                text, phrased_by = phrased, "llm"
        chunks = {hit.chunk.id: hit.chunk for hit in hits}
        citations = []
        for citation in reply.citations:
            chunk = chunks[citation.chunk_id]
            if chunk.kind == "document":
                document = documents[citation.doc_id]
                fields = {"document_id": citation.doc_id, "meeting_id": document.meeting_id, "title": document.title}
                fields["source_id"] = citation.doc_id
                fields["heading"] = chunk.heading or None
            else:
                first, last = citation.first_turn, citation.last_turn
                span = (first, last) if first is not None and last is not None else None
                fields = await describe(self.session, chunk, citation.snippet, span)
                fields["meeting_id"] = records[(chunk.kind, chunk.doc_id)]
            fields.setdefault("page", citation.page)
            citations.append(CitationPublic(snippet=citation.snippet, score=citation.score, **fields))
        linked_tasks = await self._add_linked(citations, records, language)
        if reply.found and linked_tasks:
            text = " ".join([text, *(task_status_line(task, language) for task in linked_tasks)])
        if phrased_by == "extract":
            text = one_mention_per_task(text, [c.title for c in citations if c.kind == "task"])
        meeting_id = data.meeting_id  # where it was asked from, whatever the scope: its recent questions list it
        self.session.add(
            AssistantQuestion(
                user_id=self.principal.id,
                meeting_id=meeting_id,
                question=question[:1000],
                answer=text,
                found=reply.found,
                citations=json.dumps([c.model_dump() for c in citations], ensure_ascii=False),
            )
        )
        audit(
            self.session,
            self.principal.id,
            "assistant.ask",
            "meeting" if meeting_id else "assistant",
            meeting_id,
            meeting_id=meeting_id,
            found=reply.found,
            cited=sorted({c.document_id for c in citations if c.document_id is not None}),
            records=sorted({f"{c.kind}:{c.source_id}" for c in citations if c.kind != "document"}),
        )
        await self.session.commit()
        return AskResponse(
            question=question,
            answer=text,
            found=reply.found,
            language=language,
            citations=citations,
            phrased_by=phrased_by,  # type: ignore[arg-type]
            took_ms=round((time.perf_counter() - started) * 1000, 1),
        )

    async def _add_linked(
        self, citations: list[CitationPublic], records: dict[tuple[str, int], int], language: str
    ) -> list[Task]:
        """Cite with each cited record the ones that belong with it (records.linked: a conclusion's tasks,
        a task's conclusion), read from the database now, so a task's status is its current one; returns
        the tasks that belong with a cited record, whose status the answer then states: those added here and
        those the search found itself (which way a task is found depends on ranking, what is said must not)."""
        cited = {(c.kind, c.source_id) for c in citations}
        added: list[Task] = []
        for citation in list(citations):
            if citation.kind == "document" or citation.source_id is None:
                continue
            for source in await linked(self.session, citation.kind, citation.source_id):
                if source not in records:
                    continue
                if source in cited:
                    task = await self.session.get(Task, source[1]) if source[0] == "task" else None
                    if task is not None and task not in added:
                        added.append(task)
                    continue
                passages = await record_passages(self.session, *source, self.index.timezone, language)
                if not passages:
                    continue
                cited.add(source)
                text = passages[0].shown
                fields = await describe(self.session, passages[0].chunk, text)
                fields.update(meeting_id=records[source], page=passages[0].chunk.page)
                citations.append(CitationPublic(snippet=snippet(text, 0, len(text)), score=0.0, **fields))
                task = await self.session.get(Task, source[1]) if source[0] == "task" else None
                if task is not None and task not in added:
                    added.append(task)
        return added

    async def history(self, meeting_id: int | None, limit: int) -> list[QuestionPublic]:
        """The caller's own recent questions, newest first (in one meeting, or everywhere)."""
        query = select(AssistantQuestion).where(AssistantQuestion.user_id == self.principal.id)
        if meeting_id is not None:
            await load_access(self.session, meeting_id, self.principal)
            query = query.where(AssistantQuestion.meeting_id == meeting_id)
        rows = (await self.session.exec(query.order_by(col(AssistantQuestion.id).desc()).limit(limit))).all()
        # what they may read now: a citation of a document since deleted or reclassified is left out
        readable = await readable_documents(self.session, self.principal)
        records = await readable_records(self.session, self.principal)

        def may_see(c: CitationPublic) -> bool:
            if c.kind == "document":
                return c.document_id in readable
            return (c.kind, c.source_id or 0) in records

        questions = []
        for row in rows:
            assert row.id is not None
            cited = [CitationPublic(**c) for c in json.loads(row.citations)]
            questions.append(
                QuestionPublic(
                    id=row.id,
                    question=row.question,
                    answer=row.answer if all(may_see(c) for c in cited) else "",
                    found=row.found,
                    meeting_id=row.meeting_id,
                    citations=[c for c in cited if may_see(c)],
                    created_at=row.created_at,
                )
            )
        return questions

    async def search(
        self,
        query: str,
        meeting_id: int | None,
        agenda_item_id: int | None,
        document_id: int | None,
        limit: int,
        kinds: list[str] | None = None,
        preferred_language: str = "vi",
    ) -> SearchResponse:
        """Ranked passages of everything the asker may read (the ask's documents and records), of ``kinds``
        (kinds.SEARCH_KINDS; None: all), each with the fields a citation of it has."""
        started = time.perf_counter()
        query = " ".join(query.split())
        if not query:
            raise Invalid("Give a search query (q)", "Hãy nhập nội dung cần tìm (q)")
        chosen = parse_kinds(kinds)
        documents = await self._scope(None, meeting_id, agenda_item_id, document_id)
        records = await self._records(None, meeting_id, agenda_item_id, document_id)
        allowed = of_kinds(chosen, documents, records)
        hits = await asyncio.to_thread(self.index.search, query, limit, allowed) if allowed else []
        language = answer_language(query, preferred_language)
        hits = await shown_hits(self.session, hits, self.index.timezone, language)
        results = []
        for passage in distinct(hits):  # each transcript turn in one hit, spans as the ask's citations give them
            hit = passage.hit
            text = quote(query, hit)
            chunk = hit.chunk
            if chunk.kind == "document":
                document = documents[chunk.doc_id]
                fields = {"document_id": chunk.doc_id, "source_id": chunk.doc_id, "meeting_id": document.meeting_id}
                fields["title"] = document.title
            else:
                span = (passage.first, passage.last) if passage.first is not None and passage.last is not None else None
                fields = await describe(self.session, chunk, text, span)
                fields["meeting_id"] = records[(chunk.kind, chunk.doc_id)]
            fields.setdefault("page", chunk.page)
            results.append(
                SearchHitPublic(
                    snippet=text,
                    score=round(hit.score, 4),
                    highlights=highlight_spans(text, query),
                    heading=chunk.heading or None,
                    **fields,
                )
            )
        return SearchResponse(query=query, hits=results, took_ms=round((time.perf_counter() - started) * 1000, 1))

    async def summary(self, document_id: int) -> DocumentSummary:
        document, _ = await load_readable(self.session, document_id, self.principal)
        if document.status != DocumentStatus.ready:
            raise Conflict(
                f"The document is not ready yet (status: {document.status})",
                f"Tài liệu chưa sẵn sàng (trạng thái: {document.status})",
            )
        key = (document_id, document.current_version)
        cached = self.index.summaries.get(key)
        if cached is None:
            assert document.id is not None
            pages = await version_pages(self.session, document.id, document.current_version)
            cited = await asyncio.to_thread(summarise, pages, SUMMARY_SENTENCES)
            cached = [SummarySentence(page=c.page, text=c.snippet, score=c.score) for c in cited]
            self.index.remember_summary(key, cached)
        self.reads.record(
            self.principal.id, "document.summary", "document", document_id, meeting_id=document.meeting_id
        )
        return DocumentSummary(document_id=document_id, version=document.current_version, sentences=cached)

    async def _records(
        self, scope: str | None, meeting_id: int | None, agenda_item_id: int | None, document_id: int | None
    ) -> dict[tuple[str, int], int]:
        """The records (transcripts, conclusions, tasks, poll results, minutes) a question may be answered
        from, with their meeting: none when it is narrowed to an item or a document (checked by _scope)."""
        if agenda_item_id is not None or document_id is not None:
            return {}
        within = None if scope == "all" or meeting_id is None else {meeting_id}
        return await readable_records(self.session, self.principal, within)

    async def _scope(
        self, scope: str | None, meeting_id: int | None, agenda_item_id: int | None, document_id: int | None
    ) -> dict[int, Document]:
        """The documents a question may be answered from: checked ids, then only what the caller may read."""
        if scope == "meeting" and meeting_id is None:
            raise Invalid("scope `meeting` needs a meeting_id", "Phạm vi `meeting` cần meeting_id")
        within = None if scope == "all" else meeting_id
        if within is not None:
            await load_access(self.session, within, self.principal)
        if agenda_item_id is not None:
            item = await self.session.get(AgendaItem, agenda_item_id)
            if item is None or (within is not None and item.meeting_id != within):
                raise NotFound("Agenda item", "mục chương trình", agenda_item_id)
            await load_access(self.session, item.meeting_id, self.principal)
        if document_id is not None:
            document, _ = await load_readable(self.session, document_id, self.principal)
            if within is not None and document.meeting_id != within:
                raise NotFound("Document", "tài liệu", document_id)
        return await readable_documents(
            self.session,
            self.principal,
            meeting_id=within,
            agenda_item_id=agenda_item_id,
            document_id=document_id,
        )


def _cited_hits(reply: Answer, hits: list[SearchHit]) -> list[SearchHit]:
    """The hits behind the answer's citations, in citation order (what a language model may phrase from)."""
    by_id = {hit.chunk.id: hit for hit in hits}
    return [by_id[c.chunk_id] for c in reply.citations if c.chunk_id in by_id]
