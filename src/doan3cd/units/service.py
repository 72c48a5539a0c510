"""Unit use cases: reads on a date, establishing units, editing them as new versions.

Reads are Core selects narrowed by the caller's scope on the version in force on the date asked;
a unit the caller may not see is missing (404). Reorganisations live in `units.lineage`.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from doan3cd.api.pagination import PageParams, keyset_page
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import in_scope
from doan3cd.clock import today
from doan3cd.db.types import utcnow
from doan3cd.domain.hierarchy import ancestor_ids, child_path
from doan3cd.domain.text import fold, nfc
from doan3cd.domain.timeline import ChangeRefused, RefusalCode, plan_attach, plan_change
from doan3cd.domain.units import KindRule, kind_allowed
from doan3cd.models.unit import LineageEvent, LineageEventUnit, Unit, UnitVersion
from doan3cd.units import problems
from doan3cd.units.changes import log_unit_changes
from doan3cd.units.queries import (
    LIST_KEY_TYPES,
    LIST_KEYS,
    list_statement,
    nearest,
    one_on,
    units_on,
)
from doan3cd.units.schemas import (
    Ancestors,
    EventRead,
    EventUnitRead,
    UnitCreate,
    UnitHistory,
    UnitRead,
    UnitUpdate,
    VersionRead,
)
from doan3cd.units.store import (
    NewEvent,
    Timeline,
    V,
    VersionRow,
    codes_of,
    first_taken_code,
    kind_rules,
    later_path_change,
    load_timelines,
    lock_tree,
    readable,
    record_events,
    touch_units,
    valid_on,
)

UnitPage = tuple[list[UnitRead], str | None, int | None]


def _unit(row: Any) -> UnitRead:
    return UnitRead.model_validate(dict(row._mapping))


async def _path_on(
    session: AsyncSession, principal: Principal, unit_id: uuid.UUID, on: date
) -> str:
    """The path of a unit the caller may see on `on`; 404 otherwise."""
    path = await session.scalar(
        select(V.path).where(V.unit_id == unit_id, valid_on(on), readable(principal))
    )
    if path is None:
        raise problems.unit_not_found(unit_id)
    return path


async def _page(session: AsyncSession, stmt: Any, page: PageParams) -> UnitPage:
    rows, cursor, total = await keyset_page(
        session, stmt, LIST_KEYS, page, cursor_types=LIST_KEY_TYPES
    )
    return [_unit(r) for r in rows], cursor, total


async def list_units(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    as_of: date | None = None,
    within: uuid.UUID | None = None,
    kind: str | None = None,
    q: str | None = None,
) -> UnitPage:
    on = as_of or today()
    within_path = await _path_on(session, principal, within, on) if within else None
    stmt = list_statement(principal, on, within_path=within_path, kind=kind, q=q)
    return await _page(session, stmt, page)


async def get_unit(
    session: AsyncSession, principal: Principal, unit_id: uuid.UUID, as_of: date | None = None
) -> UnitRead:
    """The unit on `as_of`; without it, as it stands today (or its last/first version)."""
    stmt = one_on(principal, unit_id, as_of) if as_of else nearest(principal, unit_id, today())
    row = (await session.execute(stmt)).first()
    if row is None:
        raise problems.unit_not_found(unit_id)
    return _unit(row)


async def list_children(
    session: AsyncSession,
    principal: Principal,
    unit_id: uuid.UUID,
    page: PageParams,
    as_of: date | None = None,
) -> UnitPage:
    on = as_of or today()
    await _path_on(session, principal, unit_id, on)
    return await _page(session, list_statement(principal, on, parent_id=unit_id), page)


async def list_ancestors(
    session: AsyncSession, principal: Principal, unit_id: uuid.UUID, as_of: date | None = None
) -> Ancestors:
    """Ancestors on a date that the caller may see, top-level first."""
    on = as_of or today()
    ids = ancestor_ids(await _path_on(session, principal, unit_id, on))[:-1]
    rows = await session.execute(
        units_on(principal, on).where(V.unit_id.in_(ids)).order_by(V.depth)
    )
    return Ancestors(items=[_unit(r) for r in rows])


# Roles shown among an event's participants; the children a merge moves are left out (there may
# be hundreds) but each sees the event in its own history.
PARTICIPANT_ROLES = ("subject", "source", "target", "successor", "former_parent")


async def unit_history(
    session: AsyncSession, principal: Principal, unit_id: uuid.UUID
) -> UnitHistory:
    """Every version of a unit the caller may see (in any of its versions) and its events."""
    parent = aliased(UnitVersion)
    parent_unit = aliased(Unit)
    rows = list(
        await session.execute(
            select(
                V.name,
                V.short_name,
                V.kind,
                V.parent_id,
                parent_unit.code.label("parent_code"),
                parent.name.label("parent_name"),
                V.depth,
                V.valid_from,
                V.valid_to,
                V.event_id,
                Unit.code,
                readable(principal).label("readable"),
            )
            .join(Unit, Unit.id == V.unit_id)
            .outerjoin(
                parent,
                and_(
                    parent.unit_id == V.parent_id,
                    parent.valid_from <= V.valid_from,
                    or_(parent.valid_to.is_(None), parent.valid_to > V.valid_from),
                    in_scope(principal, Permission.units_read, parent.path.expression),
                ),
            )
            .outerjoin(parent_unit, parent_unit.id == parent.unit_id)
            .where(V.unit_id == unit_id)
            .order_by(V.valid_from)
        )
    )
    if not any(r.readable for r in rows):
        raise problems.unit_not_found(unit_id)
    versions = [VersionRead.model_validate(dict(r._mapping)) for r in rows]
    own_roles: dict[uuid.UUID, str] = {
        row.event_id: row.role
        for row in await session.execute(
            select(LineageEventUnit.event_id, LineageEventUnit.role).where(
                LineageEventUnit.unit_id == unit_id
            )
        )
    }
    event_ids = set(own_roles) | {v.event_id for v in versions if v.event_id is not None}
    events = list(
        await session.scalars(
            select(LineageEvent)
            .where(LineageEvent.id.in_(sorted(event_ids)))
            .order_by(LineageEvent.effective_on, LineageEvent.created_at, LineageEvent.id)
        )
    )
    participants = await _participants(session, principal, event_ids)
    return UnitHistory(
        id=unit_id,
        code=rows[0].code,
        versions=versions,
        events=[
            EventRead(
                id=e.id,
                kind=e.kind,
                effective_on=e.effective_on,
                decision_ref=e.decision_ref,
                note=e.note,
                details=e.details,
                role=own_roles.get(e.id, "carried"),
                units=participants.get(e.id, []),
            )
            for e in events
        ],
    )


async def _participants(
    session: AsyncSession, principal: Principal, event_ids: set[uuid.UUID]
) -> dict[uuid.UUID, list[EventUnitRead]]:
    """Main participants of events with their names on the event's date (the version in force
    then, or the one that ended that day for units it closed), when the caller may see them."""
    rows = await session.execute(
        select(
            LineageEventUnit.event_id,
            LineageEventUnit.unit_id,
            LineageEventUnit.role,
            Unit.code,
            V.name,
            V.valid_from,
            readable(principal).label("readable"),
        )
        .join(LineageEvent, LineageEvent.id == LineageEventUnit.event_id)
        .join(Unit, Unit.id == LineageEventUnit.unit_id)
        .join(
            V,
            and_(
                V.unit_id == LineageEventUnit.unit_id,
                V.valid_from <= LineageEvent.effective_on,
                or_(V.valid_to.is_(None), V.valid_to >= LineageEvent.effective_on),
            ),
        )
        .where(
            LineageEventUnit.event_id.in_(sorted(event_ids)),
            LineageEventUnit.role.in_(PARTICIPANT_ROLES),
        )
        .order_by(LineageEventUnit.event_id, Unit.code, V.valid_from)
    )
    chosen: dict[tuple[uuid.UUID, uuid.UUID], Any] = {}
    for row in rows:  # later versions win: the one starting on the event's day if there is one
        chosen[(row.event_id, row.unit_id)] = row
    result: dict[uuid.UUID, list[EventUnitRead]] = {}
    for (event_id, _), row in chosen.items():
        if row.readable:
            result.setdefault(event_id, []).append(
                EventUnitRead(unit_id=row.unit_id, code=row.code, name=row.name, role=row.role)
            )
    return result


@dataclass(frozen=True, slots=True)
class NewUnit:
    """A unit to establish; `parent_id` names an existing unit or an earlier item of the batch."""

    code: str
    name: str
    kind: str
    effective_on: date
    parent_id: uuid.UUID | None = None
    short_name: str | None = None
    decision_ref: str | None = None
    note: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def visible_timeline(timelines: dict[uuid.UUID, Timeline], unit_id: uuid.UUID) -> Timeline:
    """The timeline of a unit the caller may see in at least one version; 404 otherwise."""
    timeline = timelines.get(unit_id)
    if timeline is None or not timeline.visible:
        raise problems.unit_not_found(unit_id)
    return timeline


def receiving_version(
    timelines: dict[uuid.UUID, Timeline], unit_id: uuid.UUID, on: date
) -> VersionRow:
    """The version of a unit that receives children from `on`: open then and afterwards, and
    writable by the caller."""
    timeline = visible_timeline(timelines, unit_id)
    try:
        version = timeline.versions[plan_attach(timeline.periods, on)]
    except ChangeRefused as error:
        raise problems.refused(error, timeline.code, on) from None
    if not version.writable:
        raise problems.unit_forbidden(timeline.code)
    return version


def _check_kind(rules: list[KindRule], parent_kind: str, child_kind: str, on: date) -> None:
    if not kind_allowed(rules, parent_kind, child_kind, on):
        raise problems.kind_forbidden(parent_kind, child_kind, on)


async def establish_units(
    session: AsyncSession,
    principal: Principal,
    units: Sequence[NewUnit],
    *,
    event_id: uuid.UUID | None = None,
) -> None:
    """Establish units in a handful of statements, whatever their number (imports, the demo).

    Each gets its own `establish` lineage event, unless `event_id` names the larger event (a
    split) that brings them into being. The caller needs units:write over each existing parent;
    top-level units need a system-wide grant.
    """
    await lock_tree(session, exclusive=False)
    if (taken := await first_taken_code(session, [u.code for u in units])) is not None:
        raise problems.code_taken(taken)
    batch_ids = {u.id for u in units}
    external = {u.parent_id for u in units if u.parent_id is not None} - batch_ids
    timelines = await load_timelines(session, principal, external)
    rules = await kind_rules(session)
    placed: dict[uuid.UUID, tuple[str, str, date, str]] = {}  # id → path, kind, start, code
    chains: dict[uuid.UUID, tuple[str, date]] = {}
    versions: list[dict[str, Any]] = []
    for unit in units:
        on = unit.effective_on
        if unit.parent_id is None:
            if "/" not in principal.paths_for(Permission.units_write):
                raise problems.root_forbidden()
            path = child_path(None, unit.id)
        elif unit.parent_id in placed:
            parent_path, parent_kind, parent_start, parent_code = placed[unit.parent_id]
            if on < parent_start:
                error = ChangeRefused(RefusalCode.before_start, parent_start)
                raise problems.refused(error, parent_code, on)
            _check_kind(rules, parent_kind, unit.kind, on)
            path = child_path(parent_path, unit.id)
        else:
            parent = receiving_version(timelines, unit.parent_id, on)
            _check_kind(rules, parent.kind, unit.kind, on)
            path = child_path(parent.path, unit.id)
            chains[unit.id] = (parent.path, on)
        placed[unit.id] = (path, unit.kind, on, unit.code)
        versions.append(
            {
                "id": uuid.uuid4(),
                "unit_id": unit.id,
                "name": nfc(unit.name),
                "name_folded": fold(unit.name),
                "short_name": nfc(unit.short_name) if unit.short_name else None,
                "kind": unit.kind,
                "parent_id": unit.parent_id,
                "valid_from": on,
                "valid_to": None,
                "path": path,
                "depth": len(ancestor_ids(path)) - 1,
                "event_id": event_id,
            }
        )
    if (later := await later_path_change(session, chains)) is not None:
        await _refuse_later_change(session, later)
    events = []
    if event_id is None:
        for unit, version in zip(units, versions, strict=True):
            event = NewEvent(
                "establish", unit.effective_on, unit.decision_ref, unit.note, [(unit.id, "subject")]
            )
            version["event_id"] = event.id
            events.append(event)
    now = utcnow()
    await session.execute(
        insert(Unit),
        [
            {"id": u.id, "code": u.code, "row_version": 1, "created_at": now, "updated_at": now}
            for u in units
        ],
    )
    await record_events(session, events)
    await session.execute(insert(UnitVersion), versions)
    await log_unit_changes(
        session, principal, "create", batch_ids, ("code", "name", "short_name", "kind", "parent_id")
    )


async def _refuse_later_change(session: AsyncSession, later: tuple[uuid.UUID, date, date]) -> None:
    unit_id, later_on, on = later
    code = (await codes_of(session, [unit_id]))[unit_id]
    raise problems.refused(ChangeRefused(RefusalCode.overlap, later_on), code, on)


async def create_unit(session: AsyncSession, principal: Principal, body: UnitCreate) -> UnitRead:
    unit = NewUnit(
        code=body.code,
        name=body.name,
        kind=body.kind,
        effective_on=body.effective_on or today(),
        parent_id=body.parent_id,
        short_name=body.short_name,
        decision_ref=body.decision_ref,
        note=body.note,
    )
    await establish_units(session, principal, [unit])
    return await get_unit(session, principal, unit.id)


VERSIONED_FIELDS = ("name", "short_name", "kind")


async def update_unit(
    session: AsyncSession,
    principal: Principal,
    unit_id: uuid.UUID,
    patch: UnitUpdate,
    precondition: Callable[[UnitRead], None],
) -> UnitRead:
    """Merge-patch a unit: the code for its whole life; name, short name and kind as a new
    version from `effective_on` (a `rename` or `edit` lineage event).

    The unit row is locked (SELECT … FOR UPDATE) before `precondition` (If-Match) compares the
    current representation, so of two concurrent edits from one ETag only the first succeeds.
    """
    await lock_tree(session, exclusive=False)
    timelines = await load_timelines(session, principal, [unit_id], lock=True)
    timeline = visible_timeline(timelines, unit_id)
    precondition(await get_unit(session, principal, unit_id))
    sent = patch.model_fields_set
    on = patch.effective_on or today()
    target = timeline.at(on) or timeline.versions[-1]
    if not target.writable:
        raise problems.unit_forbidden(timeline.code)
    changed = False
    if "code" in sent and patch.code is not None and patch.code != timeline.code:
        if await first_taken_code(session, [patch.code]) is not None:
            raise problems.code_taken(patch.code)
        await session.execute(update(Unit).where(Unit.id == unit_id).values(code=patch.code))
        changed = True
    values = {f: getattr(patch, f) for f in VERSIONED_FIELDS if f in sent}
    if "name" in values:
        values["name"] = nfc(values["name"])
        values["name_folded"] = fold(values["name"])
    if values.get("short_name"):
        values["short_name"] = nfc(values["short_name"])
    values = {k: v for k, v in values.items() if getattr(target, k) != v}
    if values:
        await _new_version(session, timeline, on, values, patch)
        changed = True
    if changed:
        await touch_units(session, [unit_id])
        fields = [f for f in (*values, "code") if f in VERSIONED_FIELDS or f in sent]
        await log_unit_changes(session, principal, "update", [unit_id], fields)
    return await get_unit(session, principal, unit_id)


async def _new_version(
    session: AsyncSession,
    timeline: Timeline,
    on: date,
    values: dict[str, Any],
    patch: UnitUpdate,
) -> None:
    try:
        plan = plan_change(timeline.periods, on)
    except ChangeRefused as error:
        raise problems.refused(error, timeline.code, on) from None
    last = timeline.versions[-1]
    if "kind" in values:
        await _check_new_kind(session, last, values["kind"], on)
    event_kind = "rename" if {"name", "short_name"} & set(values) else "edit"
    event = NewEvent(event_kind, on, patch.decision_ref, patch.note, [(last.unit_id, "subject")])
    await record_events(session, [event])
    values["event_id"] = event.id
    if plan.replace:
        await session.execute(update(UnitVersion).where(UnitVersion.id == last.id).values(values))
        return
    await session.execute(update(UnitVersion).where(UnitVersion.id == last.id).values(valid_to=on))
    await session.execute(
        insert(UnitVersion), [last.as_values(id=uuid.uuid4(), valid_from=on) | values]
    )


async def _check_new_kind(session: AsyncSession, version: VersionRow, kind: str, on: date) -> None:
    """A new kind must fit under the parent and over the children in force on `on`."""
    rules = await kind_rules(session)
    if version.parent_id is not None:
        parent_kind = await session.scalar(
            select(V.kind).where(V.unit_id == version.parent_id, valid_on(on))
        )
        if parent_kind is not None:
            _check_kind(rules, parent_kind, kind, on)
    child_kinds = await session.scalars(
        select(V.kind).where(V.parent_id == version.unit_id, valid_on(on)).distinct()
    )
    for child_kind in sorted(child_kinds):
        _check_kind(rules, kind, child_kind, on)
