"""Build `UnitYearFacts` for many units at once: one SQL query per fact family, never per unit.

Rules (the engine's contract, domain/facts.py):
- a unit's subtree is read from the tree as of the year's last day; evidence recorded against any
  unit of that subtree rolls up to it;
- lineage: a unit that received others by a merge or a split effective during the year inherits
  them (transitively) as predecessors: their own evidence and their subtrees as they stood the day
  before the event count, and the unit's existence counts from the earliest predecessor's start;
- members: those whose membership period covers the year's last day in a branch of the subtree
  and whose status on that day is `active` (the last status change on or before it, else the
  member's current status);
- activities dated in the year, plus youth projects completed in the year; plans, manual scores
  and the registration are the unit's own (plans also its predecessors');
- active branches: units of kind `branch` in the subtree;
- welfare cases identified by the year's end and not closed before it started, supported when a
  support action is dated in the year;
- transfers requested in the year from a branch of the subtree; `completed_on` only once received
  or rejected;
- admitted members: joined_on in the year, counted where their membership period on the year's
  last day puts them;
- Party referrals whose first transition to `handed_to_party` or a later stage is dated in the year.
"""

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from doan3cd.domain.facts import (
    EvidenceItem,
    ManualScore,
    MemberRecords,
    PlanFact,
    Registration,
    TransferFact,
    UnitYearFacts,
    WelfareCaseFact,
)
from doan3cd.domain.hierarchy import ancestor_ids, path_upper
from doan3cd.models.assessment import Assessment, CriterionScore
from doan3cd.models.evidence import (
    Activity,
    PartyReferral,
    Plan,
    ReferralTransition,
    SupportAction,
    WelfareCase,
)
from doan3cd.models.member import Member, MembershipPeriod, MemberStatusChange, Transfer
from doan3cd.models.unit import LineageEvent, LineageEventUnit, UnitVersion

V = UnitVersion
DAY = datetime.timedelta(days=1)

# Stages at or after handing the member over to the Party (chuyển cho chi bộ/đảng ủy).
HANDED_OR_LATER = (
    "handed_to_party",
    "awareness_class",
    "party_candidate",
    "admitted_probationary",
    "admitted_full",
)
FINAL_TRANSFER_STATES = ("received", "rejected")
RECEIVING_ROLES = ("target", "successor")


def valid_on(on: datetime.date) -> ColumnElement[bool]:
    return and_(V.valid_from <= on, or_(V.valid_to.is_(None), V.valid_to > on))


@dataclass
class _Unit:
    """What the loader knows about one requested unit while it assembles its facts."""

    id: uuid.UUID
    kind: str
    path: str
    existed_from: datetime.date
    existed_until: datetime.date | None
    predecessors: set[uuid.UUID] = field(default_factory=set)
    branches: set[uuid.UUID] = field(default_factory=set)
    members: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    activities: list[EvidenceItem] = field(default_factory=list)
    plans: dict[uuid.UUID, PlanFact] = field(default_factory=dict)
    welfare: dict[uuid.UUID, WelfareCaseFact] = field(default_factory=dict)
    transfers: dict[uuid.UUID, TransferFact] = field(default_factory=dict)
    admitted: set[uuid.UUID] = field(default_factory=set)
    referrals: set[uuid.UUID] = field(default_factory=set)
    scores: list[ManualScore] = field(default_factory=list)
    registration: Registration | None = None


class _Rollup:
    """Which requested units each evidence-holding unit rolls up to."""

    def __init__(self) -> None:
        self.owners: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)

    def add(self, holder: uuid.UUID, owner: uuid.UUID) -> None:
        self.owners[holder].add(owner)

    def of(self, holder: uuid.UUID) -> set[uuid.UUID]:
        return self.owners.get(holder, set())

    @property
    def holders(self) -> list[uuid.UUID]:
        return list(self.owners)


@dataclass(frozen=True)
class _Holders:
    """The units whose records roll up to the requested ones: the year-end versions in one path
    range (a subquery, so no long id lists), plus the few outside it (predecessors' subtrees,
    units closed before the year's end)."""

    end: datetime.date
    low: str
    high: str
    extra: tuple[uuid.UUID, ...]

    def match(self, column: Any) -> ColumnElement[bool]:
        in_range = select(V.unit_id).where(
            valid_on(self.end), V.path >= self.low, V.path < self.high
        )
        if not self.extra:
            return column.in_(in_range)  # type: ignore[no-any-return]
        return or_(column.in_(in_range), column.in_(self.extra))


