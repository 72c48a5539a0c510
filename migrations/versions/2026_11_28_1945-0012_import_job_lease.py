"""import jobs: a worker lease (heartbeat) and the number of starts

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import doan3cd.db.types

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_job") as batch:
        batch.add_column(
            sa.Column("heartbeat_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("import_job") as batch:
        batch.drop_column("attempts")
        batch.drop_column("heartbeat_at")
