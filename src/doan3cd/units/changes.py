"""Unit writes leave an audit event and a change-log entry per unit whose versions changed."""

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.audit.service import Actor, record
from doan3cd.clock import today
from doan3cd.models.unit import Unit, UnitVersion
from doan3cd.sync.changes import record_change


async def log_unit_changes(
    session: AsyncSession,
    actor: Actor,
    action: str,
    unit_ids: Iterable[uuid.UUID],
    fields: Iterable[str] = (),
) -> None:
    """Audit and queue a feed change for each unit, at its revision and current path (its latest
    version started by today, or its first one if it starts later). One query for the set."""
    ids = sorted(set(unit_ids))
    if not ids:
        return
    rows = await session.execute(
        select(Unit.id, Unit.row_version, UnitVersion.path, UnitVersion.valid_from)
        .join(UnitVersion, UnitVersion.unit_id == Unit.id)
        .where(Unit.id.in_(ids))
        .order_by(Unit.id, UnitVersion.valid_from)
    )
    now = today()
    current: dict[uuid.UUID, tuple[int, str]] = {}
    for unit_id, row_version, path, valid_from in rows:
        if unit_id not in current or valid_from <= now:
            current[unit_id] = (row_version, path)
    names = sorted(set(fields))
    for unit_id in ids:
        version, path = current[unit_id]
        record(session, actor, action, "units", unit_id, fields=names)
        record_change(session, "units", unit_id, "upsert", version, unit_path=path)
