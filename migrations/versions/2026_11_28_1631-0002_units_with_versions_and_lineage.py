"""units with versions and lineage; default parent/child kind rules

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

import doan3cd.db.types

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Which parent kind may hold which child kind (configuration, editable as data). The district level
# was abolished on 1/7/2025, so the rules involving it stop on that date.
FOUNDED = date(1931, 3, 26)
DISTRICTS_ABOLISHED = date(2025, 7, 1)
DEFAULT_KIND_RULES = [
    ("central", "province", None),
    ("province", "district", DISTRICTS_ABOLISHED),
    ("province", "affiliated", None),
    ("province", "grassroots", None),
    ("province", "grassroots_branch", None),
    ("district", "grassroots", DISTRICTS_ABOLISHED),
    ("district", "grassroots_branch", DISTRICTS_ABOLISHED),
    ("affiliated", "grassroots", None),
    ("affiliated", "grassroots_branch", None),
    ("grassroots", "branch_group", None),
    ("grassroots", "branch", None),
    ("branch_group", "branch", None),
]


def upgrade() -> None:
    op.create_table(
        "lineage_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("decision_ref", sa.String(length=255), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lineage_event")),
    )
    with op.batch_alter_table("lineage_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lineage_event_effective_on"), ["effective_on"], unique=False
        )

    op.create_table(
        "unit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", doan3cd.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("code", name=op.f("uq_unit_code")),
    )
    op.create_table(
        "unit_kind_rule",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("parent_kind", sa.String(length=32), nullable=False),
        sa.Column("child_kind", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_kind_rule")),
        sa.UniqueConstraint(
            "parent_kind",
            "child_kind",
            "valid_from",
            name=op.f("uq_unit_kind_rule_parent_kind_child_kind_valid_from"),
        ),
    )
    op.create_table(
        "lineage_event_unit",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["lineage_event.id"],
            name=op.f("fk_lineage_event_unit_event_id_lineage_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_lineage_event_unit_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("event_id", "unit_id", name=op.f("pk_lineage_event_unit")),
    )
    with op.batch_alter_table("lineage_event_unit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lineage_event_unit_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "unit_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("name_folded", sa.String(length=255), nullable=False),
        sa.Column("short_name", sa.String(length=120), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column(
            "path",
            sa.String(length=1100).with_variant(
                sa.String(length=1100, collation="C"), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["lineage_event.id"], name=op.f("fk_unit_version_event_id_lineage_event")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["unit.id"], name=op.f("fk_unit_version_parent_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_unit_version_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_version")),
        sa.UniqueConstraint(
            "unit_id", "valid_from", name=op.f("uq_unit_version_unit_id_valid_from")
        ),
    )
    with op.batch_alter_table("unit_version", schema=None) as batch_op:
        batch_op.create_index(
            "ix_unit_version_parent_valid", ["parent_id", "valid_from"], unique=False
        )
        batch_op.create_index("ix_unit_version_path_valid", ["path", "valid_from"], unique=False)

    op.bulk_insert(
        sa.table(
            "unit_kind_rule",
            sa.column("parent_kind", sa.String),
            sa.column("child_kind", sa.String),
            sa.column("valid_from", sa.Date),
            sa.column("valid_to", sa.Date),
        ),
        [
            {"parent_kind": p, "child_kind": c, "valid_from": FOUNDED, "valid_to": to}
            for p, c, to in DEFAULT_KIND_RULES
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("unit_version", schema=None) as batch_op:
        batch_op.drop_index("ix_unit_version_path_valid")
        batch_op.drop_index("ix_unit_version_parent_valid")

    op.drop_table("unit_version")
    with op.batch_alter_table("lineage_event_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lineage_event_unit_unit_id"))

    op.drop_table("lineage_event_unit")
    op.drop_table("unit_kind_rule")
    op.drop_table("unit")
    with op.batch_alter_table("lineage_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lineage_event_effective_on"))

    op.drop_table("lineage_event")
