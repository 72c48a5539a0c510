"""R2, the randomised scope harness: callers scoped to random subtrees × every scoped operation.

A fixed seed builds a unit forest, callers (users with one or two role grants, API tokens with
random scopes) on random subtrees, then runs random cases drawn from the REGISTRY of scoped
resources (`tests/scope/specs.py`). Expectations are computed here, independently of the app:
a record is in a caller's scope when the path that decides its scope lies below one of the
caller's grant units' paths in today's tree, read straight from the database before each case.

Per case:
- single-record operations (get, patch, move, …): in scope (the record, and any destination,
  lie below the caller's units for the operation's permission AND for reading: nobody changes
  what they cannot see) → 2xx. Otherwise the call must fail
  and change nothing; when the caller could never read the record (in none of its versions) the
  answer must be 404 and the same as for a missing id, so nothing reveals that it exists. (A
  record the caller may read but not write may answer 403.) No permission at all → 403.
- collection operations (list, search, …): exactly the in-scope matches across all pages, each
  once, and `total` equal to their number.
- operations that answer 2xx and refuse inside the body (an import reports each row outside the
  caller's scope as a row error): `refusal` reads the refusal from the body, which must be
  `refused_as` out of scope and absent in scope.
- probes: checks outside the subtree model (import jobs belong to whoever started them); each
  returns the leaks it found.
"""

import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd import clock
from doan3cd.auth.permissions import ROLE_PERMISSIONS, Permission
from doan3cd.auth.principal import Role
from doan3cd.auth.tokens import api_token_hash, new_api_token_secret
from doan3cd.config import Settings
from doan3cd.domain.hierarchy import is_within
from doan3cd.models.unit import Unit, UnitVersion
from doan3cd.models.user import ApiToken, RoleAssignment
from tests.factories import add_user, bearer

SEED = 20261128
PLACES = ["Hồng Hà", "Đông Anh", "Sóc Sơn", "Ba Vì", "Thủ Đức", "Cần Giờ", "Hải Châu", "Ô Môn"]
UNITS = "/api/v1/units"
# Kinds from the top (each may hold the next today); top-level units, then children per unit.
KINDS = ["province", "affiliated", "grassroots", "branch"]
FAN_OUT = [2, 2, 3, 2]


@dataclass(frozen=True)
class Caller:
    label: str
    headers: dict[str, str]
    grants: tuple[tuple[frozenset[Permission], uuid.UUID], ...]
    whole_tree: bool = False  # admins

    def holds(self, permission: Permission) -> bool:
        return self.whole_tree or any(permission in perms for perms, _ in self.grants)

    def roots(self, permission: Permission, tree: dict[uuid.UUID, str]) -> list[str]:
        if self.whole_tree:
            return ["/"]
        return [tree[unit] for perms, unit in self.grants if permission in perms and unit in tree]


@dataclass
class Ctx:
    """What an operation gets to do its call: the client, a session to read the truth, and rng."""

    client: httpx.AsyncClient
    session: AsyncSession
    rng: random.Random
    memo: dict[str, Any] = field(default_factory=dict)  # what specs remember between cases


@dataclass(frozen=True)
class Target:
    record_id: uuid.UUID
    destination: uuid.UUID | None = None


@dataclass(frozen=True)
class SingleOp:
    """An operation on one record; `destinations` lists valid destination units (e.g. move)."""

    name: str
    permission: Permission
    call: Callable[[Ctx, dict[str, str], Target], Awaitable[httpx.Response]]
    destinations: Callable[[Ctx, uuid.UUID], Awaitable[list[uuid.UUID]]] | None = None
    refusal: Callable[[httpx.Response], str | None] | None = None
    refused_as: str | None = None

    def succeeded(self, response: httpx.Response) -> bool:
        return response.is_success and (self.refusal is None or self.refusal(response) is None)


@dataclass
class Listing:
    status: int
    ids: list[uuid.UUID]
    total: int | None
    candidates: set[uuid.UUID]  # what the same filter matches when scope is ignored


@dataclass(frozen=True)
class CollectionOp:
    name: str
    permission: Permission
    call: Callable[[Ctx, dict[str, str]], Awaitable[Listing]]


@dataclass(frozen=True)
class ProbeOp:
    """A check the subtree model does not express; `call` returns the leaks it found and the
    sides it exercised ("in scope": the caller's own records reached; "out of scope": others'
    refused)."""

    name: str
    permission: Permission
    call: Callable[[Ctx, "Caller"], Awaitable[tuple[list[str], list[str]]]]


