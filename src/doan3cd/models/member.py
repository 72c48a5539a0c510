"""Members (đoàn viên), their dated branch membership, status history, positions and transfers.

Members point at units by stable id. Ethnicity, religion and national ID are sensitive personal
data (Law 91/2025/QH15): they are stored only when given and returned only to allowed roles.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from doan3cd.db.base import Base
from doan3cd.db.types import UTCDateTime, binary_string, utcnow


class Member(Base):
    __tablename__ = "member"
    __table_args__ = (
        Index("ix_member_branch_sort", "branch_id", "name_sort_key", "id"),
        Index("ix_member_sort", "name_sort_key", "id"),
        # Accent-free substring search (`q`) at millions of rows: a trigram index on PostgreSQL.
        Index(
            "ix_member_name_trgm",
            "name_folded",
            postgresql_using="gin",
            postgresql_ops={"name_folded": "gin_trgm_ops"},
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    full_name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200))
    name_sort_key: Mapped[str] = mapped_column(binary_string(600))
    date_of_birth: Mapped[date] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(500))
    occupation: Mapped[str | None] = mapped_column(String(200))
    education: Mapped[str | None] = mapped_column(String(200))
    member_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    card_number: Mapped[str | None] = mapped_column(String(32))
    joined_on: Mapped[date | None] = mapped_column(Date)
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"))
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    status_changed_on: Mapped[date | None] = mapped_column(Date)
    party_admitted_on: Mapped[date | None] = mapped_column(Date)
    is_cadre: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sensitive personal data (dữ liệu cá nhân nhạy cảm).
    ethnicity: Mapped[str | None] = mapped_column(String(60))
    religion: Mapped[str | None] = mapped_column(String(60))
    national_id: Mapped[str | None] = mapped_column(String(12))
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MemberExternalId(Base):
    """An id the member has in another system, e.g. the national membership system (YUM)."""

    __tablename__ = "member_external_id"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(100))
    # The source's own last-modified time, so older writes from it are recognised as stale.
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MembershipPeriod(Base):
    """Which branch a member belonged to over [valid_from, valid_to)."""

    __tablename__ = "membership_period"
    __table_args__ = (
        UniqueConstraint("member_id", "valid_from"),
        Index("ix_membership_period_branch_valid", "branch_id", "valid_from"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20))  # admission, transfer, merge, import


class MemberStatusChange(Base):
    __tablename__ = "member_status_change"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberPosition(Base):
    """A position held in a unit's committee (Bí thư, Phó Bí thư, Ủy viên BCH…) over dates."""

    __tablename__ = "member_position"
    # Overlap checks look up who held a position in a unit.
    __table_args__ = (Index("ix_member_position_unit_title", "unit_id", "title"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"))
    title: Mapped[str] = mapped_column(String(100))  # a code of domain.positions.POSITIONS
    # Held over [started_on, ended_on): ended_on is the first day no longer held.
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)


class Transfer(Base):
    """Chuyển sinh hoạt Đoàn: requested → sent → received | rejected."""

    __tablename__ = "transfer"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), index=True
    )
    from_branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"))
    to_branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="requested")
    requested_on: Mapped[date] = mapped_column(Date, index=True)
    sent_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    dues_paid_until: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM
    note: Mapped[str | None] = mapped_column(Text)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
