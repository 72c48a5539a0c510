"""Plan use cases: work programmes with planned items, scoped like activities."""

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.pagination import PageParams, keyset_page
from doan3cd.assessments.locks import ensure_period_open
from doan3cd.audit.service import record
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.domain.text import nfc
from doan3cd.evidence import problems
from doan3cd.evidence.schemas import PlanCreate, PlanItemIn, PlanItemRead, PlanRead, PlanUpdate
from doan3cd.evidence.scope import (
    covers,
    forbidden,
    scope_path,
    unit_for_write,
    visible,
    within_clause,
)
from doan3cd.models.evidence import Activity, Plan, PlanItem
from doan3cd.sync.changes import record_change

RESOURCE = "plans"
READ = Permission.evidence_read
WRITE = Permission.evidence_write

PlanPage = tuple[list[PlanRead], str | None, int | None]


async def _reads(session: AsyncSession, plans: Sequence[Plan]) -> list[PlanRead]:
    """Plans with their items and the activities that carried each item (two queries)."""
    ids = [p.id for p in plans]
    items = (
        (
            await session.scalars(
                select(PlanItem)
                .where(PlanItem.plan_id.in_(ids))
                .order_by(
                    PlanItem.planned_on.is_(None), PlanItem.planned_on, PlanItem.title, PlanItem.id
                )
            )
        ).all()
        if ids
        else []
    )
    links: dict[uuid.UUID | None, list[uuid.UUID]] = defaultdict(list)
    if items:
        rows = await session.execute(
            select(Activity.plan_item_id, Activity.id)
            .where(Activity.plan_item_id.in_([i.id for i in items]))
            .order_by(Activity.occurred_on, Activity.id)
        )
        for item_id, activity_id in rows:
            links[item_id].append(activity_id)
    by_plan: dict[uuid.UUID, list[PlanItemRead]] = defaultdict(list)
    for item in items:
        by_plan[item.plan_id].append(
            PlanItemRead(
                id=item.id,
                title=item.title,
                activity_kind=item.activity_kind,
                planned_on=item.planned_on,
                activity_ids=links[item.id],
            )
        )
    return [
        PlanRead(
            id=p.id,
            unit_id=p.unit_id,
            year=p.year,
            kind=p.kind,
            title=p.title,
            adopted_on=p.adopted_on,
            document_ref=p.document_ref,
            items=by_plan[p.id],
            revision=p.row_version,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )
        for p in plans
    ]


async def _unit(session: AsyncSession, principal: Principal, unit_id: uuid.UUID, year: int) -> str:
    """Scope path of the plan's unit; the unit must have been open on 1 January of the year."""
    unit = await unit_for_write(
        session, principal, unit_id, date(year, 1, 1), read=READ, write=WRITE
    )
    return unit.path


def _item(plan_id: uuid.UUID, item: PlanItemIn) -> PlanItem:
    return PlanItem(
        id=item.id or uuid.uuid4(),
        plan_id=plan_id,
        title=nfc(item.title),
        activity_kind=item.activity_kind,
        planned_on=item.planned_on,
    )


async def create_plan(session: AsyncSession, principal: Principal, body: PlanCreate) -> PlanRead:
    path = await _unit(session, principal, body.unit_id, body.year)
    await ensure_period_open(session, body.unit_id, body.year)
    plan = Plan(
        id=uuid.uuid4(),
        unit_id=body.unit_id,
        year=body.year,
        kind=body.kind,
        title=nfc(body.title),
        adopted_on=body.adopted_on,
        document_ref=body.document_ref,
    )
    session.add(plan)
    await session.flush()
    session.add_all(_item(plan.id, item.model_copy(update={"id": None})) for item in body.items)
    await session.flush()
    await session.refresh(plan)
    record(session, principal, "create", RESOURCE, plan.id, fields=body.model_fields_set)
    record_change(session, RESOURCE, plan.id, "upsert", plan.row_version, unit_path=path)
    return (await _reads(session, [plan]))[0]


async def _load(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, *, lock: bool = False
) -> tuple[Plan, str]:
    stmt = select(Plan, scope_path(Plan.unit_id).label("path")).where(Plan.id == plan_id)
    if lock:
        stmt = stmt.with_for_update(of=Plan)
    row = (await session.execute(stmt)).first()
    if row is None or not covers(principal, READ, row.path):
        raise problems.plan_not_found(plan_id)
    return row.Plan, row.path


