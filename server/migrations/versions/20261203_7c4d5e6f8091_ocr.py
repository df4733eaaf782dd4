"""ocr: scanned pages read by OCR (per-page source, status, confidence), progress, searchable copy

Revision ID: 7c4d5e6f8091
Revises: 6a2b3c4d5e7f
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "7c4d5e6f8091"
down_revision: str | None = "6a2b3c4d5e7f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        for name in ("ocr_total", "ocr_done", "ocr_failed"):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))

    with op.batch_alter_table("document_version", schema=None) as batch_op:
        for name in ("ocr_total", "ocr_done", "ocr_failed"):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("ocr_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_document_version_ocr_sha256"), ["ocr_sha256"], unique=False)

    with op.batch_alter_table("document_page", schema=None) as batch_op:
        # pages extracted before OCR existed came from their text layer
        batch_op.add_column(sa.Column("source", sa.String(length=8), nullable=False, server_default="text"))
        batch_op.add_column(sa.Column("ocr_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("ocr_error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
        batch_op.add_column(sa.Column("text_layer", sa.LargeBinary(), nullable=True))
        batch_op.create_index(batch_op.f("ix_document_page_ocr_status"), ["ocr_status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document_page", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_page_ocr_status"))
        for name in ("text_layer", "ocr_error", "confidence", "ocr_status", "source"):
            batch_op.drop_column(name)

    with op.batch_alter_table("document_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_version_ocr_sha256"))
        for name in ("ocr_sha256", "ocr_failed", "ocr_done", "ocr_total"):
            batch_op.drop_column(name)

    with op.batch_alter_table("document", schema=None) as batch_op:
        for name in ("ocr_failed", "ocr_done", "ocr_total"):
            batch_op.drop_column(name)
