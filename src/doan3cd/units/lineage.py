"""Reorganisations: move, merge, close and split — each a dated lineage event with a dry run.

They all reduce to one restructuring on a date D: some subtrees get a new parent, some units
close. Versions in force on D whose parent or path changes end on D and continue from D with the
new parent and path (a version that starts on D is rewritten in place), so every version keeps a
correct materialised path and the tree as it stood before D stays readable.

Changes are taken in date order within the part of the tree they touch: a restructuring is
refused (unit_version_overlap) when a later version already exists in a moved subtree, or a later
move exists above a new parent, because those versions' paths would silently go stale.
"""

import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.i18n import Text
from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import subtree_of
from doan3cd.clock import today
from doan3cd.domain.hierarchy import CycleError, compute_paths, depth_of
from doan3cd.domain.timeline import ChangeRefused, RefusalCode, plan_change
from doan3cd.domain.units import KindRule, kind_allowed
from doan3cd.models.unit import UnitVersion
from doan3cd.units import problems
from doan3cd.units.changes import log_unit_changes
from doan3cd.units.followers import ChangeKind, FollowerChange, notify_followers
from doan3cd.units.schemas import (
    ReorganisationRead,
    UnitChange,
    UnitChangeKind,
    UnitClose,
    UnitMerge,
    UnitMove,
    UnitSplit,
)
from doan3cd.units.service import (
    NewUnit,
    establish_units,
    receiving_version,
    visible_timeline,
)
from doan3cd.units.store import (
    NewEvent,
    Timeline,
    V,
    VersionRow,
    codes_of,
    kind_rules,
    later_path_change,
    link_units,
    load_timelines,
    lock_tree,
    record_events,
    set_event_details,
    touch_units,
    valid_on,
    versions_where,
)


@dataclass(slots=True)
class Restructure:
    """What happens on `on`: subtree roots → their new parent, and units that close."""

    on: date
    moves: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    closes: set[uuid.UUID] = field(default_factory=set)


@asynccontextmanager
async def _attempt(session: AsyncSession, dry_run: bool) -> AsyncIterator[None]:
    """Do the work for real, or inside a savepoint that is always rolled back (a dry run runs
    exactly the same code, so its report is exactly what the real run would do)."""
    if not dry_run:
        yield
        return
    savepoint = await session.begin_nested()
    try:
        yield
    finally:
        await savepoint.rollback()


def _subject(timelines: dict[uuid.UUID, Timeline], unit_id: uuid.UUID, on: date) -> VersionRow:
    """A unit changing itself on `on`: its latest version must be in force, and writable."""
    timeline = visible_timeline(timelines, unit_id)
    try:
        plan_change(timeline.periods, on)
    except ChangeRefused as error:
        raise problems.refused(error, timeline.code, on) from None
    version = timeline.versions[-1]
    if not version.writable:
        raise problems.unit_forbidden(timeline.code)
    return version


def _closing(timelines: dict[uuid.UUID, Timeline], unit_id: uuid.UUID, on: date) -> VersionRow:
    version = _subject(timelines, unit_id, on)
    if version.valid_from == on and len(timelines[unit_id].versions) == 1:
        raise problems.close_on_start(timelines[unit_id].code, on)
    return version


async def _restructure(
    session: AsyncSession,
    plan: Restructure,
    rules: list[KindRule],
    event_id: uuid.UUID,
) -> list[UnitChange]:
    """Apply `plan` (its units already checked one by one) in a fixed number of statements."""
    on = plan.on
    targets = set(plan.moves.values())
    assert not targets & plan.closes
    involved = sorted({*plan.moves, *plan.closes, *targets})
    # callers checked that every involved unit is in force on `on`
    current = {
        v.unit_id: v for v in await versions_where(session, valid_on(on), V.unit_id.in_(involved))
    }
    in_heads = subtree_of([current[u].path for u in (*plan.moves, *plan.closes)], V.path.expression)
    rows = {v.unit_id: v for v in await versions_where(session, valid_on(on), in_heads)}
    await _refuse_later_versions(
        session, plan, in_heads, {t: (current[t].path, on) for t in targets if t not in rows}
    )
    await _refuse_stranded_children(session, plan, rows)
    parents = {
        unit_id: plan.moves.get(unit_id, version.parent_id)
        for unit_id, version in rows.items()
        if unit_id not in plan.closes
    }
    try:
        paths = compute_paths(parents, {t: current[t].path for t in targets if t not in parents})
    except CycleError as error:
        culprit = next((u for u in error.unit_ids if u in plan.moves), error.unit_ids[0])
        raise problems.cycle((await codes_of(session, [culprit]))[culprit]) from None
    for root, target in plan.moves.items():
        target_kind = (rows.get(target) or current[target]).kind
        if not kind_allowed(rules, target_kind, rows[root].kind, on):
            raise problems.kind_forbidden(target_kind, rows[root].kind, on)
    changed = await _write_versions(session, plan, rows, parents, paths, event_id)
    return await _changes(session, changed)


