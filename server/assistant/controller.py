"""Routes of the assistant: ask, recent questions, search, document summary."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.assistant.schemas import AskRequest, AskResponse, DocumentSummary, QuestionPublic, SearchResponse
from server.assistant.service import AssistantService
from server.db import DbSession
from server.errors import wants_vietnamese


def assistant_service(request: Request, db_session: DbSession) -> AssistantService:
    state = request.app.state
    return AssistantService(db_session, request.user, state.search_index, state.phraser, state.audit)


class AssistantController(Controller):
    tags = ["assistant"]

    @post("/api/assistant/ask", status_code=200)
    async def ask(self, request: Request, db_session: DbSession, data: JSONBody[AskRequest]) -> AskResponse:
        """Answer a question from the materials the caller may read, quoting them with document and page;
        ``found`` is false, and the answer says so, when they do not hold it."""
        preferred = "vi" if wants_vietnamese(request, request.app.state.settings.language) else "en"
        return await assistant_service(request, db_session).ask(data, preferred)

    @get("/api/assistant/history")
    async def history(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromQuery[int | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> list[QuestionPublic]:
        """The caller's own recent questions, newest first."""
        return await assistant_service(request, db_session).history(meeting_id, limit)

    @get("/api/search")
    async def search(
        self,
        request: Request,
        db_session: DbSession,
        q: Annotated[str, QueryParameter(min_length=1, max_length=500)],
        meeting_id: FromQuery[int | None] = None,
        agenda_item_id: FromQuery[int | None] = None,
        document_id: FromQuery[int | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 10,
        kind: Annotated[
            list[str] | None,
            QueryParameter(
                description="Only these kinds: document, transcript, conclusion, task, poll, minutes; repeat the "
                "parameter or give a comma list (default: every kind)"
            ),
        ] = None,
    ) -> SearchResponse:
        """Ranked passages of everything the caller may read (documents, transcripts, conclusions, tasks, poll
        results, approved minutes), with the query's words highlighted; a record's hit has its citation's fields."""
        preferred = "vi" if wants_vietnamese(request, request.app.state.settings.language) else "en"
        service = assistant_service(request, db_session)
        return await service.search(q, meeting_id, agenda_item_id, document_id, limit, kind, preferred)

    @get("/api/documents/{document_id:int}/summary")
    async def summary(self, request: Request, db_session: DbSession, document_id: FromPath[int]) -> DocumentSummary:
        """The document's key sentences (centrality with diversity), in order, each with its page."""
        return await assistant_service(request, db_session).summary(document_id)
