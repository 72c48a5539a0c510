"""Data access shared by the unit use cases: locks, timelines with scope flags, events, rules."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import in_scope
from doan3cd.db.types import utcnow
from doan3cd.domain.hierarchy import ancestor_ids
from doan3cd.domain.timeline import Period, period_on
from doan3cd.domain.units import KindRule
from doan3cd.models.unit import LineageEvent, LineageEventUnit, Unit, UnitKindRule, UnitVersion

V = UnitVersion

# Restructuring rewrites the paths of whole subtrees, so it must not interleave with another
# restructuring or with a unit being attached below a path it rewrites: restructurings take this
# PostgreSQL advisory lock exclusively, creations and edits share it.
TREE_LOCK_KEY = 0x756E_6974_7472_6565  # "unittree"


async def lock_tree(session: AsyncSession, *, exclusive: bool) -> None:
    """Serialise unit writes that could interleave badly; call before reading what they change.

    SQLite has a single writer, and write requests already begin with BEGIN IMMEDIATE.
    """
    if session.get_bind().dialect.name == "sqlite":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await session.execute(text(f"SELECT {function}(:key)"), {"key": TREE_LOCK_KEY})


def valid_on(on: date) -> ColumnElement[bool]:
    """Versions in force on `on`: valid_from <= on < valid_to (open-ended when null)."""
    return and_(V.valid_from <= on, or_(V.valid_to.is_(None), V.valid_to > on))


def readable(principal: Principal) -> ColumnElement[bool]:
    return in_scope(principal, Permission.units_read, V.path.expression)


def writable(principal: Principal) -> ColumnElement[bool]:
    return in_scope(principal, Permission.units_write, V.path.expression)


@dataclass(frozen=True, slots=True)
class VersionRow:
    id: uuid.UUID
    unit_id: uuid.UUID
    name: str
    name_folded: str
    short_name: str | None
    kind: str
    parent_id: uuid.UUID | None
    valid_from: date
    valid_to: date | None
    path: str
    depth: int
    event_id: uuid.UUID | None
    readable: bool = False
    writable: bool = False

    @property
    def period(self) -> Period:
        return Period(self.valid_from, self.valid_to)

    def as_values(self, **changes: Any) -> dict[str, Any]:
        """Column values for inserting a copy of this version with `changes` applied."""
        values = {
            name: getattr(self, name)
            for name in VersionRow.__dataclass_fields__
            if name not in ("readable", "writable")
        }
        return values | changes


VERSION_COLUMNS = tuple(
    getattr(V, name)
    for name in VersionRow.__dataclass_fields__
    if name not in ("readable", "writable")
)


@dataclass(slots=True)
class Timeline:
    """All versions of one unit (valid_from order) with the caller's rights over each."""

    unit_id: uuid.UUID
    code: str
    versions: list[VersionRow] = field(default_factory=list)

    @property
    def visible(self) -> bool:
        return any(v.readable for v in self.versions)

    @property
    def periods(self) -> list[Period]:
        return [v.period for v in self.versions]

    def at(self, on: date) -> VersionRow | None:
        index = period_on(self.periods, on)
        return None if index is None else self.versions[index]