async def load_facts(
    session: AsyncSession, unit_ids: Iterable[uuid.UUID], year: int
) -> dict[uuid.UUID, UnitYearFacts]:
    """Facts for each of `unit_ids` that exists; the query count does not depend on how many.

    Callers with thousands of units pass them in chunks (`verdicts.CHUNK`), sorted by path, so the
    subtree read stays one narrow range scan.
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    requested = list(dict.fromkeys(unit_ids))
    if not requested:
        return {}
    lineage = await _predecessors(session, requested, start, end)
    all_ids = set(requested) | {p for preds in lineage.values() for p, _ in preds}
    versions = await _versions(session, all_ids)
    units = {
        unit_id: _describe(unit_id, versions[unit_id], end)
        for unit_id in requested
        if unit_id in versions
    }
    if not units:
        return {}
    rollup = _Rollup()
    for unit in units.values():
        rollup.add(unit.id, unit.id)
        for predecessor, _ in lineage.get(unit.id, ()):
            unit.predecessors.add(predecessor)
            rollup.add(predecessor, unit.id)
            if predecessor in versions:
                started = min(version[2] for version in versions[predecessor])
                unit.existed_from = min(unit.existed_from, started)
    holders = await _subtrees(session, units, lineage, versions, rollup, end)
    await _members(session, units, rollup, holders, end)
    await _activities(session, units, rollup, holders, start, end)
    await _plans(session, units, rollup, year)
    await _welfare(session, units, rollup, holders, start, end)
    await _transfers(session, units, rollup, holders, start, end)
    await _admitted(session, units, rollup, holders, start, end)
    await _referrals(session, units, rollup, holders, start, end)
    await _own(session, units, year)
    return {unit_id: _facts(unit, year) for unit_id, unit in units.items()}


# Units, lineage, subtrees -----------------------------------------------------------------


async def _predecessors(
    session: AsyncSession, unit_ids: list[uuid.UUID], start: datetime.date, end: datetime.date
) -> dict[uuid.UUID, list[tuple[uuid.UUID, datetime.date]]]:
    """Units each one received by merge or split during the year, transitively, with the date."""
    receiver = aliased(LineageEventUnit)
    giver = aliased(LineageEventUnit)
    stmt = (
        select(receiver.unit_id, giver.unit_id, LineageEvent.effective_on)
        .join(LineageEvent, LineageEvent.id == receiver.event_id)
        .join(giver, and_(giver.event_id == receiver.event_id, giver.role == "source"))
        .where(
            LineageEvent.kind.in_(("merge", "split")),
            receiver.role.in_(RECEIVING_ROLES),
            LineageEvent.effective_on > start,
            LineageEvent.effective_on <= end,
        )
    )
    direct: dict[uuid.UUID, list[tuple[uuid.UUID, datetime.date]]] = defaultdict(list)
    for target, source, on in (await session.execute(stmt)).all():
        direct[target].append((source, on))
    result: dict[uuid.UUID, list[tuple[uuid.UUID, datetime.date]]] = {}
    for unit_id in unit_ids:
        seen: dict[uuid.UUID, datetime.date] = {}
        frontier = [unit_id]
        while frontier:
            current = frontier.pop()
            for source, on in direct.get(current, ()):
                if source not in seen and source != unit_id:
                    seen[source] = on
                    frontier.append(source)
        if seen:
            result[unit_id] = sorted(seen.items(), key=lambda item: str(item[0]))
    return result


VersionTuple = tuple[str, str, datetime.date, datetime.date | None]


async def _versions(
    session: AsyncSession, unit_ids: set[uuid.UUID]
) -> dict[uuid.UUID, list[VersionTuple]]:
    stmt = select(V.unit_id, V.kind, V.path, V.valid_from, V.valid_to).where(
        V.unit_id.in_(unit_ids)
    )
    versions: dict[uuid.UUID, list[VersionTuple]] = defaultdict(list)
    for unit_id, kind, path, valid_from, valid_to in (await session.execute(stmt)).all():
        versions[unit_id].append((kind, path, valid_from, valid_to))
    return versions


def _version_on(versions: list[VersionTuple], on: datetime.date) -> VersionTuple:
    """The version in force on `on`, else the last that started by then, else the first."""
    ordered = sorted(versions, key=lambda v: v[2])
    for version in ordered:
        if version[2] <= on and (version[3] is None or version[3] > on):
            return version
    started = [v for v in ordered if v[2] <= on]
    return started[-1] if started else ordered[0]


def _describe(unit_id: uuid.UUID, versions: list[VersionTuple], end: datetime.date) -> _Unit:
    kind, path, _, _ = _version_on(versions, end)
    ends = [v[3] for v in versions]
    until = None if any(e is None for e in ends) else max(e for e in ends if e is not None) - DAY
    return _Unit(
        id=unit_id,
        kind=kind,
        path=path,
        existed_from=min(v[2] for v in versions),
        existed_until=until,
    )


async def _subtrees(
    session: AsyncSession,
    units: dict[uuid.UUID, _Unit],
    lineage: dict[uuid.UUID, list[tuple[uuid.UUID, datetime.date]]],
    versions: dict[uuid.UUID, list[VersionTuple]],
    rollup: _Rollup,
    end: datetime.date,
) -> _Holders:
    """Descendants on the year's last day (one range scan over the requested units' paths), and
    each predecessor's descendants on the day before its lineage event, in the same query."""
    paths = sorted(unit.path for unit in units.values())
    low, high = paths[0], path_upper(paths[-1])
    ranges: list[ColumnElement[bool]] = [and_(valid_on(end), V.path >= low, V.path < high)]
    in_range: set[uuid.UUID] = set()
    inherited: list[tuple[str, datetime.date, uuid.UUID]] = []
    for unit_id, predecessors in lineage.items():
        for predecessor, on in predecessors:
            if unit_id in units and predecessor in versions:
                _, path, _, _ = _version_on(versions[predecessor], on - DAY)
                inherited.append((path, on - DAY, unit_id))
                ranges.append(and_(valid_on(on - DAY), V.path >= path, V.path < path_upper(path)))
    stmt = select(V.unit_id, V.kind, V.path, V.valid_from, V.valid_to).where(or_(*ranges))
    for holder, kind, path, valid_from, valid_to in (await session.execute(stmt)).all():
        period = (valid_from, valid_to)
        owners: set[uuid.UUID] = set()
        if _in_force(period, end) and low <= path < high:
            in_range.add(holder)
            owners = {a for a in ancestor_ids(path) if a in units}
        owners |= {
            owner
            for prefix, on, owner in inherited
            if path.startswith(prefix) and _in_force(period, on)
        }
        for owner in owners:
            rollup.add(holder, owner)
            if kind == "branch":
                units[owner].branches.add(holder)
    extra = tuple(sorted(set(rollup.holders) - in_range))
    return _Holders(end, low, high, extra)


