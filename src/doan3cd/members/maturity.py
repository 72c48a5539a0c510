"""Ageing out (trưởng thành Đoàn): members past the age limit on a date become `matured`."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.audit.service import Actor
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.clock import today
from doan3cd.domain.member_rules import AdmissionPolicy, age_on
from doan3cd.domain.text import nfc
from doan3cd.members.queries import BranchNow, M, scoped
from doan3cd.members.schemas import MaturityReport, MaturityRow
from doan3cd.members.service import apply_status, future_date
from doan3cd.members.validation import invalid

MATURED = "matured"
STILL_MEMBERS = ("active", "transferring")


def born_before(as_of: date, years: int) -> date:
    """Members born before this day are older than `years` completed years on `as_of`."""
    try:
        return as_of.replace(year=as_of.year - years - 1)
    except ValueError:  # 29 February
        return date(as_of.year - years - 1, 3, 1)


async def mature_members(
    session: AsyncSession,
    principal: Principal,
    policy: AdmissionPolicy,
    *,
    as_of: date | None = None,
    dry_run: bool = True,
    actor: Actor | None = None,
) -> MaturityReport:
    """Members in scope (members:write) older than max_age (cadres: cadre_max_age) on `as_of`;
    unless `dry_run`, set them `matured` from `as_of`. Transferring members are listed but
    wait for their transfer to close."""
    on = as_of or today()
    if on > today():
        raise invalid([future_date("as_of")])
    over_age = ((M.is_cadre.is_(False)) & (M.date_of_birth < born_before(on, policy.max_age))) | (
        M.is_cadre.is_(True) & (M.date_of_birth < born_before(on, policy.cadre_max_age))
    )
    stmt = scoped(
        select(
            M.id,
            M.full_name,
            M.member_code,
            M.branch_id,
            M.date_of_birth,
            M.is_cadre,
            M.status,
            M.row_version,
            BranchNow.path.label("branch_path"),
        ).where(M.status.in_(STILL_MEMBERS), over_age),
        principal,
        Permission.members_write,
        today(),
    ).order_by(M.name_sort_key, M.id)
    rows: list[Any] = list(await session.execute(stmt))
    items = [
        MaturityRow(
            id=r.id,
            full_name=nfc(r.full_name),
            member_code=r.member_code,
            branch_id=r.branch_id,
            age=age_on(r.date_of_birth, on),
            is_cadre=r.is_cadre,
        )
        for r in rows
    ]
    if not dry_run:
        ready = [(r.id, r.branch_path, r.row_version) for r in rows if r.status == "active"]
        await apply_status(session, actor or principal, ready, MATURED, on, "age limit")
    return MaturityReport(as_of=on, dry_run=dry_run, count=len(items), items=items)
