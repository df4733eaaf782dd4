"""``icabinet``: serve, manage users, load the demo meeting, migrate."""

from __future__ import annotations

import asyncio
import sys

import click

from server.settings import Settings


@click.group(help="i-Cabinet: paperless smart meeting room. Settings come from ICABINET_* variables.")
def main() -> None:
    from server.privacy import keep_private

    # every command may create the database or keys under the data directory: its user's only from the start
    keep_private(read_settings().data_dir)


def read_settings() -> Settings:
    """The settings, or one line per wrong one (never the values: a password may be among them)."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']}" for error in exc.errors()
        )
        raise click.ClickException(f"wrong settings: {problems}") from None


@main.command(help="Run the server.")
@click.option("--host", default=None, help="Address to listen on (default: ICABINET_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default: ICABINET_PORT or 8000).")
@click.option(
    "--workers",
    default=1,
    type=click.IntRange(1, 64),
    show_default=True,
    help="Server processes on this port (needs PostgreSQL and Redis: ICABINET_DATABASE_URL, ICABINET_REDIS_URL).",
)
def serve(host: str | None, port: int | None, workers: int) -> None:
    import uvicorn

    settings = read_settings()
    check_data_dir(settings)
    check_directory(settings)
    check_single_sign_on(settings)
    if workers > 1:
        check_scale_out(settings)
    uvicorn.run(
        # one process: the app built here; several: each worker builds its own from the same ICABINET_* settings
        _app_for(settings) if workers == 1 else "server.app:create_app",
        factory=workers > 1,
        workers=workers,
        host=host or settings.host,
        port=port or settings.port,
        ws="websockets-sansio",
        ws_per_message_deflate=settings.ws_compression,
        ws_ping_interval=settings.ws_heartbeat_seconds,
        ws_ping_timeout=settings.ws_idle_timeout_seconds,
        log_level=settings.log_level,
        timeout_graceful_shutdown=5,
    )


def _app_for(settings: Settings) -> object:
    from server.app import create_app

    return create_app(settings)


def check_data_dir(settings: Settings) -> None:
    """A data directory the server cannot write stops it at once with one line saying so (not a traceback from
    whichever part first tried to write)."""
    from server.health import data_dir_problem

    try:
        settings.ensure_data_dir()
    except OSError as exc:
        raise click.ClickException(f"cannot create the data directory {settings.data_dir}: {exc.strerror}") from None
    problem = data_dir_problem(settings.data_dir)
    if problem is not None:
        raise click.ClickException(f"{problem} (ICABINET_DATA_DIR; the server needs to write there)")


def check_directory(settings: Settings) -> None:
    """Directory settings the directory refuses (TLS that does not verify, a service account it does not know)
    stop the server with one line; a directory that cannot be reached now only warns (local accounts still work,
    and directory logins answer 503 until it is back)."""
    if settings.ldap_url is None:
        return
    from server.auth.directory import Directory, DirectoryUnavailable

    try:
        asyncio.run(Directory(settings).check())
    except ValueError as exc:
        raise click.ClickException(f"directory login (ICABINET_LDAP_*): {exc}") from None
    except DirectoryUnavailable as exc:
        if "CERTIFICATE" in str(exc).upper() or "TLS" in str(exc).upper():
            raise click.ClickException(
                f"directory login (ICABINET_LDAP_*): TLS with the directory failed: {exc} (ICABINET_LDAP_CA_FILE?)"
            ) from None
        click.echo(f"warning: the directory cannot be reached now: {exc}", err=True)


def check_single_sign_on(settings: Settings) -> None:
    """A provider whose discovery names another issuer or offers no PKCE S256 stops the server with one line; one
    that cannot be reached now only warns (password logins still work; sign-ins are sent back until it is)."""
    if settings.oidc_issuer is None:
        return
    from server.auth.oidc import OpenIdProvider, ProviderUnavailable, WrongProvider

    try:
        asyncio.run(OpenIdProvider(settings).metadata())
    except WrongProvider as exc:
        raise click.ClickException(f"single sign-on (ICABINET_OIDC_*): {exc}") from None
    except ProviderUnavailable as exc:
        click.echo(f"warning: the OpenID provider cannot be reached now: {exc}", err=True)


def check_scale_out(settings: Settings) -> None:
    """Several processes need a shared database and shared live channels: refuse to start without them."""
    if settings.is_sqlite:
        raise click.UsageError(
            "--workers needs PostgreSQL: set ICABINET_DATABASE_URL=postgresql+asyncpg://... (SQLite is one "
            "process's database)"
        )
    if not settings.redis_url:
        raise click.UsageError(
            "--workers needs Redis: set ICABINET_REDIS_URL=redis://host:6379/0 (without it an event published in "
            "one process would never reach the tablets connected to another)"
        )


@main.command(help="Create or upgrade the database schema (the server also does this on start).")
def migrate() -> None:
    from server.db import Database

    async def run() -> None:
        db = Database(Settings())
        await db.migrate()
        await db.dispose()

    asyncio.run(run())
    click.echo("database is up to date")


@main.group(help="Manage users.")
def user() -> None:
    pass


@user.command("add", help="Create a user.")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["admin", "secretary", "member", "recorder"]), default="member", show_default=True
)
@click.option("--full-name", default="", help="Name shown on screens and in minutes.")
@click.option("--password", default=None, help="The password (prefer --password-stdin: argv is visible to others).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def user_add(username: str, role: str, full_name: str, password: str | None, password_stdin: bool) -> None:
    from pydantic import ValidationError

    from server.errors import AppError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise click.UsageError("give --password or --password-stdin")
    try:
        user_id = create_user_sync(Settings(), username, password, role, full_name)
    except ValidationError as exc:
        raise click.UsageError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    except AppError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"created user {username} (id {user_id}, role {role})")


def create_user_sync(settings: Settings, username: str, password: str, role: str, full_name: str = "") -> int:
    """Create a user directly in the database (validated like the API); returns its id."""
    from server.auth.models import SystemRole
    from server.auth.schemas import UserCreate
    from server.auth.service import UserService
    from server.db import Database

    data = UserCreate(username=username, password=password, full_name=full_name, role=SystemRole(role))

    async def run() -> int:
        db = Database(settings)
        try:
            await db.migrate()
            async with db.write() as session:
                created = await UserService(session).create(data, None)
                assert created.id is not None
                return created.id
        finally:
            await db.dispose()

    return asyncio.run(run())


@main.command(help="Create (or reset) the demo meeting with a Vietnamese agenda and print the logins.")
@click.option(
    "--documents/--no-documents",
    default=True,
    show_default=True,
    help="Attach two real Vietnamese reports to the agenda when the meeting is created.",
)
def demo(documents: bool) -> None:
    from server.demo import load_demo

    logins, meeting_id = asyncio.run(load_demo(Settings(), with_documents=documents))
    click.echo(f"Demo meeting {meeting_id} is ready. Logins (username / password):")
    for username, password, role in logins:
        click.echo(f"  {username:<12} {password:<14} {role}")


@main.command(help="Rebuild the assistant's search index from the database (stop the server first).")
def reindex() -> None:
    from tqdm import tqdm

    from server.assistant.offline import reindex as rebuild

    with tqdm(total=0, unit="passage", desc="encoding", disable=None) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        rebuilt = asyncio.run(rebuild(Settings(), progress))
    click.echo(f"indexed {rebuilt.documents} documents: {rebuilt.chunks} passages, {rebuilt.vectors} with vectors")


@main.command(help="Ask the assistant a question about the meeting materials and print the cited answer.")
@click.argument("question")
@click.option("--meeting", "meeting_id", type=int, default=None, help="Only this meeting's materials.")
@click.option("--as", "username", default=None, help="Answer over what this user may read (default: everything).")
def ask(question: str, meeting_id: int | None, username: str | None) -> None:
    from server.assistant.offline import ask as ask_offline
    from server.errors import AppError

    if not question.strip():
        raise click.UsageError("the question is empty")
    try:
        asked = asyncio.run(ask_offline(Settings(), question, meeting_id, username))
    except AppError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(asked.answer.text)
    for number, citation in enumerate(asked.answer.citations, 1):
        title = asked.titles.get(citation.doc_id, "")
        click.echo(f"  [{number}] {title}, trang {citation.page} (document {citation.doc_id}): {citation.snippet}")


if __name__ == "__main__":
    main()
