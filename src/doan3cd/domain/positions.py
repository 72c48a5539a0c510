"""Committee positions (chức vụ) a member holds in a unit over dates, and their date rules.

A position is held over the half-open period [started_on, ended_on): `ended_on` is the first day
it is no longer held, so a handover on one day (one ends, the next starts) does not overlap.
"""

from dataclasses import dataclass
from datetime import date

from doan3cd.domain.member_rules import RuleError, check_not_in_future


@dataclass(frozen=True, slots=True)
class PositionKind:
    label_vi: str
    label_en: str
    # One holder at a time in a unit (a unit has one Bí thư); others may be held by several.
    sole: bool = False


POSITIONS: dict[str, PositionKind] = {
    "secretary": PositionKind("Bí thư", "Secretary", sole=True),
    "deputy_secretary": PositionKind("Phó Bí thư", "Deputy secretary"),
    "standing_committee": PositionKind("Ủy viên Ban Thường vụ", "Standing committee member"),
    "executive_committee": PositionKind("Ủy viên Ban Chấp hành", "Executive committee member"),
    "inspection_chair": PositionKind(
        "Chủ nhiệm Ủy ban Kiểm tra", "Chair of the inspection committee", sole=True
    ),
    "inspection_member": PositionKind("Ủy viên Ủy ban Kiểm tra", "Inspection committee member"),
}


def check_position_dates(started_on: date, ended_on: date | None, today: date) -> list[RuleError]:
    errors = check_not_in_future(started_on, today, "started_on")
    errors += check_not_in_future(ended_on, today, "ended_on")
    if ended_on is not None and ended_on < started_on:
        errors.append(
            RuleError(
                "position_end_before_start",
                "ended_on",
                "Ngày thôi giữ chức vụ không được trước ngày bắt đầu.",
                "The end date cannot be before the start date.",
            )
        )
    return errors


def overlaps(
    started_on: date, ended_on: date | None, other_start: date, other_end: date | None
) -> bool:
    """Whether [started_on, ended_on) and [other_start, other_end) share a day (None: open)."""
    return (other_end is None or started_on < other_end) and (
        ended_on is None or other_start < ended_on
    )
