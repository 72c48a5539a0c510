"""Evaluation (domain.md §3): frameworks as data, manual criterion scores, and the yearly
assessment of a grassroots unit with its frozen verdict; plus a cache of computed verdicts."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from doan3cd.db.base import Base
from doan3cd.db.types import UTCDateTime, utcnow


class FrameworkVersion(Base):
    """Bảng tiêu chí: one version of a framework, stored as `domain.framework_to_dict` data.

    `locked_at` is set when a decision first used the version; from then on it never changes.
    """

    __tablename__ = "framework"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CriterionScore(Base):
    """Điểm tự chấm / điểm thẩm định for one manual indicator of a unit and year."""

    __tablename__ = "criterion_score"
    __table_args__ = (UniqueConstraint("unit_id", "year", "indicator_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    indicator_key: Mapped[str] = mapped_column(String(20))
    self_score: Mapped[float | None] = mapped_column(Float)
    review_score: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    evidence_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Assessment(Base):
    """One unit's year: registration → submitted ⇄ returned → decided, with the frozen verdict."""

    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint("unit_id", "year"),
        Index("ix_assessment_year_state", "year", "state"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="registered")
    registered_on: Mapped[date] = mapped_column(Date)
    new_members_target: Mapped[int | None] = mapped_column(Integer)
    referrals_target: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    return_comment: Mapped[str | None] = mapped_column(Text)
    recognised: Mapped[bool | None] = mapped_column(Boolean)
    decision_number: Mapped[str | None] = mapped_column(String(60))
    decided_on: Mapped[date | None] = mapped_column(Date)
    issuing_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    # The evaluation frozen at decision time.
    verdict: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    framework_code: Mapped[str | None] = mapped_column(String(40))
    framework_version: Mapped[int | None] = mapped_column(Integer)
    inputs_hash: Mapped[str | None] = mapped_column(String(64))
    # The unit-year's evidence is locked while true (set by a decision, cleared by a reopening).
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
