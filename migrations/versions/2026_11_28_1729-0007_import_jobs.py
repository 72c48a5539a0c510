"""import jobs: the job, its stored file, row errors and dry-run row results

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-28 17:29:07.887730+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import doan3cd.db.types

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("strategy", sa.String(length=8), nullable=False),
        sa.Column("atomic", sa.Boolean(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=255), nullable=True),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("principal_key", sa.String(length=80), nullable=False),
        sa.Column("principal", sa.JSON(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message_vi", sa.Text(), nullable=True),
        sa.Column("error_message_en", sa.Text(), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("created_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_job_principal_key"), ["principal_key"], unique=False
        )
        batch_op.create_index("ix_import_job_state_created", ["state", "created_at"], unique=False)

    op.create_table(
        "import_job_error",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=64), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message_vi", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["import_job.id"],
            name=op.f("fk_import_job_error_job_id_import_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job_error")),
    )
    with op.batch_alter_table("import_job_error", schema=None) as batch_op:
        batch_op.create_index("ix_import_job_error_job_row", ["job_id", "row"], unique=False)

    op.create_table(
        "import_job_file",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("part", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["import_job.id"],
            name=op.f("fk_import_job_file_job_id_import_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "part", name=op.f("pk_import_job_file")),
    )
    op.create_table(
        "import_job_row",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("row", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("changed", sa.String(length=400), nullable=True),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["import_job.id"],
            name=op.f("fk_import_job_row_job_id_import_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "row", name=op.f("pk_import_job_row")),
    )


def downgrade() -> None:
    op.drop_table("import_job_row")
    op.drop_table("import_job_file")
    with op.batch_alter_table("import_job_error", schema=None) as batch_op:
        batch_op.drop_index("ix_import_job_error_job_row")

    op.drop_table("import_job_error")
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_index("ix_import_job_state_created")
        batch_op.drop_index(batch_op.f("ix_import_job_principal_key"))

    op.drop_table("import_job")
