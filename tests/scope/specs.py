"""The REGISTRY of scoped resources the randomised scope test exercises.

To plug in a resource, add a `ScopedResource`: how to call each operation, which unit path
decides each record's scope, a snapshot to prove refused writes changed nothing, and (for
records other than units) a `seed` that creates records over the forest.
"""

import itertools
import random
import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy import insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd import clock
from doan3cd.auth.permissions import Permission
from doan3cd.db.types import utcnow
from doan3cd.domain.hierarchy import is_within
from doan3cd.domain.name_order import name_sort_key
from doan3cd.domain.text import fold
from doan3cd.domain.units import KindRule, kind_allowed
from doan3cd.models.assessment import Assessment
from doan3cd.models.change import Change
from doan3cd.models.evidence import Activity, PartyReferral, Plan
from doan3cd.models.member import Member, MemberPosition
from doan3cd.models.unit import Unit, UnitKindRule, UnitVersion
from tests.scope.harness import (
    KINDS,
    PLACES,
    UNITS,
    CollectionOp,
    Ctx,
    Listing,
    ScopedResource,
    SingleOp,
    Target,
    UnitNode,
    current_version_of,
    list_all,
    tree_paths,
    unit_ever_paths,
)
from tests.scope.import_specs import IMPORTS_RESOURCE


async def unit_snapshot(session: AsyncSession, unit_id: uuid.UUID) -> tuple[object, ...]:
    """Every version of the unit: a refused write must leave all of them as they were."""
    rows = await session.execute(
        select(
            UnitVersion.name,
            UnitVersion.path,
            UnitVersion.parent_id,
            UnitVersion.valid_from,
            UnitVersion.valid_to,
        )
        .where(UnitVersion.unit_id == unit_id)
        .order_by(UnitVersion.valid_from)
    )
    return tuple(tuple(row) for row in rows)


async def move_destinations(ctx: Ctx, unit_id: uuid.UUID) -> list[uuid.UUID]:
    """Units that may hold `unit_id` today: kind rules allow it, outside its own subtree, and
    not its current parent."""
    today = clock.today()
    rules = [
        KindRule(r.parent_kind, r.child_kind, r.valid_from, r.valid_to)
        for r in await ctx.session.scalars(select(UnitKindRule))
    ]
    subject = (
        await ctx.session.execute(
            select(UnitVersion.kind, UnitVersion.path, UnitVersion.parent_id).where(
                current_version_of(unit_id)
            )
        )
    ).one()
    rows = await ctx.session.execute(
        select(UnitVersion.unit_id, UnitVersion.kind, UnitVersion.path)
        .join(Unit, Unit.id == UnitVersion.unit_id)
        .where(current_version_of(UnitVersion.unit_id))
        .order_by(Unit.code)
    )
    return [
        row.unit_id
        for row in rows
        if kind_allowed(rules, row.kind, subject.kind, today)
        and row.unit_id != subject.parent_id
        and not is_within(row.path, subject.path)
    ]


async def matching_units(session: AsyncSession, q: str | None = None) -> set[uuid.UUID]:
    """What `GET /units?q=` matches when scope is ignored: folded name or code."""
    stmt = (
        select(UnitVersion.unit_id)
        .join(Unit, Unit.id == UnitVersion.unit_id)
        .where(current_version_of(UnitVersion.unit_id))
    )
    if q:
        stmt = stmt.where(
            or_(
                UnitVersion.name_folded.contains(fold(q), autoescape=True),
                Unit.code.contains(q.strip().upper(), autoescape=True),
            )
        )
    return set((await session.scalars(stmt)).all())


def search_term(ctx: Ctx) -> str:
    place = ctx.rng.choice(PLACES)
    return ctx.rng.choice([place, fold(place), place.split()[-1].upper(), "P1.2"])


