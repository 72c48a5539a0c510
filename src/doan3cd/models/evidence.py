"""Evidence a unit records all year (domain.md §3 "Evidence"): plans, activities, welfare cases
with their support actions, and Party referrals with their dated stage transitions.

Evidence points at a unit's stable id; which ancestors it rolls up to is decided by the tree as
of the date that matters.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from doan3cd.db.base import Base
from doan3cd.db.types import UTCDateTime, utcnow


class Plan(Base):
    """Kế hoạch / chương trình công tác: annual_programme, action_programme or thematic."""

    __tablename__ = "plan"
    __table_args__ = (Index("ix_plan_unit_year", "unit_id", "year"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    adopted_on: Mapped[date | None] = mapped_column(Date)  # None while still a draft
    document_ref: Mapped[str | None] = mapped_column(String(200))
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PlanItem(Base):
    """A planned activity with its planned date, linked to the activities that carried it out."""

    __tablename__ = "plan_item"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("plan.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    activity_kind: Mapped[str | None] = mapped_column(String(32))
    planned_on: Mapped[date | None] = mapped_column(Date)


class Activity(Base):
    """Hoạt động: a dated, evidenced thing a branch or grassroots unit did.

    `details` holds the kind-specific fields (validated per kind by the API's discriminated
    union); fields the verdict needs are columns so facts load with plain SQL.
    """

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_unit_occurred", "unit_id", "occurred_on"),
        Index("ix_activity_kind_occurred", "kind", "occurred_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    participants: Mapped[int | None] = mapped_column(Integer)
    value_vnd: Mapped[int | None] = mapped_column(BigInteger)
    partner: Mapped[str | None] = mapped_column(String(300))
    completed_on: Mapped[date | None] = mapped_column(Date)  # youth projects
    plan_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("plan_item.id", ondelete="SET NULL")
    )
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    verification: Mapped[str] = mapped_column(String(16), default="submitted")
    verified_by: Mapped[str | None] = mapped_column(String(80))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WelfareCase(Base):
    """Thanh niên yếu thế: a disadvantaged young person a unit supports. Sensitive as a whole."""

    __tablename__ = "welfare_case"
    __table_args__ = (Index("ix_welfare_case_unit_identified", "unit_id", "identified_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"))
    member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), index=True
    )
    # Minimal identity for a person who is not a member.
    person_name: Mapped[str | None] = mapped_column(String(200))
    person_birth_year: Mapped[int | None] = mapped_column(Integer)
    person_gender: Mapped[str | None] = mapped_column(String(10))
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    identified_on: Mapped[date] = mapped_column(Date)
    support_plan: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="open")
    state_reason: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date)
    consent_given_on: Mapped[date | None] = mapped_column(Date)
    consent_by: Mapped[str | None] = mapped_column(String(16))  # subject | guardian | both
    guardian_name: Mapped[str | None] = mapped_column(String(200))
    consent_withdrawn_on: Mapped[date | None] = mapped_column(Date)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SupportAction(Base):
    """Hỗ trợ, chăm lo: a gift, scholarship, loan, livelihood grant, house, mentoring…"""

    __tablename__ = "support_action"
    __table_args__ = (Index("ix_support_action_case_acted", "case_id", "acted_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("welfare_case.id", ondelete="CASCADE"))
    acted_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    value_vnd: Mapped[int | None] = mapped_column(BigInteger)
    partner: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PartyReferral(Base):
    """Giới thiệu đoàn viên ưu tú cho Đảng: a nomination moving through dated stages."""

    __tablename__ = "party_referral"
    __table_args__ = (Index("ix_party_referral_unit_year", "unit_id", "year"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(32), default="nominated_by_branch")
    stage_changed_on: Mapped[date] = mapped_column(Date)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReferralTransition(Base):
    """One dated stage change of a referral, with its document (Mẫu 4_1-KNĐ, 4-KNĐ…)."""

    __tablename__ = "referral_transition"
    __table_args__ = (Index("ix_referral_transition_stage_on", "to_stage", "effective_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("party_referral.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32))
    effective_on: Mapped[date] = mapped_column(Date)
    document_ref: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
