"""The audit trail: who did what to which record, when, under which request. Append-only.

Only field *names* are kept, never values, so the trail holds no personal data to erase. Updates
and deletes are refused by the ORM (below) and by database triggers (migration 0003); a later
migration that rebuilds this table on SQLite (batch mode) must create the triggers again.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, event
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, Session, mapped_column

from doan3cd.db.base import Base
from doan3cd.db.types import UTCDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_occurred_id", "occurred_at", "id"),
        Index("ix_audit_event_actor_occurred", "actor_key", "occurred_at"),
        Index("ix_audit_event_resource", "resource", "resource_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_key: Mapped[str] = mapped_column(String(80))
    actor_name: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    resource: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    request_id: Mapped[str | None] = mapped_column(String(128))


class AuditEventImmutableError(RuntimeError):
    """Raised when code tries to change or remove an audit event."""


def _refuse_change(_mapper: Mapper[Any], _connection: Any, target: AuditEvent) -> None:
    raise AuditEventImmutableError(f"audit event {target.id} is append-only")


event.listen(AuditEvent, "before_update", _refuse_change)
event.listen(AuditEvent, "before_delete", _refuse_change)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    """`update(AuditEvent)` / `delete(AuditEvent)` statements skip the mapper events above."""
    if (state.is_update or state.is_delete) and any(
        m.class_ is AuditEvent for m in state.all_mappers
    ):
        raise AuditEventImmutableError("audit events are append-only")
