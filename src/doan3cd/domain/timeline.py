"""Effective-dated versions: contiguous periods [valid_from, valid_to), and where a change fits.

A unit's versions must tile its life without overlaps or gaps; only the last may be open-ended
(valid_to None) and a closed unit's last version ends on the closing date. Changes are recorded
in date order: a change dated D splits (or, when D is its first day, replaces) the last version.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Period:
    valid_from: date
    valid_to: date | None

    def contains(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)


class IssueKind(StrEnum):
    empty = "empty"
    overlap = "overlap"
    gap = "gap"
    open_before_end = "open_before_end"


@dataclass(frozen=True, slots=True)
class TimelineIssue:
    kind: IssueKind
    index: int  # position (in valid_from order) of the period where the problem starts


def timeline_issues(periods: Sequence[Period]) -> list[TimelineIssue]:
    """Everything wrong with a set of periods meant to tile one unit's life."""
    ordered = sorted(periods, key=lambda p: p.valid_from)
    issues: list[TimelineIssue] = []
    for i, period in enumerate(ordered):
        if period.valid_to is not None and period.valid_to <= period.valid_from:
            issues.append(TimelineIssue(IssueKind.empty, i))
        if i + 1 == len(ordered):
            break
        following = ordered[i + 1]
        if period.valid_to is None:
            issues.append(TimelineIssue(IssueKind.open_before_end, i))
        elif following.valid_from < period.valid_to:
            issues.append(TimelineIssue(IssueKind.overlap, i))
        elif following.valid_from > period.valid_to:
            issues.append(TimelineIssue(IssueKind.gap, i))
    return issues


def period_on(periods: Sequence[Period], on: date) -> int | None:
    """Index of the period valid on `on`, or None."""
    return next((i for i, p in enumerate(periods) if p.contains(on)), None)


class RefusalCode(StrEnum):
    before_start = "unit_change_before_start"
    closed = "unit_closed"
    overlap = "unit_version_overlap"


class ChangeRefused(Exception):
    """A change that does not fit the timeline; `reference` is the date that explains why."""

    def __init__(self, code: RefusalCode, reference: date) -> None:
        super().__init__(f"{code}: {reference}")
        self.code = code
        self.reference = reference


@dataclass(frozen=True, slots=True)
class ChangePlan:
    """How a change dated `on` lands: replace the last version, or end it and start a new one."""

    replace: bool


def plan_change(periods: Sequence[Period], on: date) -> ChangePlan:
    """Where a change of the unit itself, dated `on`, fits (periods in valid_from order).

    Refused when `on` precedes the unit's start, when the unit is closed (even on a later
    date), or when a later version already exists (it would overlap the new one).
    """
    first, last = periods[0], periods[-1]
    if on < first.valid_from:
        raise ChangeRefused(RefusalCode.before_start, first.valid_from)
    if last.valid_to is not None:
        raise ChangeRefused(RefusalCode.closed, last.valid_to)
    if on < last.valid_from:
        raise ChangeRefused(RefusalCode.overlap, last.valid_from)
    return ChangePlan(replace=on == last.valid_from)


def plan_attach(periods: Sequence[Period], on: date) -> int:
    """Index of the version of a parent that a child may join on `on`.

    The parent must exist on that day and stay open afterwards, since a child cannot outlive it.
    """
    if on < periods[0].valid_from:
        raise ChangeRefused(RefusalCode.before_start, periods[0].valid_from)
    last = periods[-1].valid_to
    if last is not None:
        raise ChangeRefused(RefusalCode.closed, last)
    index = period_on(periods, on)
    assert index is not None  # contiguous periods starting on or before `on`, open at the end
    return index
