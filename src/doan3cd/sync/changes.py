"""Recording changes in the same transaction as the change, numbered in commit order.

Services call `record_change(...)`; the rows are inserted just before COMMIT. On PostgreSQL the
insert first takes a transaction-scoped advisory lock, held until the commit, so sequence numbers
are handed out in commit order: a reader that has seen `seq = n` can never later find a newly
committed row with a smaller number. SQLite has a single writer, which gives the same guarantee.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import event, insert, text
from sqlalchemy.orm import Session, SessionTransaction

from doan3cd.db.types import utcnow
from doan3cd.models.change import Change

CHANGE_LOG_LOCK_KEY = 0x6368_616E_6765_6C6F  # "changelo"
PENDING_KEY = "doan3cd.pending_changes"

Op = Literal["upsert", "delete"]


@dataclass(frozen=True, slots=True)
class PendingChange:
    resource: str
    resource_id: uuid.UUID
    op: Op
    version: int
    unit_path: str | None
    external_ids: list[dict[str, str]] = field(default_factory=list)
    previous_unit_path: str | None = None


def record_change(
    session: Any,
    resource: str,
    resource_id: uuid.UUID,
    op: Op,
    version: int,
    *,
    unit_path: str | None = None,
    external_ids: list[dict[str, str]] | None = None,
    previous_unit_path: str | None = None,
) -> None:
    """Queue one change of `resource` for this session's transaction (works on AsyncSession too).

    `previous_unit_path`: where the record sat before, when this change moves it elsewhere.
    The change belongs to the innermost transaction: if a savepoint around it rolls back (a dry
    run, a refused row), the change goes with it.
    """
    sync_session: Session = getattr(session, "sync_session", session)
    transaction = (
        sync_session.get_nested_transaction()
        or sync_session.get_transaction()
        or sync_session.begin()
    )
    pending: list[tuple[SessionTransaction | None, PendingChange]]
    pending = sync_session.info.setdefault(PENDING_KEY, [])
    if previous_unit_path == unit_path:
        previous_unit_path = None
    change = PendingChange(
        resource, resource_id, op, version, unit_path, external_ids or [], previous_unit_path
    )
    pending.append((transaction, change))


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(PENDING_KEY)
    if not pending:
        return
    if previous_transaction.parent is None:
        pending.clear()  # the whole transaction is gone, with whatever it recorded
    else:
        pending[:] = [(t, c) for t, c in pending if not _within(t, previous_transaction)]


@event.listens_for(Session, "before_commit")
def _write_pending_changes(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint is being released; the changes wait for the real commit
    pending: list[tuple[SessionTransaction | None, PendingChange]]
    pending = session.info.pop(PENDING_KEY, [])
    if not pending:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK_KEY})
    now = utcnow()
    session.execute(
        insert(Change),
        [
            {
                "resource": p.resource,
                "resource_id": p.resource_id,
                "op": p.op,
                "version": p.version,
                "unit_path": p.unit_path,
                "previous_unit_path": p.previous_unit_path,
                "external_ids": p.external_ids,
                "changed_at": now,
            }
            for _, p in pending
        ],
    )