async def _refuse_later_versions(
    session: AsyncSession,
    plan: Restructure,
    in_heads: ColumnElement[bool],
    target_chains: dict[uuid.UUID, tuple[str, date]],
) -> None:
    """Refuse when a version dated after the change exists in a subtree it rewrites, or a later
    move exists above a new parent: those versions' paths would go stale (unit_version_overlap)."""
    inside = (
        await session.execute(
            select(V.unit_id, V.valid_from).where(in_heads, V.valid_from > plan.on).limit(1)
        )
    ).first()
    later = (inside.unit_id, inside.valid_from) if inside is not None else None
    if later is None and (above := await later_path_change(session, target_chains)) is not None:
        later = above[:2]
    if later is not None:
        code = (await codes_of(session, [later[0]]))[later[0]]
        raise problems.refused(ChangeRefused(RefusalCode.overlap, later[1]), code, plan.on)


async def _refuse_stranded_children(
    session: AsyncSession, plan: Restructure, rows: dict[uuid.UUID, VersionRow]
) -> None:
    """A closing unit's children must all move (or close) with it."""
    stranded = [
        v
        for v in rows.values()
        if v.parent_id in plan.closes and v.unit_id not in plan.moves.keys() | plan.closes
    ]
    if stranded:
        parent = stranded[0].parent_id
        assert parent is not None
        count = sum(v.parent_id == parent for v in stranded)
        raise problems.has_children((await codes_of(session, [parent]))[parent], count, plan.on)


async def _write_versions(
    session: AsyncSession,
    plan: Restructure,
    rows: dict[uuid.UUID, VersionRow],
    parents: dict[uuid.UUID, uuid.UUID | None],
    paths: dict[uuid.UUID, str],
    event_id: uuid.UUID,
) -> list[tuple[UnitChangeKind, VersionRow, uuid.UUID | None]]:
    """End the versions in force on the date and continue the changed ones with their new parent
    and path (rewriting in place those that start that very day); close the closing units."""
    on = plan.on
    ended: list[uuid.UUID] = []
    removed: list[uuid.UUID] = []
    added: list[dict[str, Any]] = []
    rewritten: list[dict[str, Any]] = []
    changed: list[tuple[UnitChangeKind, VersionRow, uuid.UUID | None]] = []
    for unit_id in plan.closes:
        version = rows[unit_id]
        (ended if version.valid_from < on else removed).append(version.id)
        changed.append(("closed", version, None))
    for unit_id, parent_id in parents.items():
        version, path = rows[unit_id], paths[unit_id]
        if (parent_id, path) == (version.parent_id, version.path):
            continue
        values = {"parent_id": parent_id, "path": path, "depth": depth_of(path)}
        if version.valid_from < on:
            ended.append(version.id)
            added.append(
                version.as_values(id=uuid.uuid4(), valid_from=on, event_id=event_id) | values
            )
        else:
            own_event = event_id if unit_id in plan.moves else version.event_id
            rewritten.append({"id": version.id, "event_id": own_event} | values)
        changed.append(("moved" if unit_id in plan.moves else "carried", version, parent_id))

    if ended:
        await session.execute(
            update(UnitVersion)
            .where(UnitVersion.id.in_(ended))
            .values(valid_to=on)
            .execution_options(synchronize_session=False)
        )
    if removed:
        await session.execute(
            delete(UnitVersion)
            .where(UnitVersion.id.in_(removed))
            .execution_options(synchronize_session=False)
        )
    if added:
        await session.execute(insert(UnitVersion), added)
    if rewritten:
        await session.execute(update(UnitVersion), rewritten)
    await touch_units(session, (v.unit_id for _, v, _ in changed))
    return changed


