"""Data access shared by the member use cases: branches, locks, external ids, periods, changes."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import in_scope
from doan3cd.domain.units import UnitKind
from doan3cd.members import problems
from doan3cd.members.queries import BranchNow, current_on, scoped
from doan3cd.models.member import Member, MemberExternalId, MembershipPeriod
from doan3cd.models.unit import UnitVersion
from doan3cd.sync.changes import record_change

BRANCH_KINDS = (UnitKind.branch.value, UnitKind.grassroots_branch.value)


async def branch_path(
    session: AsyncSession,
    principal: Principal,
    branch_id: uuid.UUID,
    on: date,
    permission: Permission | None = Permission.members_write,
) -> str:
    """The path of a branch open on `on` where the caller holds `permission` (None: anywhere).

    422 `member_branch_invalid` when it is no open branch, 403 when outside the caller's scope.
    """
    row = (
        await session.execute(
            select(
                UnitVersion.path,
                UnitVersion.kind,
                (
                    true()
                    if permission is None
                    else in_scope(principal, permission, UnitVersion.path.expression)
                ).label("allowed"),
            ).where(UnitVersion.unit_id == branch_id, current_on(UnitVersion, on))
        )
    ).first()
    if row is None or row.kind not in BRANCH_KINDS:
        raise problems.branch_invalid()
    if not row.allowed:
        raise problems.forbidden(str(permission))
    return str(row.path)


@dataclass(frozen=True, slots=True)
class Locked:
    """A member row read for writing, with its branch's path today."""

    values: dict[str, Any]
    branch_path: str
    may_write_sensitive: bool


async def lock_member(
    session: AsyncSession,
    principal: Principal,
    member_id: uuid.UUID,
    on: date,
    permission: Permission = Permission.members_write,
) -> Locked:
    """The member (locked on PostgreSQL) if the caller may read it and holds `permission`.

    404 when invisible, 403 when readable but not writable.
    """
    stmt = scoped(
        select(
            *Member.__table__.columns,
            BranchNow.path.label("branch_path"),
            in_scope(principal, permission, BranchNow.path.expression).label("writable"),
            in_scope(principal, Permission.members_sensitive, BranchNow.path.expression).label(
                "sensitive"
            ),
        ).where(Member.id == member_id),
        principal,
        Permission.members_read,
        on,
    ).with_for_update(of=Member)
    row = (await session.execute(stmt)).first()
    if row is None:
        raise problems.member_not_found(member_id)
    if not row.writable:
        raise problems.forbidden(permission.value)
    values = dict(row._mapping)
    path = values.pop("branch_path")
    values.pop("writable")
    return Locked(values, path, bool(values.pop("sensitive")))


async def external_ids_of(session: AsyncSession, member_id: uuid.UUID) -> list[dict[str, str]]:
    rows = await session.execute(
        select(MemberExternalId.source, MemberExternalId.external_id)
        .where(MemberExternalId.member_id == member_id)
        .order_by(MemberExternalId.source, MemberExternalId.external_id)
    )
    return [{"source": r.source, "external_id": r.external_id} for r in rows]


async def check_unique(
    session: AsyncSession,
    member_id: uuid.UUID | None,
    member_code: str | None,
    external_ids: Iterable[tuple[str, str]] = (),
) -> None:
    """409 when the code or an external id already belongs to another member."""
    if member_code is not None:
        taken = await session.scalar(
            select(Member.id).where(Member.member_code == member_code, Member.id != member_id)
        )
        if taken is not None:
            raise problems.member_code_taken(member_code)
    for source, external_id in external_ids:
        owner = await session.scalar(
            select(MemberExternalId.member_id).where(
                MemberExternalId.source == source, MemberExternalId.external_id == external_id
            )
        )
        if owner is not None and owner != member_id:
            raise problems.external_id_taken(source, external_id)


async def add_external_ids(
    session: AsyncSession, member_id: uuid.UUID, pairs: Iterable[tuple[str, str]]
) -> None:
    rows = [{"member_id": member_id, "source": s, "external_id": e} for s, e in sorted(set(pairs))]
    if rows:
        await session.execute(insert(MemberExternalId), rows)


async def open_period(
    session: AsyncSession, member_id: uuid.UUID, branch_id: uuid.UUID, on: date, reason: str
) -> None:
    await session.execute(
        insert(MembershipPeriod).values(
            id=uuid.uuid4(), member_id=member_id, branch_id=branch_id, valid_from=on, reason=reason
        )
    )


async def close_period(session: AsyncSession, member_ids: Iterable[uuid.UUID], on: date) -> None:
    """End the open periods of the members on `on` (exclusive)."""
    ids = sorted(set(member_ids))
    if ids:
        await session.execute(
            update(MembershipPeriod)
            .where(MembershipPeriod.member_id.in_(ids), MembershipPeriod.valid_to.is_(None))
            .values(valid_to=on)
            .execution_options(synchronize_session=False)
        )


async def log_change(
    session: AsyncSession,
    member_id: uuid.UUID,
    version: int,
    path: str,
    op: str = "upsert",
    *,
    previous_path: str | None = None,
) -> None:
    """Offer the change on the sync feed, tagged with the member's external ids (for a delete,
    call it before the row goes: the ids let other systems match the tombstone).
    `previous_path`: the old branch's path when the change moves the member."""
    record_change(
        session,
        "members",
        member_id,
        "delete" if op == "delete" else "upsert",
        version,
        unit_path=path,
        external_ids=await external_ids_of(session, member_id),
        previous_unit_path=previous_path,
    )