def _in_force(period: tuple[datetime.date, datetime.date | None], on: datetime.date) -> bool:
    valid_from, valid_to = period
    return valid_from <= on and (valid_to is None or valid_to > on)


# Fact families ----------------------------------------------------------------------------


def _holding(column: Any, holders: _Holders) -> ColumnElement[bool]:
    return holders.match(column)


def last_status_change(on: datetime.date) -> Any:
    """Each member's last status change on or before `on` (rank 1 of a window, so one pass over
    the changes joins every member at once instead of a lookup per member)."""
    latest_first = (MemberStatusChange.effective_on.desc(), MemberStatusChange.recorded_at.desc())
    rank = (
        func.row_number()
        .over(partition_by=MemberStatusChange.member_id, order_by=latest_first)
        .label("rank")
    )
    return (
        select(MemberStatusChange.member_id, MemberStatusChange.status, rank)
        .where(MemberStatusChange.effective_on <= on)
        .subquery("last_change")
    )


def period_on(on: datetime.date) -> ColumnElement[bool]:
    return and_(
        MembershipPeriod.valid_from <= on,
        or_(MembershipPeriod.valid_to.is_(None), MembershipPeriod.valid_to > on),
    )


async def _members(
    session: AsyncSession,
    units: dict[uuid.UUID, _Unit],
    rollup: _Rollup,
    holders: _Holders,
    end: datetime.date,
) -> None:
    change = last_status_change(end)
    # The status on the day: the last change by then, else the member's current status. It is
    # tested inside the sums, not in WHERE: the planner cannot estimate the coalesce and would
    # start from every member instead of from the subtree's branches.
    active = func.coalesce(change.c.status, Member.status) == "active"
    complete = and_(
        Member.member_code.is_not(None),
        Member.date_of_birth.is_not(None),
        Member.joined_on.is_not(None),
        Member.branch_id.is_not(None),
    )

    def active_where(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((and_(active, condition), 1), else_=0))

    stmt = (
        select(
            MembershipPeriod.branch_id,
            active_where(literal(True)),
            active_where(complete),
            active_where(Member.member_code.is_(None)),
            active_where(Member.date_of_birth.is_(None)),
            active_where(Member.joined_on.is_(None)),
            active_where(Member.branch_id.is_(None)),
        )
        .join(Member, Member.id == MembershipPeriod.member_id)
        .outerjoin(change, and_(change.c.member_id == Member.id, change.c.rank == 1))
        .where(period_on(end), _holding(MembershipPeriod.branch_id, holders))
        .group_by(MembershipPeriod.branch_id)
    )
    names = ("active", "complete", "member_code", "date_of_birth", "joined_on", "branch")
    for holder, *counts in (await session.execute(stmt)).all():
        for owner in rollup.of(holder):
            for name, count in zip(names, counts, strict=True):
                units[owner].members[name] += int(count or 0)