CHANGE_ORDER = {"established": 0, "moved": 1, "carried": 2, "closed": 3}


async def _changes(
    session: AsyncSession, changed: Iterable[tuple[UnitChangeKind, VersionRow, uuid.UUID | None]]
) -> list[UnitChange]:
    changed = list(changed)
    codes = await codes_of(session, (v.unit_id for _, v, _ in changed))
    result = [
        UnitChange(
            unit_id=version.unit_id,
            code=codes[version.unit_id],
            name=version.name,
            change=kind,
            parent_id_before=version.parent_id,
            parent_id_after=parent_after,
        )
        for kind, version, parent_after in changed
    ]
    return sorted(result, key=lambda c: (CHANGE_ORDER[c.change], c.code))


async def _finish(
    session: AsyncSession,
    principal: Principal,
    kind: ChangeKind,
    event: NewEvent,
    body: Any,
    changes: list[UnitChange],
    follower_change: FollowerChange,
) -> ReorganisationRead:
    followers = await notify_followers(session, follower_change)
    restructured = [c.unit_id for c in changes if c.change != "established"]
    await log_unit_changes(session, principal, kind, restructured, ("parent_id", "valid_to"))
    await set_event_details(
        session, event.id, {"units_changed": len(changes), "followers": followers}
    )
    return ReorganisationRead(
        dry_run=body.dry_run,
        event_id=None if body.dry_run else event.id,
        kind=kind,
        effective_on=event.effective_on,
        decision_ref=event.decision_ref,
        changes=changes,
        followers=followers,
    )


async def _begin(
    session: AsyncSession, principal: Principal, unit_ids: Iterable[uuid.UUID]
) -> tuple[dict[uuid.UUID, Timeline], list[KindRule]]:
    """Lock the tree and the units named in the request; any of them unseen is a 404 first."""
    await lock_tree(session, exclusive=True)
    unit_ids = list(unit_ids)
    timelines = await load_timelines(session, principal, unit_ids, lock=True)
    for unit_id in unit_ids:
        visible_timeline(timelines, unit_id)
    return timelines, await kind_rules(session)


async def move_unit(
    session: AsyncSession, principal: Principal, unit_id: uuid.UUID, body: UnitMove
) -> ReorganisationRead:
    """Move a unit, with its whole subtree, under a new parent from `effective_on`."""
    on = body.effective_on or today()
    async with _attempt(session, body.dry_run):
        timelines, rules = await _begin(session, principal, [unit_id, body.parent_id])
        subject = _subject(timelines, unit_id, on)
        receiving_version(timelines, body.parent_id, on)
        if body.parent_id == unit_id:
            raise problems.cycle(timelines[unit_id].code)
        if subject.parent_id == body.parent_id:
            raise problems.move_noop(timelines[unit_id].code)
        participants = [(unit_id, "subject"), (body.parent_id, "target")]
        if subject.parent_id is not None:
            participants.append((subject.parent_id, "former_parent"))
        event = NewEvent("move", on, body.decision_ref, body.note, participants)
        await record_events(session, [event])
        plan = Restructure(on, moves={unit_id: body.parent_id})
        changes = await _restructure(session, plan, rules, event.id)
        moved = frozenset(c.unit_id for c in changes)
        change = FollowerChange("move", moved, on, body.dry_run, target_id=body.parent_id)
        result = await _finish(session, principal, "move", event, body, changes, change)
    return result


async def merge_units(
    session: AsyncSession, principal: Principal, body: UnitMerge
) -> ReorganisationRead:
    """Merge the sources into the target on `effective_on`: the sources close, their children
    move under the target, and followers move the sources' records to the target."""
    on = body.effective_on or today()
    sources = list(dict.fromkeys(body.source_ids))
    if body.target_id in sources:
        raise problems.merge_invalid(
            Text(
                "Đơn vị tiếp nhận không thể đồng thời là đơn vị bị sáp nhập.",
                "The target cannot also be one of the sources.",
            )
        )
    async with _attempt(session, body.dry_run):
        timelines, rules = await _begin(session, principal, [*sources, body.target_id])
        for source in sources:
            _closing(timelines, source, on)
        receiving_version(timelines, body.target_id, on)
        children = await versions_where(session, V.parent_id.in_(sources), valid_on(on))
        moves = {c.unit_id: body.target_id for c in children if c.unit_id not in set(sources)}
        participants = [
            *((s, "source") for s in sources),
            (body.target_id, "target"),
            *((c, "moved") for c in moves),
        ]
        event = NewEvent("merge", on, body.decision_ref, body.note, participants)
        await record_events(session, [event])
        plan = Restructure(on, moves=moves, closes=set(sources))
        changes = await _restructure(session, plan, rules, event.id)
        change = FollowerChange(
            "merge", frozenset(sources), on, body.dry_run, target_id=body.target_id
        )
        result = await _finish(session, principal, "merge", event, body, changes, change)
    return result


