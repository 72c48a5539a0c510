"""member positions: an index for overlap checks by unit and position

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_member_position_unit_title", "member_position", ["unit_id", "title"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_member_position_unit_title", table_name="member_position")
