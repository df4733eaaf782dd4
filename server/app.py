"""``create_app(settings)``: the one place the server is wired together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from pathlib import Path

from litestar import Litestar, Request, Response, get
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import InitPluginProtocol
from sqlmodel.ext.asyncio.session import AsyncSession

import kiosk
from documents.render import PageCache
from documents.sanitize import ReaderCopies
from documents.store import BlobStore
from server.agenda.controller import AgendaController
from server.assistant.controller import AssistantController
from server.assistant.index import SearchIndex
from server.assistant.llm import ChatPhraser
from server.audit_buffer import AuditBuffer
from server.audit_routes import list_audit
from server.auth.cache import PrincipalCache
from server.auth.controller import AuthController
from server.auth.directory import Directory
from server.auth.middleware import TokenAuthMiddleware
from server.auth.oidc import OpenIdProvider, SealedCookies
from server.auth.oidc_controller import SingleSignOnController
from server.auth.passwords import Hashing
from server.auth.sealing import SecretBox
from server.auth.second_factor_controller import SecondFactorController
from server.auth.service import Authenticator, LoginGuard, TokenHasher
from server.auth.sessions import SessionWatch
from server.auth.throttle import LoginThrottle, ThrottlePolicy
from server.auth.tickets import Tickets
from server.cluster import Cluster
from server.conclusions.controller import ConclusionController, TaskController
from server.db import Database, session_for_request
from server.documents.controller import DocumentController
from server.documents.ocr_worker import OcrWorker
from server.documents.worker import DocumentWorker
from server.errors import AppError, app_error_handler, http_error_handler
from server.floor.controller import FloorController
from server.hardening import hardening_hook
from server.health import HealthProbe
from server.input_guard import InputGuard
from server.kiosk_routes import kiosk_routes
from server.leases import Leases
from server.live.hub import LiveHub
from server.live.redis_backend import ResilientRedisBackend
from server.live.socket import meeting_socket
from server.live.wire import channel_name
from server.log_redaction import redact_tokens_in_logs
from server.meetings.checkins import CheckInWriter
from server.meetings.controller import MeetingController
from server.memory import settle, unsettle
from server.minutes.controller import MinutesController, MinutesVerifyController
from server.notes.controller import NoteController
from server.openapi_ui import LocalSwaggerRenderPlugin
from server.opinions.controller import OpinionController
from server.privacy import keep_private, quiet_ballots
from server.recordings.controller import RecordingController
from server.recordings.storage import RecordingStore
from server.recordings.worker import RecordingWorker
from server.settings import Settings
from server.stacks import dump_on_signal
from server.transcripts.controller import TranscriptController
from server.votes.ballots import BallotWriter
from server.votes.controller import MeetingPollController, PollController
from server.votes.tally import PollTally

KIOSK_DIR = Path(kiosk.__file__).parent


async def provide_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in session_for_request(
        request.app.state.db, request.method, writes=bool(request.route_handler.opt.get("writes"))
    ):
        yield session


@get("/health", exclude_from_auth=True, tags=["system"])
async def health(request: Request) -> Response[dict[str, object]]:
    """Liveness, how many tablets this process holds open, which process this is (the ``owner`` of the
    ``work_lease`` rows it holds, when several processes share the database) and the background work it did.
    503 with ``"status": "error"`` and the ``problems`` while the data directory or the database cannot be
    written."""
    state = request.app.state
    found = state.health.problems
    body: dict[str, object] = {
        "status": "error" if found else "ok",
        "connections": len(state.live.connections),
        "instance": state.cluster.instance,
        # background work this process did since it started (several processes: each piece done by one)
        "work": {
            "extracted": state.worker.extracted,
            "ocr_pages": state.ocr.pages_read,
            "recordings_transcribed": state.speech.transcribed,
        },
        "assistant": state.search_index.progress(),
    }
    if state.speech.unavailable:  # served, but recordings wait: say why
        body["speech"] = {"unavailable": state.speech.unavailable}
    if found:
        body["problems"] = found
    return Response(body, status_code=503 if found else 200)


class AfterPlugins(InitPluginProtocol):
    """Enters a lifespan after those of the plugins listed before it. The app's own lifespan starts workers
    (documents, OCR, the search index) that publish events from their first step, which the channels plugin
    refuses until its lifespan has started: listed before it (Litestar's ``lifespan=``), a document extracted
    while the app was still starting failed to publish and was never indexed."""

    def __init__(self, lifespan: Callable[[Litestar], AbstractAsyncContextManager[None]]) -> None:
        self.lifespan = lifespan

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.lifespan.append(self.lifespan)
        return app_config


def login_guard_for(settings: Settings, audit_buffer: AuditBuffer) -> LoginGuard:
    def policy(free_attempts: int) -> ThrottlePolicy:
        return ThrottlePolicy(
            free_attempts, settings.login_lock_seconds, settings.login_lock_max_seconds, settings.login_window_seconds
        )

    throttle = LoginThrottle(
        account=policy(settings.login_account_free_attempts),
        address=policy(settings.login_address_free_attempts),
        redis_url=settings.redis_url,
        namespace=settings.redis_namespace,
    )
    return LoginGuard(throttle, Hashing(settings.password_hash_threads), audit_buffer)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings()
    keep_private(settings.data_dir)  # before the first file: the database, the secret key
    quiet_ballots()
    db = Database(settings)
    cluster = Cluster(shared=settings.is_shared)
    secret_key = settings.resolved_secret_key()
    token_hasher = TokenHasher(secret_key)
    directory = Directory(settings) if settings.ldap_url else None
    single_sign_on = OpenIdProvider(settings) if settings.oidc_issuer else None
    channels = ChannelsPlugin(
        # several processes: Redis, so an event published by one reaches the sockets of all
        backend=(
            ResilientRedisBackend(
                settings.redis_url, on_reconnect=cluster.reconnected, namespace=settings.redis_namespace
            )
            if settings.redis_url
            else MemoryChannelsBackend()
        ),
        arbitrary_channels_allowed=True,
        subscriber_max_backlog=settings.ws_max_backlog,
        subscriber_backlog_strategy="dropleft",
    )
    cluster.channels = channels
    live = LiveHub(
        channels,
        settings.ws_heartbeat_seconds,
        settings.ws_idle_timeout_seconds,
        db=db,
        watch_log=cluster.shared,
        max_sockets_per_session=settings.ws_max_sockets_per_session,
    )
    # sessions that end and rights that change close the sockets they hold, on every process
    sessions = SessionWatch()
    sessions.follow(cluster)
    sessions.listen(live.session_ended)
    cluster.on_reconnect(live.catch_up_soon)
    principals = PrincipalCache(settings.auth_cache_seconds)
    principals.follow(cluster)

    def publish(meeting_id: int, message: bytes) -> None:
        channels.publish(message, channel_name(meeting_id))

    blobs = BlobStore(settings.blob_dir)
    pages = PageCache(
        settings.page_cache_dir,
        max_bytes=round(settings.page_cache_max_mb * 1024 * 1024),
        max_pixels=settings.page_image_max_pixels,
    )
    reader_copies = ReaderCopies(settings.reader_copy_dir)
    # several processes: each piece of background work is claimed by one (server/leases.py)
    leases = Leases(db, cluster.instance, settings.lease_seconds, shared=cluster.shared)
    search_index = SearchIndex(settings, db, publish, cluster, leases)
    worker = DocumentWorker(
        db,
        blobs,
        publish,
        processed=search_index.sync,
        ocr=settings.ocr,
        leases=leases,
        reader_copies=reader_copies,
    )
    ocr = OcrWorker(
        settings, db, blobs, publish, extraction_idle=worker.idle, page_done=search_index.sync_page, leases=leases
    )

    def ocr_queued() -> None:
        ocr.wake()
        cluster.tell("ocr.queued")  # idle OCR workers of the other processes share the pages

    worker.ocr_queued = ocr_queued
    recordings = RecordingStore(settings.recording_dir)
    speech = RecordingWorker(settings, db, recordings, publish, search_index.sync_record, leases=leases)
    cluster.on("recording.queued", lambda args: speech.wake())

    def recording_queued() -> None:
        speech.wake()
        cluster.tell("recording.queued")  # an idle speech worker of another process may take it

    cluster.on("ocr.queued", lambda args: ocr.wake())
    phraser = (
        ChatPhraser(settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout_seconds)
        if settings.llm_base_url
        else None
    )
    audit_buffer = AuditBuffer(db)
    login_guard = login_guard_for(settings, audit_buffer)
    health_probe = HealthProbe(settings.data_dir, db, settings.health_probe_seconds)
    tally = PollTally(db, publish, settings.poll_tally_seconds)
    ballots = BallotWriter(db, tally)
    checkins = CheckInWriter(db, publish)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        redact_tokens_in_logs()
        dump_on_signal()
        await db.migrate()
        await db.forget_history()  # a secret poll closed just before a crash leaves its log behind no longer
        blobs.sweep_temp()  # uploads a crash cut short
        await cluster.start()
        await live.start()
        await audit_buffer.start()
        await health_probe.start()
        await search_index.start()
        await worker.start()
        if settings.ocr:
            await ocr.start()
        await speech.start()
        await tally.start()
        await ballots.start()
        await checkins.start()
        settle()  # last: what start-up built is frozen out of the collector's walks
        try:
            yield
        finally:
            unsettle()
            await checkins.stop()
            await ballots.stop()  # its last ballots are tallied by the tally's stop
            await tally.stop()
            await speech.stop()
            await ocr.stop()
            await worker.stop()
            await search_index.stop()
            if phraser is not None:
                await phraser.close()
            await live.stop()
            await cluster.stop()
            await health_probe.stop()
            await audit_buffer.stop()
            await login_guard.throttle.close()
            await db.dispose()

    state = State(
        {
            "settings": settings,
            "db": db,
            "live": live,
            "publish": publish,
            "blobs": blobs,
            "pages": pages,
            "reader_copies": reader_copies,
            "worker": worker,
            "ocr": ocr,
            "recordings": recordings,
            "speech": speech,
            "recording_queued": recording_queued,
            "recording_heard": speech.captions.heard,
            "search_index": search_index,
            "phraser": phraser,
            "audit": audit_buffer,
            "tally": tally,
            "ballots": ballots,
            "checkins": checkins,
            "token_hasher": token_hasher,
            "token_ttl": timedelta(seconds=settings.token_ttl_seconds),
            "principals": principals,
            "sessions": sessions,
            "cluster": cluster,
            "leases": leases,
            "authenticator": Authenticator(db, token_hasher, principals),
            "login_guard": login_guard,
            "directory": directory,
            "tickets": Tickets(token_hasher),
            "totp_box": SecretBox(secret_key, "totp"),
            "oidc": single_sign_on,
            "oidc_cookies": SealedCookies(secret_key),
            "health": health_probe,
        }
    )
    return Litestar(
        route_handlers=[
            health,
            AuthController,
            SecondFactorController,
            SingleSignOnController,
            MeetingController,
            AgendaController,
            DocumentController,
            AssistantController,
            MeetingPollController,
            PollController,
            FloorController,
            OpinionController,
            NoteController,
            ConclusionController,
            TaskController,
            TranscriptController,
            RecordingController,
            MinutesController,
            MinutesVerifyController,
            list_audit,
            meeting_socket,
            *kiosk_routes(KIOSK_DIR),
        ],
        dependencies={"db_session": Provide(provide_db_session)},
        middleware=[InputGuard(), DefineMiddleware(TokenAuthMiddleware, exclude=["^/schema"])],
        before_send=[hardening_hook(settings)],
        # the app's lifespan after the channels plugin's: its workers publish events from their first step
        plugins=[channels, AfterPlugins(lifespan)],
        state=state,
        exception_handlers={AppError: app_error_handler, HTTPException: http_error_handler},
        openapi_config=OpenAPIConfig(
            title="i-Cabinet",
            version="0.1.0",
            path="/schema",
            render_plugins=[LocalSwaggerRenderPlugin()],
            components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
            security=[{"bearer": []}],
        ),
        logging_config=LoggingConfig(
            root={"level": settings.log_level.upper(), "handlers": ["queue_listener"]},
            log_exceptions="always",
            disable_stack_trace=set(range(400, 500)),  # client mistakes are answered, not logged
        ),
    )
