"""Organisation units with effective-dated versions and lineage events (domain.md §3, §5).

A unit's id and code never change; its name, kind and parent live in versions valid over
[valid_from, valid_to). Each version stores the materialised path of unit ids from the root, so
"the subtree of X as of D" is one range scan over `path` among the versions valid on D.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doan3cd.db.base import Base
from doan3cd.db.types import UTCDateTime, binary_string, utcnow


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class UnitVersion(Base):
    __tablename__ = "unit_version"
    __table_args__ = (
        UniqueConstraint("unit_id", "valid_from"),
        Index("ix_unit_version_path_valid", "path", "valid_from"),
        Index("ix_unit_version_parent_valid", "parent_id", "valid_from"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    name_folded: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    path: Mapped[str] = mapped_column(binary_string(1100))
    depth: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("lineage_event.id"))


class LineageEvent(Base):
    """A dated change to the tree with its decision reference (quyết định)."""

    __tablename__ = "lineage_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    decision_ref: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LineageEventUnit(Base):
    """Which units an event touched and how: subject, source (merged away) or target."""

    __tablename__ = "lineage_event_unit"

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lineage_event.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))


class UnitKindRule(Base):
    """Configuration: which parent kind may hold which child kind, and over which dates."""

    __tablename__ = "unit_kind_rule"
    __table_args__ = (UniqueConstraint("parent_kind", "child_kind", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    parent_kind: Mapped[str] = mapped_column(String(32))
    child_kind: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date, default=date(1931, 3, 26))
    valid_to: Mapped[date | None] = mapped_column(Date)
