"""Member use cases: reads (one query each), create, merge-patch, status changes and erasure."""

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.pagination import PageParams, keyset_page
from doan3cd.audit.service import Actor, record
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.clock import today
from doan3cd.db.types import utcnow
from doan3cd.domain.hierarchy import is_within
from doan3cd.domain.member_rules import AdmissionPolicy, RuleError, check_not_in_future
from doan3cd.members import followers as followers  # registers the unit follower hook
from doan3cd.members import problems, store
from doan3cd.members.queries import (
    JOINED_KEY,
    M,
    list_statement,
    member_select,
    unpack_external_ids,
)
from doan3cd.members.schemas import (
    MemberCreate,
    MemberRead,
    MemberSensitiveRead,
    MemberUpdate,
    StatusChange,
)
from doan3cd.members.validation import (
    SENSITIVE_FIELDS,
    check_dates,
    flatten,
    invalid,
    normalise,
)
from doan3cd.models.evidence import PartyReferral, WelfareCase
from doan3cd.models.member import (
    MemberExternalId,
    MemberPosition,
    MembershipPeriod,
    MemberStatusChange,
    Transfer,
)
from doan3cd.units.problems import unit_not_found
from doan3cd.units.queries import units_on
from doan3cd.units.store import V

MemberPage = tuple[list[MemberRead], str | None, int | None]
# Statuses that end membership (and its open period); "active" reinstates.
ENDING_STATUSES = frozenset({"matured", "removed", "expelled", "deceased"})


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def to_read(session: AsyncSession, principal: Principal, row: Any) -> MemberRead:
    """The response for one row; sensitive fields only when allowed, and then audited."""
    values = dict(row._mapping)
    values["external_ids"] = unpack_external_ids(values.pop("external_ids_packed"))
    sensitive = {f: values.pop(f) for f in SENSITIVE_FIELDS}
    if values.pop("may_see_sensitive"):
        record(session, principal, "read_sensitive", "members", values["id"], fields=sensitive)
        return MemberSensitiveRead.model_validate(values | {"sensitive": sensitive})
    return MemberRead.model_validate(values)


async def get_member(
    session: AsyncSession, principal: Principal, member_id: uuid.UUID
) -> MemberRead:
    stmt = member_select(principal, dialect_of(session), today()).where(M.id == member_id)
    row = (await session.execute(stmt)).first()
    if row is None:
        raise problems.member_not_found(member_id)
    return to_read(session, principal, row)


async def list_members(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    within: uuid.UUID | None = None,
    branch_id: uuid.UUID | None = None,
    status: str | None = None,
    q: str | None = None,
    sort: str = "name",
) -> MemberPage:
    on = today()
    within_path = None
    if within is not None:
        within_path = await session.scalar(
            units_on(principal, on).with_only_columns(V.path).where(V.unit_id == within)
        )
        if within_path is None:
            raise unit_not_found(within)
    stmt = list_statement(
        principal,
        dialect_of(session),
        on,
        within_path=within_path,
        branch_id=branch_id,
        status=status,
        q=q,
    )
    if sort == "-joined_on":
        rows, cursor, total = await keyset_page(
            session,
            stmt,
            (JOINED_KEY, M.id.expression),
            page,
            descending=(True, True),
            cursor_types=(date, uuid.UUID),
        )
    else:
        rows, cursor, total = await keyset_page(
            session,
            stmt,
            (M.name_sort_key.expression, M.id.expression),
            page,
            cursor_types=(str, uuid.UUID),
        )
    return [to_read(session, principal, r) for r in rows], cursor, total


def holds_over(principal: Principal, permission: Permission, path: str) -> bool:
    return any(is_within(path, root) for root in principal.paths_for(permission))


def _require_sensitive_write(allowed: bool, fields: set[str]) -> None:
    if fields & set(SENSITIVE_FIELDS) and not allowed:
        raise problems.sensitive_forbidden()


async def create_member(
    session: AsyncSession, principal: Principal, body: MemberCreate, policy: AdmissionPolicy
) -> MemberRead:
    on = today()
    sent = body.model_dump(exclude_unset=True)
    values, errors = normalise(flatten(sent))
    values.setdefault("is_cadre", False)
    errors += check_dates(values, policy, on, set(values))
    if errors:
        raise invalid(errors)
    path = await store.branch_path(session, principal, body.branch_id, on)
    sensitive_sent = {f for f in SENSITIVE_FIELDS if values.get(f) is not None}
    _require_sensitive_write(
        holds_over(principal, Permission.members_sensitive, path), sensitive_sent
    )
    pairs = [(e.source, e.external_id) for e in body.external_ids]
    await store.check_unique(session, None, values.get("member_code"), pairs)
    member_id = uuid.uuid4()
    now = utcnow()
    await session.execute(
        insert(M).values(
            id=member_id,
            status="active",
            row_version=1,
            created_at=now,
            updated_at=now,
            **values,
        )
    )
    await store.add_external_ids(session, member_id, pairs)
    await store.open_period(
        session, member_id, body.branch_id, values.get("joined_on") or on, "admission"
    )
    record(session, principal, "create", "members", member_id, fields=sent)
    await store.log_change(session, member_id, 1, path)
    return await get_member(session, principal, member_id)


