"""The change log feeding sync and webhooks: one row per change, in commit order."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from doan3cd.db.base import Base
from doan3cd.db.types import UTCDateTime, binary_string, utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
SEQ_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class Change(Base):
    __tablename__ = "change"
    __table_args__ = (
        Index("ix_change_resource_seq", "resource", "seq"),
        Index("ix_change_resource_id_seq", "resource_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(SEQ_TYPE, primary_key=True, autoincrement=True)
    resource: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[uuid.UUID] = mapped_column()
    op: Mapped[str] = mapped_column(String(8))  # upsert | delete
    version: Mapped[int] = mapped_column(Integer)
    # Where the record sits in today's tree, so the feed can be scoped like every other read.
    unit_path: Mapped[str | None] = mapped_column(binary_string(1100))
    # Where the record sat before this change moved it (a member changing branch), so a client
    # whose scope held the old place but not the new one learns that the record left it.
    previous_unit_path: Mapped[str | None] = mapped_column(binary_string(1100))
    external_ids: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