@dataclass(frozen=True)
class ScopedResource:
    """How to exercise one scoped resource. Add one to REGISTRY in specs.py per resource.

    `scope_paths`: every record id → the unit path that decides its scope today, in a stable
    order. `ever_paths`: every path that decided its scope in any version (for resources with
    history; default: today's). `snapshot`: a value that changes whenever the record does (proves
    "nothing changed"). `seed`: creates the resource's records over the unit forest.
    """

    name: str
    read_permission: Permission
    scope_paths: Callable[[AsyncSession], Awaitable[dict[uuid.UUID, str]]]
    snapshot: Callable[[AsyncSession, uuid.UUID], Awaitable[Any]]
    singles: list[SingleOp]
    collections: list[CollectionOp]
    probes: list[ProbeOp] = field(default_factory=list)
    ever_paths: Callable[[AsyncSession, uuid.UUID], Awaitable[list[str]]] | None = None
    seed: Callable[[Ctx, list["UnitNode"], random.Random], Awaitable[None]] | None = None


@dataclass
class Report:
    cases: int = 0
    cross_scope_attempts: int = 0  # out-of-scope targets, or lists where scope removed matches
    cross_scope_successes: list[str] = field(default_factory=list)
    leaked_ids: list[str] = field(default_factory=list)
    leaked_counts: list[str] = field(default_factory=list)
    in_scope_successes: int = 0
    failures: list[str] = field(default_factory=list)
    # "units.move in scope" / "units.move out of scope" → count, to show every operation ran
    # both ways.
    outcomes: Counter[str] = field(default_factory=Counter)


async def tree_paths(session: AsyncSession) -> dict[uuid.UUID, str]:
    """Every unit's path in today's tree, read directly."""
    today = clock.today()
    rows = await session.execute(
        select(UnitVersion.unit_id, UnitVersion.path)
        .join(Unit, Unit.id == UnitVersion.unit_id)
        .where(
            UnitVersion.valid_from <= today,
            or_(UnitVersion.valid_to.is_(None), UnitVersion.valid_to > today),
        )
        .order_by(Unit.code)
    )
    return {row.unit_id: row.path for row in rows}


@dataclass(frozen=True)
class UnitNode:
    id: uuid.UUID
    code: str


async def build_forest(ctx: Ctx, admin: dict[str, str]) -> list[UnitNode]:
    """The unit forest, created through `POST /units` as an admin."""
    units: list[UnitNode] = []
    level: list[UnitNode | None] = [None]
    for depth, kind in enumerate(KINDS):
        next_level: list[UnitNode | None] = []
        for parent in level:
            for i in range(FAN_OUT[depth]):
                code = f"{parent.code}.{i + 1}" if parent else f"P{i + 1}"
                body = {
                    "code": code,
                    "name": f"Đoàn {ctx.rng.choice(PLACES)} {code}",
                    "kind": kind,
                    "parent_id": str(parent.id) if parent else None,
                    "effective_on": "2020-01-01",
                }
                response = await ctx.client.post(UNITS, json=body, headers=admin)
                assert response.status_code == 201, response.text
                unit = UnitNode(uuid.UUID(response.json()["id"]), code)
                units.append(unit)
                next_level.append(unit)
        level = next_level
    return units


async def build_callers(
    session: AsyncSession, settings: Settings, units: list[UnitNode], rng: random.Random
) -> list[Caller]:
    roles = [Role.viewer, Role.manager, Role.reviewer, Role.welfare_officer]
    callers: list[Caller] = []
    for n in range(22):
        grants = [(rng.choice(roles), rng.choice(units)) for _ in range(1 if n % 4 else 2)]
        user_id = await add_user(session, f"scoped-{n}", grants[0][0], grants[0][1])
        for role, unit in grants[1:]:
            session.add(RoleAssignment(user_id=user_id, role=role, unit_id=unit.id))
        label = "+".join(f"{role.value}@{unit.code}" for role, unit in grants)
        callers.append(
            Caller(
                label,
                bearer(user_id, settings),
                tuple((ROLE_PERMISSIONS[role], unit.id) for role, unit in grants),
            )
        )
    admin_id = await add_user(session, "scoped-admin", Role.admin)
    callers.append(Caller("admin", bearer(admin_id, settings), (), whole_tree=True))
    nobody_id = await add_user(session, "scoped-nobody")
    callers.append(Caller("no role", bearer(nobody_id, settings), ()))
    token_scopes = [Permission.units_read, Permission.units_write, Permission.sync_read]
    for n in range(6):
        scopes = frozenset(rng.sample(token_scopes, rng.randint(1, 3)))
        unit = rng.choice(units)
        secret = new_api_token_secret()
        session.add(
            ApiToken(
                name=f"scoped-token-{n}",
                prefix=secret[:12],
                secret_hash=api_token_hash(secret),
                scopes=sorted(scopes),
                unit_id=unit.id,
                created_by="test",
            )
        )
        perms = scopes & ROLE_PERMISSIONS[Role.integration]
        callers.append(
            Caller(
                f"token[{','.join(sorted(scopes))}]@{unit.code}",
                {"Authorization": f"Bearer {secret}"},
                ((perms, unit.id),),
            )
        )
    await session.flush()
    return callers


