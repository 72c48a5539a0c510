"""change log: the path a record sat at before a change moved it (for `left_scope` feed items)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("change") as batch:
        batch.add_column(
            sa.Column(
                "previous_unit_path",
                sa.String(length=1100).with_variant(
                    sa.String(length=1100, collation="C"), "postgresql"
                ),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("change") as batch:
        batch.drop_column("previous_unit_path")
