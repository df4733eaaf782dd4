"""speaker requests, written opinions, private notes, conclusions and tasks

Revision ID: 6a2b3c4d5e7f
Revises: 5f1e2d3c4b6a
Create Date: 2026-12-02 16:50:00
"""

from collections.abc import Sequence

revision: str = "6a2b3c4d5e7f"
down_revision: str | None = "5f1e2d3c4b6a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
