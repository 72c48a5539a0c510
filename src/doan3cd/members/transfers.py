"""Transfers between branches: the sending side sends, the receiving side receives or rejects.

While a transfer is open the member's status is `transferring`; on receipt the member's branch
changes and the membership period moves with it (the old one closes on the receipt date).
"""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from doan3cd.api.pagination import PageParams, keyset_page
from doan3cd.audit.service import record
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import in_scope, subtree_of
from doan3cd.clock import today
from doan3cd.db.types import utcnow
from doan3cd.domain.transfer_rules import OPEN_STATES, SIDE, TransferAction, next_state
from doan3cd.members import problems, store
from doan3cd.members.queries import current_on
from doan3cd.members.schemas import TransferCreate, TransferRead, TransferReject, TransferStep
from doan3cd.models.member import Member, Transfer
from doan3cd.models.unit import UnitVersion
from doan3cd.units.problems import unit_not_found
from doan3cd.units.queries import units_on
from doan3cd.units.store import V

T = Transfer
FromNow = aliased(UnitVersion, name="from_now")
ToNow = aliased(UnitVersion, name="to_now")
COLUMNS = tuple(
    T.row_version.label("revision") if name == "revision" else getattr(T, name)
    for name in TransferRead.model_fields
)


def _visible(principal: Principal, on: date) -> Any:
    """Transfers either side of which lies in the caller's members:read scope."""
    return (
        select(*COLUMNS, FromNow.path.label("from_path"), ToNow.path.label("to_path"))
        .outerjoin(FromNow, (FromNow.unit_id == T.from_branch_id) & current_on(FromNow, on))
        .outerjoin(ToNow, (ToNow.unit_id == T.to_branch_id) & current_on(ToNow, on))
        .where(
            in_scope(principal, Permission.members_read, FromNow.path.expression)
            | in_scope(principal, Permission.members_read, ToNow.path.expression)
        )
    )


def _read(row: Any) -> TransferRead:
    values = dict(row._mapping)
    values.pop("from_path", None)
    values.pop("to_path", None)
    return TransferRead.model_validate(values)


async def get_transfer(
    session: AsyncSession, principal: Principal, transfer_id: uuid.UUID
) -> TransferRead:
    row = (await session.execute(_visible(principal, today()).where(T.id == transfer_id))).first()
    if row is None:
        raise problems.transfer_not_found(transfer_id)
    return _read(row)


async def list_transfers(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    member_id: uuid.UUID | None = None,
    within: uuid.UUID | None = None,
    state: str | None = None,
) -> tuple[list[TransferRead], str | None, int | None]:
    on = today()
    stmt = _visible(principal, on)
    if member_id is not None:
        await store.lock_member(session, principal, member_id, on, Permission.members_read)
        stmt = stmt.where(T.member_id == member_id)
    if within is not None:
        path = await session.scalar(
            units_on(principal, on).with_only_columns(V.path).where(V.unit_id == within)
        )
        if path is None:
            raise unit_not_found(within)
        stmt = stmt.where(
            subtree_of([path], FromNow.path.expression) | subtree_of([path], ToNow.path.expression)
        )
    if state is not None:
        stmt = stmt.where(T.state == state)
    rows, cursor, total = await keyset_page(
        session,
        stmt,
        (T.requested_on.expression, T.id.expression),
        page,
        descending=(True, True),
        cursor_types=(date, uuid.UUID),
    )
    return [_read(r) for r in rows], cursor, total


async def request_transfer(
    session: AsyncSession, principal: Principal, member_id: uuid.UUID, body: TransferCreate
) -> TransferRead:
    """The sending side (members:write over the member's branch) asks to move the member."""
    on = today()
    locked = await store.lock_member(session, principal, member_id, on)
    if locked.values["status"] != "active":
        raise problems.status_invalid(locked.values["status"], "transferring")
    # The receiving branch must exist and be a branch; the sender need not be able to see it.
    await store.branch_path(session, principal, body.to_branch_id, on, None)
    if body.to_branch_id == locked.values["branch_id"]:
        raise problems.branch_invalid()
    transfer_id = uuid.uuid4()
    await session.execute(
        insert(T).values(
            id=transfer_id,
            member_id=member_id,
            from_branch_id=locked.values["branch_id"],
            to_branch_id=body.to_branch_id,
            state="requested",
            requested_on=body.requested_on or on,
            dues_paid_until=body.dues_paid_until,
            note=body.note,
            row_version=1,
            created_at=utcnow(),
        )
    )
    version = int(locked.values["row_version"]) + 1
    await session.execute(
        update(Member)
        .where(Member.id == member_id)
        .values(status="transferring", row_version=version, updated_at=utcnow())
    )
    record(session, principal, "create", "transfers", transfer_id, fields=body.model_fields_set)
    await store.log_change(session, member_id, version, locked.branch_path)
    return await get_transfer(session, principal, transfer_id)


async def advance(
    session: AsyncSession,
    principal: Principal,
    transfer_id: uuid.UUID,
    action: TransferAction,
    body: TransferStep,
) -> TransferRead:
    on = today()
    row = (
        await session.execute(
            _visible(principal, on).where(T.id == transfer_id).with_for_update(of=T)
        )
    ).first()
    if row is None:
        raise problems.transfer_not_found(transfer_id)
    paths = {"from": row.from_path, "to": row.to_path}
    writable = principal.paths_for(Permission.members_write)
    if not any(
        paths[side] is not None and any(paths[side].startswith(root) for root in writable)
        for side in SIDE[action]
    ):
        raise problems.forbidden(Permission.members_write.value)
    state = next_state(row.state, action)
    if state is None:
        raise problems.transfer_state_invalid(row.state, action)
    when = body.on or on
    values: dict[str, Any] = {"state": state, "row_version": T.row_version + 1}
    if action == "send":
        values["sent_on"] = when
    else:
        values["completed_on"] = when
    if isinstance(body, TransferReject):
        values["rejected_reason"] = body.reason
    await session.execute(update(T).where(T.id == transfer_id).values(**values))
    if state not in OPEN_STATES:
        await _settle(session, principal, row, state, when)
    record(session, principal, action, "transfers", transfer_id, fields=["state"])
    return await get_transfer(session, principal, transfer_id)


async def _settle(
    session: AsyncSession, principal: Principal, row: Any, state: str, when: date
) -> None:
    """A closed transfer: the member is active again, in the new branch if received."""
    member_values: dict[str, Any] = {
        "status": "active",
        "row_version": Member.row_version + 1,
        "updated_at": utcnow(),
    }
    path, previous_path = row.from_path, None
    if state == "received":
        member_values["branch_id"] = row.to_branch_id
        path, previous_path = row.to_path, row.from_path
        await store.close_period(session, [row.member_id], when)
        await store.open_period(session, row.member_id, row.to_branch_id, when, "transfer")
    version = await session.scalar(
        update(Member)
        .where(Member.id == row.member_id)
        .values(**member_values)
        .returning(Member.row_version)
    )
    record(session, principal, "update", "members", row.member_id, fields=sorted(member_values))
    await store.log_change(
        session, row.member_id, int(version or 0), path, previous_path=previous_path
    )
