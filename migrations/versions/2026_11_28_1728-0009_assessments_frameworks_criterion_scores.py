"""assessments: frameworks as data (3CD-2023 v1 seeded), criterion scores, assessments

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-28
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import doan3cd.db.types
from doan3cd.db.types import utcnow
from doan3cd.domain.framework import DEFAULT_FRAMEWORK, framework_to_dict

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    framework = op.create_table(
        "framework",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=False),
        sa.Column("created_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_framework_code_version")),
    )
    # The default framework is data: a province replaces it with a new version, not a release.
    op.bulk_insert(
        framework,
        [
            {
                "id": uuid.UUID("3c0d2023-0000-4000-8000-000000000001"),
                "code": DEFAULT_FRAMEWORK.code,
                "version": DEFAULT_FRAMEWORK.version,
                "data": framework_to_dict(DEFAULT_FRAMEWORK),
                "first_year": DEFAULT_FRAMEWORK.first_year,
                "last_year": DEFAULT_FRAMEWORK.last_year,
                "created_at": utcnow(),
                "locked_at": None,
            }
        ],
    )
    op.create_table(
        "assessment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("new_members_target", sa.Integer(), nullable=True),
        sa.Column("referrals_target", sa.Integer(), nullable=True),
        sa.Column("submitted_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("returned_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("return_reasons", sa.JSON(), nullable=False),
        sa.Column("return_comment", sa.Text(), nullable=True),
        sa.Column("recognised", sa.Boolean(), nullable=True),
        sa.Column("decision_number", sa.String(length=60), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("issuing_unit_id", sa.Uuid(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("verdict", sa.JSON(), nullable=True),
        sa.Column("framework_code", sa.String(length=40), nullable=True),
        sa.Column("framework_version", sa.Integer(), nullable=True),
        sa.Column("inputs_hash", sa.String(length=64), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuing_unit_id"], ["unit.id"], name=op.f("fk_assessment_issuing_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_assessment_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
        sa.UniqueConstraint("unit_id", "year", name=op.f("uq_assessment_unit_id_year")),
    )
    op.create_index("ix_assessment_year_state", "assessment", ["year", "state"])

    op.create_table(
        "criterion_score",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator_key", sa.String(length=20), nullable=False),
        sa.Column("self_score", sa.Float(), nullable=True),
        sa.Column("review_score", sa.Float(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("evidence_ids", sa.JSON(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_criterion_score_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criterion_score")),
        sa.UniqueConstraint(
            "unit_id",
            "year",
            "indicator_key",
            name=op.f("uq_criterion_score_unit_id_year_indicator_key"),
        ),
    )


def downgrade() -> None:
    op.drop_table("criterion_score")
    op.drop_index("ix_assessment_year_state", table_name="assessment")

    op.drop_table("assessment")
    op.drop_table("framework")
