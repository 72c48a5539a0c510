"""Members follow their branch through reorganisations (registered with units.followers).

A merge moves the members of the merged branches to the target, closing and opening their
membership periods on the merge date; a close, split or move only reports how many members the
affected units hold (a split needs a decision per member).
"""

import uuid
from collections.abc import Mapping
from datetime import date

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.clock import today
from doan3cd.db.types import utcnow
from doan3cd.members.queries import current_on
from doan3cd.members.store import close_period
from doan3cd.models.member import Member, MemberExternalId, MembershipPeriod
from doan3cd.models.unit import UnitVersion
from doan3cd.sync.changes import record_change
from doan3cd.units.followers import FollowerChange, register_follower


async def members_follow(session: AsyncSession, change: FollowerChange) -> Mapping[str, int]:
    units = sorted(change.unit_ids)
    if change.kind != "merge" or change.target_id is None:
        count = await session.scalar(
            select(func.count()).select_from(Member).where(Member.branch_id.in_(units))
        )
        return _counted(int(count or 0))
    rows = (
        await session.execute(
            select(Member.id, Member.row_version, Member.branch_id).where(
                Member.branch_id.in_(units)
            )
        )
    ).all()
    if not rows or change.dry_run:
        return _counted(len(rows))
    ids = [r.id for r in rows]
    before = await _paths_before(session, units, change.effective_on)
    await close_period(session, ids, change.effective_on)
    await session.execute(
        insert(MembershipPeriod),
        [
            {
                "id": uuid.uuid4(),
                "member_id": i,
                "branch_id": change.target_id,
                "valid_from": change.effective_on,
                "reason": "merge",
            }
            for i in ids
        ],
    )
    await session.execute(
        update(Member)
        .where(Member.id.in_(ids))
        .values(branch_id=change.target_id, row_version=Member.row_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    path = await session.scalar(
        select(UnitVersion.path).where(
            UnitVersion.unit_id == change.target_id,
            current_on(UnitVersion, max(today(), change.effective_on)),
        )
    )
    external: dict[uuid.UUID, list[dict[str, str]]] = {}
    for ext in await session.execute(
        select(MemberExternalId.member_id, MemberExternalId.source, MemberExternalId.external_id)
        .where(MemberExternalId.member_id.in_(ids))
        .order_by(MemberExternalId.source, MemberExternalId.external_id)
    ):
        external.setdefault(ext.member_id, []).append(
            {"source": ext.source, "external_id": ext.external_id}
        )
    for row in rows:
        record_change(
            session,
            "members",
            row.id,
            "upsert",
            row.row_version + 1,
            unit_path=path,
            external_ids=external.get(row.id, []),
            previous_unit_path=before.get(row.branch_id),
        )
    return _counted(len(rows))


async def _paths_before(
    session: AsyncSession, unit_ids: list[uuid.UUID], on: date
) -> dict[uuid.UUID, str]:
    """Each unit's path in its last version started before `on` (where it sat before the merge)."""
    rows = await session.execute(
        select(UnitVersion.unit_id, UnitVersion.path)
        .where(UnitVersion.unit_id.in_(unit_ids), UnitVersion.valid_from < on)
        .order_by(UnitVersion.unit_id, UnitVersion.valid_from)
    )
    return {unit_id: path for unit_id, path in rows}  # the latest version wins


def _counted(count: int) -> dict[str, int]:
    """Only reorganisations that touch members mention them."""
    return {"members": count} if count else {}


register_follower("members", members_follow)
