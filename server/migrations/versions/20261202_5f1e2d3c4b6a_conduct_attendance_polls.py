"""attendance (delegated-to, quorum rule) and polls with ballots

Revision ID: 5f1e2d3c4b6a
Revises: aece69821315
Create Date: 2026-12-02 16:50:00
"""

from collections.abc import Sequence

revision: str = "5f1e2d3c4b6a"
down_revision: str | None = "aece69821315"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
