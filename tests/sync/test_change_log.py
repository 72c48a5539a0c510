"""The change log is written with the transaction that made the change, and only then."""

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.models.change import Change
from doan3cd.sync.changes import record_change


async def logged(session: AsyncSession, ids: list[uuid.UUID]) -> list[Change]:
    rows = await session.scalars(
        select(Change).where(Change.resource_id.in_(ids)).order_by(Change.seq)
    )
    return list(rows)


async def test_changes_land_at_commit_in_order(session: AsyncSession) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    record_change(session, "members", first, "upsert", 1, unit_path="/a/")
    record_change(session, "members", second, "delete", 2)
    assert await logged(session, [first, second]) == []
    await session.commit()
    rows = await logged(session, [first, second])
    assert [(r.resource_id, r.op, r.version) for r in rows] == [
        (first, "upsert", 1),
        (second, "delete", 2),
    ]
    assert rows[0].seq < rows[1].seq


async def test_a_rolled_back_savepoint_takes_its_changes_along(session: AsyncSession) -> None:
    kept, dropped = uuid.uuid4(), uuid.uuid4()
    record_change(session, "units", kept, "upsert", 1)
    with pytest.raises(RuntimeError):
        async with session.begin_nested():
            record_change(session, "units", dropped, "upsert", 1)
            raise RuntimeError("dry run")
    async with session.begin_nested():
        pass  # releasing a savepoint must not write the log early
    assert await logged(session, [kept]) == []
    await session.commit()
    assert [r.resource_id for r in await logged(session, [kept, dropped])] == [kept]


async def test_rollback_discards_pending_changes(session: AsyncSession) -> None:
    gone = uuid.uuid4()
    record_change(session, "members", gone, "upsert", 1)
    await session.rollback()
    await session.commit()
    assert await logged(session, [gone]) == []
