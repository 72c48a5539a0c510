"""members and the change log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import doan3cd.db.types

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Trigram indexes for accent-free name search; pg_trgm is a trusted extension, kept in
        # public so every schema on the search path finds its operator classes.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    op.create_table(
        "change",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.Uuid(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "unit_path",
            sa.String(length=1100).with_variant(
                sa.String(length=1100, collation="C"), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column("external_ids", sa.JSON(), nullable=False),
        sa.Column("changed_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change")),
    )
    op.create_index("ix_change_resource_id_seq", "change", ["resource_id", "seq"], unique=False)
    op.create_index("ix_change_resource_seq", "change", ["resource", "seq"], unique=False)
    op.create_table(
        "member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("name_folded", sa.String(length=200), nullable=False),
        sa.Column(
            "name_sort_key",
            sa.String(length=600).with_variant(sa.String(length=600, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("gender", sa.String(length=10), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("occupation", sa.String(length=200), nullable=True),
        sa.Column("education", sa.String(length=200), nullable=True),
        sa.Column("member_code", sa.String(length=32), nullable=True),
        sa.Column("card_number", sa.String(length=32), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_changed_on", sa.Date(), nullable=True),
        sa.Column("party_admitted_on", sa.Date(), nullable=True),
        sa.Column("is_cadre", sa.Boolean(), nullable=False),
        sa.Column("ethnicity", sa.String(length=60), nullable=True),
        sa.Column("religion", sa.String(length=60), nullable=True),
        sa.Column("national_id", sa.String(length=12), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["unit.id"], name=op.f("fk_member_branch_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint("member_code", name=op.f("uq_member_member_code")),
    )
    op.create_index(
        "ix_member_branch_sort", "member", ["branch_id", "name_sort_key", "id"], unique=False
    )
    op.create_index(
        "ix_member_name_trgm",
        "member",
        ["name_folded"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name_folded": "gin_trgm_ops"},
    )
    op.create_index("ix_member_sort", "member", ["name_sort_key", "id"], unique=False)
    op.create_index(op.f("ix_member_status"), "member", ["status"], unique=False)
    op.create_table(
        "member_external_id",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("source_updated_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_member_external_id_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_external_id")),
        sa.UniqueConstraint(
            "source", "external_id", name=op.f("uq_member_external_id_source_external_id")
        ),
    )
    op.create_index(
        op.f("ix_member_external_id_member_id"), "member_external_id", ["member_id"], unique=False
    )
    op.create_table(
        "member_position",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_member_position_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_member_position_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_position")),
    )
    op.create_index(
        op.f("ix_member_position_member_id"), "member_position", ["member_id"], unique=False
    )
    op.create_table(
        "member_status_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_member_status_change_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_status_change")),
    )
    op.create_index(
        op.f("ix_member_status_change_member_id"),
        "member_status_change",
        ["member_id"],
        unique=False,
    )
    op.create_table(
        "membership_period",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["unit.id"], name=op.f("fk_membership_period_branch_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_membership_period_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_period")),
        sa.UniqueConstraint(
            "member_id", "valid_from", name=op.f("uq_membership_period_member_id_valid_from")
        ),
    )
    op.create_index(
        "ix_membership_period_branch_valid",
        "membership_period",
        ["branch_id", "valid_from"],
        unique=False,
    )
    op.create_table(
        "transfer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("from_branch_id", sa.Uuid(), nullable=False),
        sa.Column("to_branch_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("rejected_reason", sa.Text(), nullable=True),
        sa.Column("dues_paid_until", sa.String(length=7), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_branch_id"], ["unit.id"], name=op.f("fk_transfer_from_branch_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_transfer_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_branch_id"], ["unit.id"], name=op.f("fk_transfer_to_branch_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer")),
    )
    op.create_index(op.f("ix_transfer_member_id"), "transfer", ["member_id"], unique=False)
    op.create_index(op.f("ix_transfer_requested_on"), "transfer", ["requested_on"], unique=False)
    op.create_index(op.f("ix_transfer_to_branch_id"), "transfer", ["to_branch_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_transfer_to_branch_id"), table_name="transfer")
    op.drop_index(op.f("ix_transfer_requested_on"), table_name="transfer")
    op.drop_index(op.f("ix_transfer_member_id"), table_name="transfer")
    op.drop_table("transfer")
    op.drop_index("ix_membership_period_branch_valid", table_name="membership_period")
    op.drop_table("membership_period")
    op.drop_index(op.f("ix_member_status_change_member_id"), table_name="member_status_change")
    op.drop_table("member_status_change")
    op.drop_index(op.f("ix_member_position_member_id"), table_name="member_position")
    op.drop_table("member_position")
    op.drop_index(op.f("ix_member_external_id_member_id"), table_name="member_external_id")
    op.drop_table("member_external_id")
    op.drop_index(op.f("ix_member_status"), table_name="member")
    op.drop_index("ix_member_sort", table_name="member")
    op.drop_index(
        "ix_member_name_trgm",
        table_name="member",
        postgresql_using="gin",
        postgresql_ops={"name_folded": "gin_trgm_ops"},
    )
    op.drop_index("ix_member_branch_sort", table_name="member")
    op.drop_table("member")
    op.drop_index("ix_change_resource_seq", table_name="change")
    op.drop_index("ix_change_resource_id_seq", table_name="change")
    op.drop_table("change")