async def _activities(
    session: AsyncSession,
    units: dict[uuid.UUID, _Unit],
    rollup: _Rollup,
    holders: _Holders,
    start: datetime.date,
    end: datetime.date,
) -> None:
    stmt = select(
        Activity.id,
        Activity.unit_id,
        Activity.kind,
        Activity.occurred_on,
        Activity.verification,
        Activity.rejected_reason,
        Activity.completed_on,
        Activity.value_vnd,
    ).where(
        _holding(Activity.unit_id, holders),
        or_(
            Activity.occurred_on.between(start, end),
            and_(Activity.kind == "youth_project", Activity.completed_on.between(start, end)),
        ),
    )
    # Hundreds of rows per unit: a Core result (no ORM row layer), plain tuples, positional
    # arguments and one lookup of the holder's owner lists per row keep this loop cheap (keyed
    # by the id's integer value: hashing a `uuid.UUID` runs Python code). Each row has one
    # holder, so an owner gets it once.
    lists = {
        holder.int: [units[owner].activities for owner in owners]
        for holder, owners in rollup.owners.items()
    }
    connection = await session.connection()
    rows: Any = (await connection.execute(stmt)).all()  # verification is checked by the column
    for activity_id, holder, kind, occurred_on, verification, reason, completed_on, value in rows:
        branch_id = holder if kind == "branch_meeting" else None
        item = EvidenceItem(
            activity_id, kind, occurred_on, verification, reason, completed_on, value, branch_id
        )
        for activities in lists.get(holder.int, ()):
            activities.append(item)


async def _plans(
    session: AsyncSession, units: dict[uuid.UUID, _Unit], rollup: _Rollup, year: int
) -> None:
    own = {unit.id: unit.id for unit in units.values()}
    for unit in units.values():
        own |= {predecessor: unit.id for predecessor in unit.predecessors}
    stmt = select(Plan.id, Plan.unit_id, Plan.kind, Plan.adopted_on).where(
        Plan.unit_id.in_(list(own)), Plan.year == year
    )
    for plan_id, unit_id, kind, adopted_on in (await session.execute(stmt)).all():
        units[own[unit_id]].plans[plan_id] = PlanFact(plan_id, kind, adopted_on)


async def _welfare(
    session: AsyncSession,
    units: dict[uuid.UUID, _Unit],
    rollup: _Rollup,
    holders: _Holders,
    start: datetime.date,
    end: datetime.date,
) -> None:
    supported = exists().where(
        SupportAction.case_id == WelfareCase.id, SupportAction.acted_on.between(start, end)
    )
    stmt = select(WelfareCase.id, WelfareCase.unit_id, supported).where(
        _holding(WelfareCase.unit_id, holders),
        WelfareCase.identified_on <= end,
        or_(WelfareCase.closed_on.is_(None), WelfareCase.closed_on >= start),
    )
    for case_id, unit_id, was_supported in (await session.execute(stmt)).all():
        for owner in rollup.of(unit_id):
            units[owner].welfare[case_id] = WelfareCaseFact(case_id, bool(was_supported))


