"""The demo meeting: a city People's Committee session with a Vietnamese agenda."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from documents.store import BlobStore
from documents.validate import validate
from server.agenda.models import AgendaItem
from server.auth.models import AuthToken, SystemRole, User
from server.auth.passwords import hash_password
from server.db import Database
from server.documents.models import Classification, Document, DocumentVersion
from server.meetings.models import Meeting, MeetingRole, Participant
from server.settings import Settings

DEMO_TITLE = "Phiên họp thường kỳ UBND thành phố tháng 11/2026"

# username, password, full name, system role, meeting role
PEOPLE = [
    ("admin", "admin-demo-1", "Quản trị hệ thống", SystemRole.admin, None),
    ("thuky", "thuky-demo-1", "Nguyễn Thị Thu (Thư ký)", SystemRole.secretary, MeetingRole.secretary),
    ("chutich", "chutich-demo-1", "Trần Văn Minh (Chủ tịch UBND)", SystemRole.member, MeetingRole.chair),
    ("daibieu1", "daibieu-demo-1", "Lê Hoàng Nam (Sở Tài chính)", SystemRole.member, MeetingRole.delegate),
    (
        "daibieu2",
        "daibieu-demo-2",
        "Phạm Thu Hà (Sở Kế hoạch và Đầu tư)",
        SystemRole.member,
        MeetingRole.delegate,
    ),
    (
        "daibieu3",
        "daibieu-demo-3",
        "Võ Quốc Huy (Sở Giao thông vận tải)",
        SystemRole.member,
        MeetingRole.delegate,
    ),
    ("khach", "khach-demo-1", "Đỗ Minh Anh (Báo Hà Nội Mới)", SystemRole.member, MeetingRole.guest),
]

AGENDA: list[tuple[str, str, int, list[str]]] = [
    ("Khai mạc, thông qua chương trình phiên họp", "Chủ tịch UBND", 10, []),
    (
        "Báo cáo tình hình kinh tế - xã hội tháng 11 và nhiệm vụ tháng 12/2026",
        "Sở Kế hoạch và Đầu tư",
        40,
        ["Kết quả thu ngân sách", "Giải ngân vốn đầu tư công"],
    ),
    ("Tờ trình về phí trông giữ xe trên địa bàn thành phố", "Sở Tài chính", 30, []),
    ("Tiến độ Đề án 06 về chuyển đổi số và dữ liệu dân cư", "Công an thành phố", 30, []),
    ("Kết luận của Chủ tịch UBND thành phố", "Chủ tịch UBND", 15, []),
]


async def load_demo(settings: Settings, *, with_documents: bool = True) -> tuple[list[tuple[str, str, str]], int]:
    """Create the demo users and meeting if missing; reset demo passwords. Returns logins and meeting id."""
    db = Database(settings)
    await db.migrate()
    try:
        async with db.write() as session:
            users: dict[str, User] = {}
            for username, password, full_name, role, _ in PEOPLE:
                user = (await session.exec(select(User).where(User.username == username))).first()
                if user is None:
                    user = User(username=username, full_name=full_name, role=role, password_hash="")
                user.password_hash = hash_password(password)
                user.is_active = True
                session.add(user)
                users[username] = user
            await session.flush()
            meeting = (await session.exec(select(Meeting).where(Meeting.title == DEMO_TITLE))).first()
            if meeting is None:
                meeting = await _create_meeting(session, users)
                if with_documents:
                    await _attach_documents(session, settings, meeting, users["thuky"])
            await session.commit()
            assert meeting.id is not None
            meeting_id = meeting.id
            # old demo sessions must not outlive a password reset
            for user in users.values():
                for token in (await session.exec(select(AuthToken).where(AuthToken.user_id == user.id))).all():
                    await session.delete(token)
            await session.commit()
    finally:
        await db.dispose()
    logins = [
        (username, password, (meeting_role or role).value) for username, password, _, role, meeting_role in PEOPLE
    ]
    return logins, meeting_id


# the reports of the demo agenda: file, agenda position, title, classification
DOCUMENTS = [
    ("bao-cao-ihanoi.pdf", 1, "Báo cáo kết quả triển khai ứng dụng iHanoi", Classification.public),
    ("so-ket-de-an-06-2022.pdf", 3, "Báo cáo sơ kết Đề án 06 năm 2022", Classification.internal),
]
DEMO_FILES = Path(__file__).parent / "demo_documents"


async def _attach_documents(session, settings: Settings, meeting: Meeting, uploader: User) -> None:  # type: ignore[no-untyped-def]
    """Store the demo reports as an upload would; the server's worker extracts them when it starts."""
    store = BlobStore(settings.blob_dir)
    items = (
        await session.exec(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting.id, AgendaItem.parent_id == None)  # noqa: E711
        )
    ).all()
    by_position = {item.position: item for item in items}
    for filename, position, title, classification in DOCUMENTS:
        path = DEMO_FILES / filename
        info = validate(path, max_pages=settings.max_pages)
        with store.new_upload(settings.max_upload_mb * 1024 * 1024) as upload:
            upload.write(path.read_bytes())
            blob = store.commit(upload)
        document = Document(
            meeting_id=meeting.id,
            agenda_item_id=by_position[position].id,
            title=title,
            classification=classification,
            page_count=info.page_count,
            created_by=uploader.id,
        )
        session.add(document)
        await session.flush()
        session.add(
            DocumentVersion(
                document_id=document.id,
                number=1,
                sha256=blob.sha256,
                size=blob.size,
                filename=filename,
                page_count=info.page_count,
                pdf_title=info.title,
                pdf_author=info.author,
                uploaded_by=uploader.id,
            )
        )


async def _create_meeting(session, users: dict[str, User]) -> Meeting:  # type: ignore[no-untyped-def]
    starts = datetime.now(UTC).replace(hour=1, minute=30, second=0, microsecond=0) + timedelta(days=1)
    meeting = Meeting(
        title=DEMO_TITLE,
        description="Phiên họp thường kỳ của Ủy ban nhân dân thành phố.",
        location="Phòng họp số 1, trụ sở UBND thành phố",
        starts_at=starts,
        created_by=users["thuky"].id,
    )
    session.add(meeting)
    await session.flush()
    for username, _, _, _, meeting_role in PEOPLE:
        if meeting_role is not None:
            session.add(Participant(meeting_id=meeting.id, user_id=users[username].id, role=meeting_role))
    for position, (title, presenter, minutes, subs) in enumerate(AGENDA):
        item = AgendaItem(
            meeting_id=meeting.id,
            position=position,
            title=title,
            presenter=presenter,
            duration_minutes=minutes,
        )
        session.add(item)
        await session.flush()
        for sub_position, sub_title in enumerate(subs):
            session.add(
                AgendaItem(
                    meeting_id=meeting.id,
                    parent_id=item.id,
                    position=sub_position,
                    title=sub_title,
                    presenter=presenter,
                )
            )
    return meeting