async def load_timelines(
    session: AsyncSession,
    principal: Principal,
    unit_ids: Iterable[uuid.UUID],
    *,
    lock: bool = False,
) -> dict[uuid.UUID, Timeline]:
    """Timelines of existing units; with `lock`, their unit rows are locked first (id order)."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    if lock:
        await session.execute(
            select(Unit.id).where(Unit.id.in_(ids)).order_by(Unit.id).with_for_update()
        )
    rows = await session.execute(
        select(
            *VERSION_COLUMNS,
            Unit.code,
            readable(principal).label("readable"),
            writable(principal).label("writable"),
        )
        .join(Unit, Unit.id == V.unit_id)
        .where(V.unit_id.in_(ids))
        .order_by(V.unit_id, V.valid_from)
    )
    timelines: dict[uuid.UUID, Timeline] = {}
    for row in rows:
        values = dict(row._mapping)
        code = values.pop("code")
        values["readable"] = bool(values["readable"])
        values["writable"] = bool(values["writable"])
        timeline = timelines.setdefault(row.unit_id, Timeline(row.unit_id, code))
        timeline.versions.append(VersionRow(**values))
    return timelines


async def versions_where(
    session: AsyncSession, *conditions: ColumnElement[bool]
) -> list[VersionRow]:
    rows = await session.execute(select(*VERSION_COLUMNS).where(*conditions))
    return [VersionRow(**row._mapping) for row in rows]


async def codes_of(session: AsyncSession, unit_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    rows = await session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(ids)))
    return {row.id: row.code for row in rows}


async def first_taken_code(session: AsyncSession, codes: Sequence[str]) -> str | None:
    """A code among `codes` already used by a unit, or repeated within `codes`."""
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            return code
        seen.add(code)
    taken = await session.scalars(
        select(Unit.code).where(Unit.code.in_(sorted(seen))).order_by(Unit.code).limit(1)
    )
    return taken.first()


async def later_path_change(
    session: AsyncSession, chains: dict[uuid.UUID, tuple[str, date]]
) -> tuple[uuid.UUID, date, date] | None:
    """A version, dated after D, of an ancestor-or-self of a unit whose path on D is given, that
    changes that ancestor's path (a later move above it).

    `chains` maps a unit to (its path on D, D). Attaching below such a unit on D would give the
    new version a path that goes stale on that later date, so changes are taken in date order.
    Returns (that ancestor's id, the date of its later version, D).
    """
    members = {unit_id for path, _ in chains.values() for unit_id in ancestor_ids(path)}
    if not members:
        return None
    earliest = min(on for _, on in chains.values())
    later = await versions_where(session, V.unit_id.in_(sorted(members)), V.valid_from > earliest)
    for path, on in chains.values():
        chain = set(ancestor_ids(path))
        for version in later:
            if (
                version.unit_id in chain
                and version.valid_from > on
                and not path.startswith(version.path)
            ):
                return version.unit_id, version.valid_from, on
    return None


async def kind_rules(session: AsyncSession) -> list[KindRule]:
    rows = await session.execute(
        select(
            UnitKindRule.parent_kind,
            UnitKindRule.child_kind,
            UnitKindRule.valid_from,
            UnitKindRule.valid_to,
        )
    )
    return [KindRule(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class NewEvent:
    kind: str
    effective_on: date
    decision_ref: str | None
    note: str | None
    participants: Sequence[tuple[uuid.UUID, str]]  # (unit id, role)
    id: uuid.UUID = field(default_factory=uuid.uuid4)


async def record_events(session: AsyncSession, events: Sequence[NewEvent]) -> None:
    if not events:
        return
    now = utcnow()
    await session.execute(
        insert(LineageEvent),
        [
            {
                "id": e.id,
                "kind": e.kind,
                "effective_on": e.effective_on,
                "decision_ref": e.decision_ref,
                "note": e.note,
                "details": {},
                "created_at": now,
            }
            for e in events
        ],
    )
    await _insert_links(session, [(e.id, e.participants) for e in events])


async def link_units(
    session: AsyncSession, event_id: uuid.UUID, participants: Iterable[tuple[uuid.UUID, str]]
) -> None:
    """Record more units an event touched (e.g. units it established)."""
    await _insert_links(session, [(event_id, participants)])


async def _insert_links(
    session: AsyncSession,
    links: Iterable[tuple[uuid.UUID, Iterable[tuple[uuid.UUID, str]]]],
) -> None:
    """One insert for all links; within an event a unit keeps the first role it is given."""
    rows: dict[tuple[uuid.UUID, uuid.UUID], str] = {}
    for event_id, participants in links:
        for unit_id, role in participants:
            rows.setdefault((event_id, unit_id), role)
    if rows:
        await session.execute(
            insert(LineageEventUnit),
            [{"event_id": e, "unit_id": u, "role": r} for (e, u), r in rows.items()],
        )


async def set_event_details(
    session: AsyncSession, event_id: uuid.UUID, details: dict[str, object]
) -> None:
    await session.execute(
        update(LineageEvent).where(LineageEvent.id == event_id).values(details=details)
    )


async def touch_units(session: AsyncSession, unit_ids: Iterable[uuid.UUID]) -> None:
    """Bump the revision (and so the ETag) of units whose versions changed."""
    ids = sorted(set(unit_ids))
    if ids:
        await session.execute(
            update(Unit)
            .where(Unit.id.in_(ids))
            .values(row_version=Unit.row_version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