async def get_unit(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    return await ctx.client.get(f"{UNITS}/{target.record_id}", headers=headers)


async def rename_unit(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    name = f"Đoàn {ctx.rng.choice(PLACES)} mới"
    return await ctx.client.patch(
        f"{UNITS}/{target.record_id}", json={"name": name}, headers=headers
    )


async def move_unit(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    return await ctx.client.post(
        f"{UNITS}/{target.record_id}/move",
        json={"parent_id": str(target.destination)},
        headers=headers,
    )


async def list_units(ctx: Ctx, headers: dict[str, str]) -> Listing:
    return await list_all(ctx, headers, UNITS, {}, await matching_units(ctx.session))


async def search_units(ctx: Ctx, headers: dict[str, str]) -> Listing:
    q = search_term(ctx)
    return await list_all(ctx, headers, UNITS, {"q": q}, await matching_units(ctx.session, q))


UNITS_RESOURCE = ScopedResource(
    name="units",
    read_permission=Permission.units_read,
    scope_paths=tree_paths,
    ever_paths=unit_ever_paths,
    snapshot=unit_snapshot,
    singles=[
        SingleOp("get", Permission.units_read, get_unit),
        SingleOp("patch", Permission.units_write, rename_unit),
        SingleOp("move", Permission.units_write, move_unit, destinations=move_destinations),
    ],
    collections=[
        CollectionOp("list", Permission.units_read, list_units),
        CollectionOp("search", Permission.units_read, search_units),
    ],
)

MEMBERS = "/api/v1/members"
POSITION_DAYS = itertools.count()
MEMBER_NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Nam", "Phạm Thị Ánh", "Võ Minh Đức"]


async def seed_members(ctx: Ctx, units: list[UnitNode], rng: random.Random) -> None:
    """Two members in every branch (the forest's deepest units), inserted directly."""
    now = utcnow()
    rows = []
    for unit in units:
        if unit.code.count(".") != len(KINDS) - 1:
            continue
        for _ in range(2):
            name = rng.choice(MEMBER_NAMES)
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "full_name": name,
                    "name_folded": fold(name),
                    "name_sort_key": name_sort_key(name),
                    "date_of_birth": date(2000, 1, 1),
                    "branch_id": unit.id,
                    "status": "active",
                    "is_cadre": False,
                    "row_version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    await ctx.session.execute(insert(Member), rows)


async def member_paths(session: AsyncSession) -> dict[uuid.UUID, str]:
    """Every member → its branch's path in today's tree."""
    units = await tree_paths(session)
    rows = await session.execute(select(Member.id, Member.branch_id).order_by(Member.id))
    return {row.id: units[row.branch_id] for row in rows}


async def member_snapshot(session: AsyncSession, member_id: uuid.UUID) -> tuple[object, ...]:
    row = (
        await session.execute(
            select(Member.row_version, Member.occupation, Member.branch_id).where(
                Member.id == member_id
            )
        )
    ).one()
    return tuple(row)


ACTIVITIES = "/api/v1/activities"
PLANS = "/api/v1/plans"


async def activity_paths(session: AsyncSession) -> dict[uuid.UUID, str]:
    """Each activity → its unit's path today."""
    tree = await tree_paths(session)
    rows = await session.execute(select(Activity.id, Activity.unit_id).order_by(Activity.id))
    return {row.id: tree[row.unit_id] for row in rows}


async def plan_paths(session: AsyncSession) -> dict[uuid.UUID, str]:
    tree = await tree_paths(session)
    rows = await session.execute(select(Plan.id, Plan.unit_id).order_by(Plan.id))
    return {row.id: tree[row.unit_id] for row in rows}


async def activity_snapshot(session: AsyncSession, record_id: uuid.UUID) -> tuple[object, ...]:
    row = (
        await session.execute(
            select(Activity.title, Activity.row_version, Activity.verification).where(
                Activity.id == record_id
            )
        )
    ).one()
    return tuple(row)


async def matching_members(session: AsyncSession, q: str | None = None) -> set[uuid.UUID]:
    stmt = select(Member.id)
    if q:
        stmt = stmt.where(Member.name_folded.contains(fold(q), autoescape=True))
    return set((await session.scalars(stmt)).all())


async def get_member(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    return await ctx.client.get(f"{MEMBERS}/{target.record_id}", headers=headers)


async def patch_member(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    occupation = ctx.rng.choice(["Giáo viên", "Nông dân", "Công nhân", "Sinh viên"])
    return await ctx.client.patch(
        f"{MEMBERS}/{target.record_id}", json={"occupation": occupation}, headers=headers
    )


async def list_members(ctx: Ctx, headers: dict[str, str]) -> Listing:
    return await list_all(ctx, headers, MEMBERS, {}, await matching_members(ctx.session))


async def search_members(ctx: Ctx, headers: dict[str, str]) -> Listing:
    name = ctx.rng.choice(MEMBER_NAMES)
    q = ctx.rng.choice([name.split()[-1], fold(name), name.upper(), "thi"])
    return await list_all(ctx, headers, MEMBERS, {"q": q}, await matching_members(ctx.session, q))


async def list_positions(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    return await ctx.client.get(f"{MEMBERS}/{target.record_id}/positions", headers=headers)


async def add_position(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    """A one-day committee seat on a fresh day each call, so in-scope calls never overlap."""
    branch = await ctx.session.scalar(select(Member.branch_id).where(Member.id == target.record_id))
    started_on = date(2020, 1, 1) + timedelta(days=next(POSITION_DAYS))
    body = {
        "position": "executive_committee",
        "unit_id": str(branch or uuid.uuid4()),
        "started_on": started_on.isoformat(),
        "ended_on": (started_on + timedelta(days=1)).isoformat(),
    }
    return await ctx.client.post(
        f"{MEMBERS}/{target.record_id}/positions", json=body, headers=headers
    )


async def end_position(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    """End the member's open Phó Bí thư seat (given a new one first when it has none)."""
    member = await ctx.session.get(Member, target.record_id)
    position_id = uuid.uuid4()
    if member is not None:
        open_seat = await ctx.session.scalar(
            select(MemberPosition.id).where(
                MemberPosition.member_id == member.id, MemberPosition.ended_on.is_(None)
            )
        )
        if open_seat is None:
            ctx.session.add(
                MemberPosition(
                    id=position_id,
                    member_id=member.id,
                    unit_id=member.branch_id,
                    title="deputy_secretary",
                    started_on=date(2020, 1, 1),
                )
            )
            await ctx.session.flush()
        else:
            position_id = open_seat
    return await ctx.client.post(
        f"{MEMBERS}/{target.record_id}/positions/{position_id}/end", headers=headers
    )


MEMBERS_RESOURCE = ScopedResource(
    name="members",
    read_permission=Permission.members_read,
    scope_paths=member_paths,
    snapshot=member_snapshot,
    seed=seed_members,
    singles=[
        SingleOp("get", Permission.members_read, get_member),
        SingleOp("patch", Permission.members_write, patch_member),
        SingleOp("positions", Permission.members_read, list_positions),
        SingleOp("add-position", Permission.members_write, add_position),
        SingleOp("end-position", Permission.members_write, end_position),
    ],
    collections=[
        CollectionOp("list", Permission.members_read, list_members),
        CollectionOp("search", Permission.members_read, search_members),
    ],
)


async def plan_snapshot(session: AsyncSession, record_id: uuid.UUID) -> tuple[object, ...]:
    row = (
        await session.execute(select(Plan.title, Plan.row_version).where(Plan.id == record_id))
    ).one()
    return tuple(row)


async def seed_evidence(ctx: Ctx, units: list[UnitNode], rng: random.Random) -> None:
    """Two activities and one plan per unit, written straight to the tables."""
    for unit in units:
        for n in range(2):
            ctx.session.add(
                Activity(
                    unit_id=unit.id,
                    kind=rng.choice(["other", "self_criticism"]),
                    occurred_on=date(2023, rng.randint(1, 12), 1 + n),
                    title=f"Hoạt động {unit.code} #{n}",
                    details={},
                    attachments=[],
                )
            )
        ctx.session.add(
            Plan(unit_id=unit.id, year=2023, kind="thematic", title=f"Kế hoạch {unit.code}")
        )
    await ctx.session.flush()


async def get_activity(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    return await ctx.client.get(f"{ACTIVITIES}/{target.record_id}", headers=headers)


async def retitle_activity(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    title = f"Hoạt động {ctx.rng.choice(PLACES)}"
    return await ctx.client.patch(
        f"{ACTIVITIES}/{target.record_id}", json={"title": title}, headers=headers
    )


async def list_activities(ctx: Ctx, headers: dict[str, str]) -> Listing:
    ids = set((await ctx.session.scalars(select(Activity.id))).all())
    return await list_all(ctx, headers, ACTIVITIES, {}, ids)


async def list_activities_of_a_month(ctx: Ctx, headers: dict[str, str]) -> Listing:
    """`within` a random unit and `year`: the subtree filter and scope together."""
    within = ctx.rng.choice(list((await tree_paths(ctx.session)).items()))
    ids = {
        record
        for record, path in (await activity_paths(ctx.session)).items()
        if is_within(path, within[1])
    }
    params = {"within": str(within[0]), "year": "2023"}
    return await list_all(ctx, headers, ACTIVITIES, params, ids)


async def get_plan(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    return await ctx.client.get(f"{PLANS}/{target.record_id}", headers=headers)


async def retitle_plan(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    title = f"Kế hoạch {ctx.rng.choice(PLACES)}"
    return await ctx.client.patch(
        f"{PLANS}/{target.record_id}", json={"title": title}, headers=headers
    )


async def list_plans(ctx: Ctx, headers: dict[str, str]) -> Listing:
    ids = set((await ctx.session.scalars(select(Plan.id))).all())
    return await list_all(ctx, headers, PLANS, {"year": "2023"}, ids)


ACTIVITIES_RESOURCE = ScopedResource(
    name="activities",
    read_permission=Permission.evidence_read,
    scope_paths=activity_paths,
    snapshot=activity_snapshot,
    seed=seed_evidence,
    singles=[
        SingleOp("get", Permission.evidence_read, get_activity),
        SingleOp("patch", Permission.evidence_write, retitle_activity),
    ],
    collections=[
        CollectionOp("list", Permission.evidence_read, list_activities),
        CollectionOp("within", Permission.evidence_read, list_activities_of_a_month),
    ],
)

PLANS_RESOURCE = ScopedResource(
    name="plans",
    read_permission=Permission.evidence_read,
    scope_paths=plan_paths,
    snapshot=plan_snapshot,
    singles=[
        SingleOp("get", Permission.evidence_read, get_plan),
        SingleOp("patch", Permission.evidence_write, retitle_plan),
    ],
    collections=[CollectionOp("list", Permission.evidence_read, list_plans)],
)

REFERRALS = "/api/v1/party-referrals"


async def referral_paths(session: AsyncSession) -> dict[uuid.UUID, str]:
    tree = await tree_paths(session)
    rows = await session.execute(
        select(PartyReferral.id, PartyReferral.unit_id).order_by(PartyReferral.id)
    )
    return {row.id: tree[row.unit_id] for row in rows}


async def referral_snapshot(session: AsyncSession, record_id: uuid.UUID) -> tuple[object, ...]:
    row = (
        await session.execute(
            select(PartyReferral.stage, PartyReferral.row_version).where(
                PartyReferral.id == record_id
            )
        )
    ).one()
    return tuple(row)


async def seed_referrals(ctx: Ctx, units: list[UnitNode], rng: random.Random) -> None:
    """A member with a referral in every fourth unit."""
    for unit in units[::4]:
        member = Member(
            full_name="Nguyễn Văn An",
            name_folded="nguyen van an",
            name_sort_key="an nguyen van",
            date_of_birth=date(2000, 1, rng.randint(1, 28)),
            joined_on=date(2016, 3, 26),
            branch_id=unit.id,
        )
        ctx.session.add(member)
        await ctx.session.flush()
        ctx.session.add(
            PartyReferral(
                member_id=member.id,
                unit_id=unit.id,
                year=2023,
                stage="nominated_by_branch",
                stage_changed_on=date(2023, 4, 10),
            )
        )
    await ctx.session.flush()


async def get_referral(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    return await ctx.client.get(f"{REFERRALS}/{target.record_id}", headers=headers)


async def list_referrals(ctx: Ctx, headers: dict[str, str]) -> Listing:
    ids = set((await ctx.session.scalars(select(PartyReferral.id))).all())
    return await list_all(ctx, headers, REFERRALS, {}, ids)


REFERRALS_RESOURCE = ScopedResource(
    name="party-referrals",
    read_permission=Permission.referrals_read,
    scope_paths=referral_paths,
    snapshot=referral_snapshot,
    seed=seed_referrals,
    singles=[SingleOp("get", Permission.referrals_read, get_referral)],
    collections=[CollectionOp("list", Permission.referrals_read, list_referrals)],
)

ASSESSMENTS = "/api/v1/assessments"


async def seed_assessments(ctx: Ctx, units: list[UnitNode], rng: random.Random) -> None:
    """A 2023 registration for about half of the units."""
    for unit in units:
        if rng.random() < 0.5:
            ctx.session.add(
                Assessment(
                    unit_id=unit.id,
                    year=2023,
                    state="registered",
                    registered_on=date(2022, 10, 1),
                    return_reasons=[],
                    locked=False,
                    row_version=1,
                )
            )
    await ctx.session.commit()


async def assessment_paths(session: AsyncSession) -> dict[uuid.UUID, str]:
    """An assessment's scope is its unit's path today."""
    tree = await tree_paths(session)
    rows = await session.execute(select(Assessment.id, Assessment.unit_id).order_by(Assessment.id))
    return {row.id: tree[row.unit_id] for row in rows if row.unit_id in tree}


async def assessment_snapshot(session: AsyncSession, assessment_id: uuid.UUID) -> object:
    return await session.scalar(
        select(Assessment.row_version).where(Assessment.id == assessment_id)
    )


async def get_assessment(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    return await ctx.client.get(f"{ASSESSMENTS}/{target.record_id}", headers=headers)


async def list_assessments(ctx: Ctx, headers: dict[str, str]) -> Listing:
    candidates = set((await assessment_paths(ctx.session)).keys())
    return await list_all(ctx, headers, ASSESSMENTS, {"year": "2023"}, candidates)


ASSESSMENTS_RESOURCE = ScopedResource(
    name="assessments",
    read_permission=Permission.assessments_read,
    scope_paths=assessment_paths,
    snapshot=assessment_snapshot,
    singles=[SingleOp("get", Permission.assessments_read, get_assessment)],
    collections=[CollectionOp("list", Permission.assessments_read, list_assessments)],
    seed=seed_assessments,
)


SYNC_CHANGES = "/api/v1/sync/changes"
SYNC_SNAPSHOT = "/api/v1/sync/snapshot"


async def feed_units(ctx: Ctx, headers: dict[str, str]) -> Listing:
    """Units whose current data the feed hands out. An old change made where a unit used to be
    may still be listed for that subtree, but without data: only today's scope sees the record."""
    candidates = set(
        await ctx.session.scalars(select(Change.resource_id).where(Change.resource == "units"))
    )
    ids: list[uuid.UUID] = []
    cursor = None
    while True:
        params = {"resources": "units", "limit": "25"} | ({"cursor": cursor} if cursor else {})
        response = await ctx.client.get(SYNC_CHANGES, params=params, headers=headers)
        if response.status_code != 200:
            return Listing(response.status_code, [], None, candidates)
        body = response.json()
        ids += [uuid.UUID(item["id"]) for item in body["items"] if item["data"] is not None]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return Listing(200, list(dict.fromkeys(ids)), None, candidates)


async def snapshot_units(ctx: Ctx, headers: dict[str, str]) -> Listing:
    candidates = await matching_units(ctx.session)
    ids: list[uuid.UUID] = []
    cursor = None
    while True:
        params = {"resource": "units", "limit": "7"} | ({"cursor": cursor} if cursor else {})
        response = await ctx.client.get(SYNC_SNAPSHOT, params=params, headers=headers)
        if response.status_code != 200:
            return Listing(response.status_code, [], None, candidates)
        body = response.json()
        ids += [uuid.UUID(item["id"]) for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            return Listing(200, ids, None, candidates)


SYNC_UNITS_RESOURCE = ScopedResource(
    name="sync-units",
    read_permission=Permission.sync_read,
    scope_paths=tree_paths,
    ever_paths=unit_ever_paths,
    snapshot=unit_snapshot,
    singles=[],
    collections=[
        CollectionOp("changes", Permission.sync_read, feed_units),
        CollectionOp("snapshot", Permission.sync_read, snapshot_units),
    ],
)


REGISTRY = [
    UNITS_RESOURCE,
    MEMBERS_RESOURCE,
    ACTIVITIES_RESOURCE,
    PLANS_RESOURCE,
    REFERRALS_RESOURCE,
    ASSESSMENTS_RESOURCE,
    SYNC_UNITS_RESOURCE,
    IMPORTS_RESOURCE,
]
