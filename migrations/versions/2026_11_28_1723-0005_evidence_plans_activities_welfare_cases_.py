"""evidence: plans, activities, welfare cases, referrals

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import doan3cd.db.types

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("adopted_on", sa.Date(), nullable=True),
        sa.Column("document_ref", sa.String(length=200), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_plan_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
    )
    op.create_index("ix_plan_unit_year", "plan", ["unit_id", "year"], unique=False)
    op.create_table(
        "party_referral",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("stage_changed_on", sa.Date(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_party_referral_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_party_referral_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_referral")),
    )
    op.create_index(
        op.f("ix_party_referral_member_id"), "party_referral", ["member_id"], unique=False
    )
    op.create_index(
        "ix_party_referral_unit_year", "party_referral", ["unit_id", "year"], unique=False
    )
    op.create_table(
        "plan_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("activity_kind", sa.String(length=32), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_plan_item_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_item")),
    )
    op.create_index(op.f("ix_plan_item_plan_id"), "plan_item", ["plan_id"], unique=False)
    op.create_table(
        "welfare_case",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("person_name", sa.String(length=200), nullable=True),
        sa.Column("person_birth_year", sa.Integer(), nullable=True),
        sa.Column("person_gender", sa.String(length=10), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("identified_on", sa.Date(), nullable=False),
        sa.Column("support_plan", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("consent_given_on", sa.Date(), nullable=True),
        sa.Column("consent_by", sa.String(length=16), nullable=True),
        sa.Column("guardian_name", sa.String(length=200), nullable=True),
        sa.Column("consent_withdrawn_on", sa.Date(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_welfare_case_member_id_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_welfare_case_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_welfare_case")),
    )
    op.create_index(op.f("ix_welfare_case_member_id"), "welfare_case", ["member_id"], unique=False)
    op.create_index(
        "ix_welfare_case_unit_identified",
        "welfare_case",
        ["unit_id", "identified_on"],
        unique=False,
    )
    op.create_table(
        "activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("value_vnd", sa.BigInteger(), nullable=True),
        sa.Column("partner", sa.String(length=300), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("plan_item_id", sa.Uuid(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("verification", sa.String(length=16), nullable=False),
        sa.Column("verified_by", sa.String(length=80), nullable=True),
        sa.Column("verified_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rejected_reason", sa.Text(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_item_id"],
            ["plan_item.id"],
            name=op.f("fk_activity_plan_item_id_plan_item"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_activity_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    op.create_index("ix_activity_kind_occurred", "activity", ["kind", "occurred_on"], unique=False)
    op.create_index(
        "ix_activity_unit_occurred", "activity", ["unit_id", "occurred_on"], unique=False
    )
    op.create_table(
        "referral_transition",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("from_stage", sa.String(length=32), nullable=True),
        sa.Column("to_stage", sa.String(length=32), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("document_ref", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["party_referral.id"],
            name=op.f("fk_referral_transition_referral_id_party_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_transition")),
    )
    op.create_index(
        op.f("ix_referral_transition_referral_id"),
        "referral_transition",
        ["referral_id"],
        unique=False,
    )
    op.create_index(
        "ix_referral_transition_stage_on",
        "referral_transition",
        ["to_stage", "effective_on"],
        unique=False,
    )
    op.create_table(
        "support_action",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("acted_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value_vnd", sa.BigInteger(), nullable=True),
        sa.Column("partner", sa.String(length=300), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["welfare_case.id"],
            name=op.f("fk_support_action_case_id_welfare_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_action")),
    )
    op.create_index(
        "ix_support_action_case_acted", "support_action", ["case_id", "acted_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_support_action_case_acted", table_name="support_action")
    op.drop_table("support_action")
    op.drop_index("ix_referral_transition_stage_on", table_name="referral_transition")
    op.drop_index(op.f("ix_referral_transition_referral_id"), table_name="referral_transition")
    op.drop_table("referral_transition")
    op.drop_index("ix_activity_unit_occurred", table_name="activity")
    op.drop_index("ix_activity_kind_occurred", table_name="activity")
    op.drop_table("activity")
    op.drop_index("ix_welfare_case_unit_identified", table_name="welfare_case")
    op.drop_index(op.f("ix_welfare_case_member_id"), table_name="welfare_case")
    op.drop_table("welfare_case")
    op.drop_index(op.f("ix_plan_item_plan_id"), table_name="plan_item")
    op.drop_table("plan_item")
    op.drop_index("ix_party_referral_unit_year", table_name="party_referral")
    op.drop_index(op.f("ix_party_referral_member_id"), table_name="party_referral")
    op.drop_table("party_referral")
    op.drop_index("ix_plan_unit_year", table_name="plan")
    op.drop_table("plan")