def _inside(path: str, roots: list[str]) -> bool:
    return any(is_within(path, root) for root in roots)


def answer(response: httpx.Response) -> tuple[int, str | None]:
    is_problem = response.headers.get("content-type", "").startswith("application/problem+json")
    return response.status_code, response.json()["code"] if is_problem else None


async def _ever_paths(ctx: Ctx, resource: ScopedResource, record: uuid.UUID) -> list[str]:
    if resource.ever_paths is None:
        return [(await resource.scope_paths(ctx.session))[record]]
    return await resource.ever_paths(ctx.session, record)


async def run_single(
    ctx: Ctx, resource: ScopedResource, op: SingleOp, caller: Caller, report: Report
) -> None:
    tree = await tree_paths(ctx.session)
    records = await resource.scope_paths(ctx.session)
    roots = caller.roots(op.permission, tree)
    readable = caller.roots(resource.read_permission, tree)
    want_inside = ctx.rng.random() < 0.4
    pool = [r for r, p in records.items() if _inside(p, roots) == want_inside] or list(records)
    record = ctx.rng.choice(pool)
    destination = None
    if op.destinations is not None:
        options = await op.destinations(ctx, record)
        if not options:
            return
        want_dest_inside = ctx.rng.random() < 0.7
        dest_pool = [d for d in options if _inside(tree[d], roots) == want_dest_inside] or options
        destination = ctx.rng.choice(dest_pool)

    def usable(path: str) -> bool:
        return _inside(path, roots) and _inside(path, readable)

    record_inside = usable(records[record])
    dest_inside = destination is None or usable(tree[destination])
    before = await resource.snapshot(ctx.session, record)
    response = await op.call(ctx, caller.headers, Target(record, destination))
    where = f"{resource.name}.{op.name} by {caller.label} on {record}"
    report.cases += 1
    if response.status_code >= 500:
        report.failures.append(f"{where}: {answer(response)}")
        return
    if not caller.holds(op.permission):
        if answer(response) != (403, "forbidden"):
            report.failures.append(f"{where}: {answer(response)}, want 403 forbidden")
        return
    if record_inside and dest_inside:
        if op.succeeded(response):
            report.in_scope_successes += 1
            report.outcomes[f"{resource.name}.{op.name} in scope"] += 1
        else:
            report.failures.append(f"{where} (to {destination}): in scope but {answer(response)}")
        return
    report.cross_scope_attempts += 1
    report.outcomes[f"{resource.name}.{op.name} out of scope"] += 1
    if op.succeeded(response):
        report.cross_scope_successes.append(f"{where} (destination {destination})")
        return
    if await resource.snapshot(ctx.session, record) != before:
        report.cross_scope_successes.append(f"{where}: changed the record although refused")
    if op.refusal is not None:
        if response.is_success and op.refusal(response) != op.refused_as:
            report.failures.append(f"{where}: refused as {op.refusal(response)}")
        return  # the contract names the refusal (e.g. a row error), not a missing id
    record_hidden = not any(_inside(p, readable) for p in await _ever_paths(ctx, resource, record))
    dest_hidden = destination is not None and not any(
        _inside(p, readable) for p in await unit_ever_paths(ctx.session, destination)
    )
    if record_hidden:
        missing = Target(uuid.uuid4(), destination)
    elif dest_hidden:
        missing = Target(record, uuid.uuid4())
    else:
        return  # the caller may read what it may not change: a 403 reveals nothing new
    if record_hidden and response.status_code != 404:
        report.leaked_ids.append(f"{where}: never readable, yet {answer(response)}, want 404")
    like_missing = await op.call(ctx, caller.headers, missing)
    if answer(like_missing) != answer(response):
        report.leaked_ids.append(
            f"{where}: {answer(response)} differs from a missing id's {answer(like_missing)}"
        )