async def get_plan(session: AsyncSession, principal: Principal, plan_id: uuid.UUID) -> PlanRead:
    plan, _ = await _load(session, principal, plan_id)
    return (await _reads(session, [plan]))[0]


async def update_plan(
    session: AsyncSession,
    principal: Principal,
    plan_id: uuid.UUID,
    patch: PlanUpdate,
    precondition: Callable[[BaseModel], None],
) -> PlanRead:
    plan, path = await _load(session, principal, plan_id, lock=True)
    if not covers(principal, WRITE, path):
        raise forbidden(WRITE)
    precondition((await _reads(session, [plan]))[0])
    await ensure_period_open(session, plan.unit_id, plan.year)
    sent = patch.model_dump(exclude_unset=True)
    items = sent.pop("items", None)
    # Required fields sent as null are left as they are; optional ones are cleared.
    sent = {k: v for k, v in sent.items() if v is not None or k in ("adopted_on", "document_ref")}
    if "title" in sent:
        sent["title"] = nfc(sent["title"])
    changed = sorted(k for k, v in sent.items() if getattr(plan, k) != v)
    if "year" in changed:
        await _unit(session, principal, plan.unit_id, sent["year"])
    for key in changed:
        setattr(plan, key, sent[key])
    if items is not None and patch.items is not None:
        kept = {i.id for i in patch.items if i.id is not None}
        await session.execute(
            delete(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.id.not_in(kept))
        )
        existing = set(
            (await session.scalars(select(PlanItem.id).where(PlanItem.plan_id == plan.id))).all()
        )
        for item in patch.items:
            if item.id in existing:
                await session.merge(_item(plan.id, item))
            else:
                session.add(_item(plan.id, item.model_copy(update={"id": None})))
        changed.append("items")
    if changed:
        plan.row_version += 1
        await session.flush()
        await session.refresh(plan)
        record(session, principal, "update", RESOURCE, plan.id, fields=changed)
        record_change(session, RESOURCE, plan.id, "upsert", plan.row_version, unit_path=path)
    return (await _reads(session, [plan]))[0]


async def delete_plan(
    session: AsyncSession,
    principal: Principal,
    plan_id: uuid.UUID,
    precondition: Callable[[BaseModel], None],
) -> None:
    plan, path = await _load(session, principal, plan_id, lock=True)
    if not covers(principal, WRITE, path):
        raise forbidden(WRITE)
    precondition((await _reads(session, [plan]))[0])
    await ensure_period_open(session, plan.unit_id, plan.year)
    version = plan.row_version + 1
    # Activities keep existing, unlinked (SQLite does not enforce ON DELETE SET NULL by default).
    item_ids = select(PlanItem.id).where(PlanItem.plan_id == plan.id)
    await session.execute(
        update(Activity).where(Activity.plan_item_id.in_(item_ids)).values(plan_item_id=None)
    )
    await session.execute(delete(PlanItem).where(PlanItem.plan_id == plan.id))
    await session.delete(plan)
    await session.flush()
    record(session, principal, "delete", RESOURCE, plan_id)
    record_change(session, RESOURCE, plan_id, "delete", version, unit_path=path)


async def list_plans(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    unit: uuid.UUID | None = None,
    within: uuid.UUID | None = None,
    year: int | None = None,
    kind: str | None = None,
) -> PlanPage:
    """Newest year first, then by title."""
    stmt: Any = select(Plan, Plan.year, Plan.id).where(visible(principal, READ, Plan.unit_id))
    if unit is not None:
        stmt = stmt.where(Plan.unit_id == unit)
    if within is not None:
        stmt = stmt.where(await within_clause(session, within, scope_path(Plan.unit_id)))
    if year is not None:
        stmt = stmt.where(Plan.year == year)
    if kind is not None:
        stmt = stmt.where(Plan.kind == kind)
    keys = (Plan.year.expression, Plan.id.expression)
    rows, cursor, total = await keyset_page(
        session, stmt, keys, page, descending=(True, False), cursor_types=(int, uuid.UUID)
    )
    return await _reads(session, [row.Plan for row in rows]), cursor, total