async def _transfers(
    session: AsyncSession,
    units: dict[uuid.UUID, _Unit],
    rollup: _Rollup,
    holders: _Holders,
    start: datetime.date,
    end: datetime.date,
) -> None:
    completed = case(
        (Transfer.state.in_(FINAL_TRANSFER_STATES), Transfer.completed_on), else_=literal(None)
    )
    stmt = select(Transfer.id, Transfer.from_branch_id, Transfer.requested_on, completed).where(
        _holding(Transfer.from_branch_id, holders), Transfer.requested_on.between(start, end)
    )
    for transfer_id, branch_id, requested_on, completed_on in (await session.execute(stmt)).all():
        for owner in rollup.of(branch_id):
            units[owner].transfers[transfer_id] = TransferFact(
                transfer_id, requested_on, completed_on
            )


async def _admitted(
    session: AsyncSession,
    units: dict[uuid.UUID, _Unit],
    rollup: _Rollup,
    holders: _Holders,
    start: datetime.date,
    end: datetime.date,
) -> None:
    stmt = (
        select(Member.id, MembershipPeriod.branch_id)
        .join(MembershipPeriod, MembershipPeriod.member_id == Member.id)
        .where(
            Member.joined_on.between(start, end),
            period_on(end),
            _holding(MembershipPeriod.branch_id, holders),
        )
    )
    for member_id, branch_id in (await session.execute(stmt)).all():
        for owner in rollup.of(branch_id):
            units[owner].admitted.add(member_id)


async def _referrals(
    session: AsyncSession,
    units: dict[uuid.UUID, _Unit],
    rollup: _Rollup,
    holders: _Holders,
    start: datetime.date,
    end: datetime.date,
) -> None:
    reached = func.min(ReferralTransition.effective_on)
    stmt = (
        select(PartyReferral.id, PartyReferral.unit_id)
        .join(ReferralTransition, ReferralTransition.referral_id == PartyReferral.id)
        .where(
            _holding(PartyReferral.unit_id, holders),
            ReferralTransition.to_stage.in_(HANDED_OR_LATER),
        )
        .group_by(PartyReferral.id, PartyReferral.unit_id)
        .having(and_(reached >= start, reached <= end))
    )
    for referral_id, unit_id in (await session.execute(stmt)).all():
        for owner in rollup.of(unit_id):
            units[owner].referrals.add(referral_id)


async def _own(session: AsyncSession, units: dict[uuid.UUID, _Unit], year: int) -> None:
    """The unit's own registration and manual scores (one query each)."""
    ids = list(units)
    scores = select(
        CriterionScore.id,
        CriterionScore.unit_id,
        CriterionScore.indicator_key,
        CriterionScore.self_score,
        CriterionScore.review_score,
    ).where(CriterionScore.unit_id.in_(ids), CriterionScore.year == year)
    for score_id, unit_id, key, self_score, review_score in (await session.execute(scores)).all():
        units[unit_id].scores.append(ManualScore(score_id, key, self_score, review_score))
    registrations = select(
        Assessment.unit_id,
        Assessment.registered_on,
        Assessment.new_members_target,
        Assessment.referrals_target,
    ).where(Assessment.unit_id.in_(ids), Assessment.year == year)
    for unit_id, registered_on, new_members, referrals in (
        await session.execute(registrations)
    ).all():
        units[unit_id].registration = Registration(registered_on, new_members, referrals)


def _facts(unit: _Unit, year: int) -> UnitYearFacts:
    counts = unit.members
    return UnitYearFacts(
        unit_id=unit.id,
        year=year,
        kind=unit.kind,
        existed_from=unit.existed_from,
        existed_until=unit.existed_until,
        predecessor_ids=tuple(unit.predecessors),
        registration=unit.registration,
        members=MemberRecords(
            active=counts["active"],
            complete=counts["complete"],
            missing_member_code=counts["member_code"],
            missing_date_of_birth=counts["date_of_birth"],
            missing_joined_on=counts["joined_on"],
            missing_branch=counts["branch"],
        ),
        activities=tuple(unit.activities),
        plans=tuple(unit.plans.values()),
        active_branch_ids=tuple(unit.branches),
        welfare_cases=tuple(unit.welfare.values()),
        transfers=tuple(unit.transfers.values()),
        admitted_member_ids=tuple(unit.admitted),
        party_referral_ids=tuple(unit.referrals),
        manual_scores=tuple(unit.scores),
    )