async def run_collection(
    ctx: Ctx, resource: ScopedResource, op: CollectionOp, caller: Caller, report: Report
) -> None:
    tree = await tree_paths(ctx.session)
    records = await resource.scope_paths(ctx.session)
    roots = caller.roots(op.permission, tree)
    listing = await op.call(ctx, caller.headers)
    where = f"{resource.name}.{op.name} by {caller.label}"
    report.cases += 1
    if not caller.holds(op.permission):
        if listing.status != 403 or listing.ids:
            report.failures.append(f"{where}: {listing.status}, want 403")
        return
    if listing.status != 200:
        report.failures.append(f"{where}: {listing.status}")
        return
    expected = {r for r in listing.candidates if _inside(records[r], roots)}
    got = set(listing.ids)
    if len(got) != len(listing.ids):
        report.failures.append(f"{where}: an id repeated across pages")
    if got - expected:
        report.leaked_ids.append(f"{where}: {len(got - expected)} ids out of scope")
    if expected - got:
        report.failures.append(f"{where}: {len(expected - got)} in-scope ids missing")
    if listing.total is not None and listing.total != len(expected):
        report.leaked_counts.append(f"{where}: total {listing.total}, in scope {len(expected)}")
    report.in_scope_successes += bool(expected)
    report.cross_scope_attempts += bool(listing.candidates - expected)
    report.outcomes[f"{resource.name}.{op.name} in scope"] += bool(expected)
    report.outcomes[f"{resource.name}.{op.name} out of scope"] += bool(
        listing.candidates - expected
    )


async def run_probe(
    ctx: Ctx, resource: ScopedResource, op: ProbeOp, caller: Caller, report: Report
) -> None:
    leaks, sides = await op.call(ctx, caller)
    report.cases += 1
    report.leaked_ids += [f"{resource.name}.{op.name} by {caller.label}: {leak}" for leak in leaks]
    for side in sides:
        report.outcomes[f"{resource.name}.{op.name} {side}"] += 1


async def run_cases(
    ctx: Ctx, registry: list[ScopedResource], callers: list[Caller], cases: int, report: Report
) -> None:
    operations: list[tuple[ScopedResource, SingleOp | CollectionOp | ProbeOp]] = [
        (resource, op)
        for resource in registry
        for op in [*resource.singles, *resource.collections, *resource.probes]
    ]
    for _ in range(cases):
        resource, op = ctx.rng.choice(operations)
        # Mostly callers who hold the permission somewhere: the others only ever get 403.
        holders = [c for c in callers if c.holds(op.permission)]
        caller = ctx.rng.choice(holders if holders and ctx.rng.random() < 0.8 else callers)
        if isinstance(op, SingleOp):
            await run_single(ctx, resource, op, caller, report)
        elif isinstance(op, ProbeOp):
            await run_probe(ctx, resource, op, caller, report)
        else:
            await run_collection(ctx, resource, op, caller, report)


async def unit_ever_paths(session: AsyncSession, unit_id: uuid.UUID) -> list[str]:
    """Every path the unit has had, in any version."""
    paths = await session.scalars(select(UnitVersion.path).where(UnitVersion.unit_id == unit_id))
    return list(paths)


def current_version_of(unit_id: Any) -> Any:
    today = clock.today()
    return and_(
        UnitVersion.unit_id == unit_id,
        UnitVersion.valid_from <= today,
        or_(UnitVersion.valid_to.is_(None), UnitVersion.valid_to > today),
    )


async def list_all(
    ctx: Ctx, headers: dict[str, str], url: str, params: dict[str, str], candidates: set[uuid.UUID]
) -> Listing:
    """Follow `next_cursor` through every page (small pages, with the total)."""
    ids: list[uuid.UUID] = []
    total = None
    cursor = None
    while True:
        page_params = {**params, "limit": "7", "include_total": "true"}
        if cursor:
            page_params["cursor"] = cursor
        response = await ctx.client.get(url, params=page_params, headers=headers)
        if response.status_code != 200:
            return Listing(response.status_code, ids, None, candidates)
        body = response.json()
        ids += [uuid.UUID(item["id"]) for item in body["items"]]
        total = body.get("total")
        cursor = body["next_cursor"]
        if not cursor:
            return Listing(200, ids, total, candidates)