async def close_unit(
    session: AsyncSession, principal: Principal, unit_id: uuid.UUID, body: UnitClose
) -> ReorganisationRead:
    """Close (dissolve) a unit that has no child units left on `effective_on`."""
    on = body.effective_on or today()
    async with _attempt(session, body.dry_run):
        timelines, rules = await _begin(session, principal, [unit_id])
        _closing(timelines, unit_id, on)
        event = NewEvent("close", on, body.decision_ref, body.note, [(unit_id, "subject")])
        await record_events(session, [event])
        plan = Restructure(on, closes={unit_id})
        changes = await _restructure(session, plan, rules, event.id)
        change = FollowerChange("close", frozenset([unit_id]), on, body.dry_run)
        result = await _finish(session, principal, "close", event, body, changes, change)
    return result


async def split_unit(
    session: AsyncSession, principal: Principal, unit_id: uuid.UUID, body: UnitSplit
) -> ReorganisationRead:
    """Split a unit into new successor units on `effective_on`: the successors are established
    (by default beside it, under its parent), each child moves to its assigned successor, and the
    split unit closes."""
    on = body.effective_on or today()
    async with _attempt(session, body.dry_run):
        timelines, rules = await _begin(session, principal, [unit_id])
        source = _closing(timelines, unit_id, on)
        children = await versions_where(session, V.parent_id == unit_id, valid_on(on))
        successors = [
            NewUnit(
                code=s.code,
                name=s.name,
                kind=s.kind,
                effective_on=on,
                parent_id=s.parent_id or source.parent_id,
                short_name=s.short_name,
            )
            for s in body.successors
        ]
        by_code = {s.code: s.id for s in successors}
        _check_assignments(body, {c.unit_id for c in children}, set(by_code))
        event = NewEvent("split", on, body.decision_ref, body.note, [(unit_id, "source")])
        await record_events(session, [event])
        await establish_units(session, principal, successors, event_id=event.id)
        moves = {child: by_code[code] for child, code in body.assignments.items()}
        await link_units(
            session,
            event.id,
            [*((s.id, "successor") for s in successors), *((c, "moved") for c in moves)],
        )
        plan = Restructure(on, moves=moves, closes={unit_id})
        changes = await _restructure(session, plan, rules, event.id)
        established = [
            UnitChange(
                unit_id=s.id,
                code=s.code,
                name=s.name,
                change="established",
                parent_id_before=None,
                parent_id_after=s.parent_id,
            )
            for s in successors
        ]
        change = FollowerChange(
            "split",
            frozenset([unit_id]),
            on,
            body.dry_run,
            successor_ids=frozenset(by_code.values()),
        )
        result = await _finish(
            session, principal, "split", event, body, established + changes, change
        )
    return result


def _check_assignments(body: UnitSplit, children: set[uuid.UUID], codes: set[str]) -> None:
    missing = children - set(body.assignments)
    unknown = set(body.assignments) - children
    bad_codes = set(body.assignments.values()) - codes
    if missing or unknown or bad_codes:
        raise problems.split_invalid(
            Text(
                "Mỗi tổ chức trực thuộc phải được giao cho đúng một đơn vị mới "
                "(thiếu: {missing}; không phải tổ chức trực thuộc: {unknown}; mã lạ: {codes}).",
                "Every child unit must be assigned to one successor (missing: {missing}; not a "
                "child: {unknown}; unknown codes: {codes}).",
            ).format(missing=len(missing), unknown=len(unknown), codes=", ".join(sorted(bad_codes)))
        )