async def update_member(
    session: AsyncSession,
    principal: Principal,
    member_id: uuid.UUID,
    body: MemberUpdate,
    policy: AdmissionPolicy,
    precondition: Callable[[MemberRead], None],
) -> MemberRead:
    on = today()
    locked = await store.lock_member(session, principal, member_id, on)
    precondition(await get_member(session, principal, member_id))
    values, errors = normalise(flatten(body.model_dump(exclude_unset=True)))
    for required in ("date_of_birth", "is_cadre"):
        if required in values and values[required] is None:
            values.pop(required)
    merged = locked.values | values
    errors += check_dates(merged, policy, on, set(values))
    if errors:
        raise invalid(errors)
    _require_sensitive_write(locked.may_write_sensitive, set(values))
    if "member_code" in values:
        await store.check_unique(session, member_id, values["member_code"])
    version = int(locked.values["row_version"]) + 1
    await session.execute(
        update(M)
        .where(M.id == member_id)
        .values(**values, row_version=version, updated_at=utcnow())
    )
    record(session, principal, "update", "members", member_id, fields=values)
    await store.log_change(session, member_id, version, locked.branch_path)
    return await get_member(session, principal, member_id)


async def change_status(
    session: AsyncSession, principal: Principal, member_id: uuid.UUID, body: StatusChange
) -> MemberRead:
    on = today()
    effective_on = body.effective_on or on
    if effective_on > on:
        raise invalid([future_date("effective_on")])
    locked = await store.lock_member(session, principal, member_id, on)
    current = locked.values["status"]
    if current == body.status or current == "transferring":
        raise problems.status_invalid(current, body.status)
    await apply_status(
        session,
        principal,
        [(member_id, locked.branch_path, int(locked.values["row_version"]))],
        body.status,
        effective_on,
        body.reason,
    )
    if body.status == "active":
        await store.open_period(
            session, member_id, locked.values["branch_id"], effective_on, "reinstatement"
        )
    return await get_member(session, principal, member_id)


def future_date(field: str) -> RuleError:
    return check_not_in_future(date.max, date.min, field)[0]


async def apply_status(
    session: AsyncSession,
    principal: Actor,
    members: list[tuple[uuid.UUID, str, int]],
    status: str,
    effective_on: date,
    reason: str | None,
) -> None:
    """Set one status on many members (id, branch path, row_version) with history, periods,
    audit and change log, in set-based statements."""
    if not members:
        return
    ids = [m[0] for m in members]
    await session.execute(
        update(M)
        .where(M.id.in_(ids))
        .values(
            status=status,
            status_changed_on=effective_on,
            row_version=M.row_version + 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        insert(MemberStatusChange),
        [
            {
                "id": uuid.uuid4(),
                "member_id": i,
                "status": status,
                "effective_on": effective_on,
                "reason": reason,
                "recorded_at": utcnow(),
            }
            for i in ids
        ],
    )
    if status in ENDING_STATUSES:
        await store.close_period(session, ids, effective_on)
    for member_id, path, version in members:
        record(session, principal, "update", "members", member_id, fields=["status"])
        await store.log_change(session, member_id, version + 1, path)


async def erase_member(session: AsyncSession, principal: Principal, member_id: uuid.UUID) -> None:
    """Right to erasure: the personal record and everything hanging off it goes; a tombstone
    (id and external ids only) stays on the change log and an "erase" event on the audit trail."""
    locked = await store.lock_member(session, principal, member_id, today(), Permission.users_admin)
    if await session.scalar(select(exists().where(PartyReferral.member_id == member_id))):
        raise problems.erase_blocked()
    await store.log_change(
        session, member_id, int(locked.values["row_version"]) + 1, locked.branch_path, "delete"
    )
    await session.execute(
        update(WelfareCase).where(WelfareCase.member_id == member_id).values(member_id=None)
    )
    for table in (MemberExternalId, MembershipPeriod, MemberStatusChange, MemberPosition, Transfer):
        await session.execute(delete(table).where(table.member_id == member_id))
    await session.execute(delete(M).where(M.id == member_id))
    record(session, principal, "erase", "members", member_id)
