"""The facts about one grassroots unit and one year (đơn vị – năm) that a verdict is computed from.

The loader builds these for many units at once (one query per fact family) and hands them to
`evaluation.evaluate`. Facts hold ids and dates, never personal details. Every collection is a
tuple whose order does not matter: evaluation and the inputs hash sort them.

What the loader must put in (everything for the unit's subtree, plus inherited predecessors):
- `existed_from` / `existed_until`: the first and last day the unit existed, where a unit that
  inherits evidence through lineage (merge, split) counts from its earliest predecessor's start;
- `registration`: the unit's registration for the year (đăng ký), or None;
- `members`: counts over members active on the year's last day;
- `activities`: activities dated in the year, plus youth projects completed in the year; items
  outside the year are tolerated and reported as excluded;
- `plans`: plans whose year is the verdict's year;
- `active_branch_ids`: branches (chi đoàn) active at some time in the year;
- `welfare_cases`: cases open at some time in the year, with whether a support action was dated in
  the year;
- `transfers`: transfers out of the subtree requested in the year; `completed_on` is the day the
  transfer reached a final state (received or rejected);
- `admitted_member_ids`: members whose joined_on is in the year;
- `party_referral_ids`: referrals that reached `handed_to_party` or a later stage in the year;
- `manual_scores`: criterion scores (điểm tự chấm / điểm thẩm định) per manual indicator.
"""

import datetime
import functools
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from doan3cd.domain.codec import from_jsonable, to_jsonable

Verification = Literal["submitted", "verified", "rejected"]

ACTIVITY_KINDS = (
    "branch_meeting",
    "situation_report",
    "rights_protection",
    "welfare_register_review",
    "youth_project",
    "inspection",
    "self_criticism",
    "exemplary_model",
    "advisory_document",
    "dialogue",
    "resource_mobilisation",
    "other",
)
PLAN_KINDS = ("annual_programme", "action_programme", "thematic")


@dataclass(frozen=True)
class EvidenceItem:
    """An activity (hoạt động) as evidence: `completed_on` for youth projects, `value_vnd` for
    resource mobilisation, `branch_id` for branch meetings (sinh hoạt chi đoàn)."""

    id: uuid.UUID
    kind: str
    occurred_on: datetime.date
    verification: Verification = "submitted"
    rejected_reason: str | None = None
    completed_on: datetime.date | None = None
    value_vnd: int | None = None
    branch_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PlanFact:
    """A plan for the year (kế hoạch, chương trình); `adopted_on` is None while it is a draft."""

    id: uuid.UUID
    kind: str
    adopted_on: datetime.date | None = None


@dataclass(frozen=True)
class WelfareCaseFact:
    """A vulnerable young person's case (thanh niên yếu thế) open in the year."""

    id: uuid.UUID
    supported_in_year: bool


@dataclass(frozen=True)
class TransferFact:
    """A transfer (chuyển sinh hoạt Đoàn) requested in the year."""

    id: uuid.UUID
    requested_on: datetime.date
    completed_on: datetime.date | None = None


@dataclass(frozen=True)
class ManualScore:
    """A criterion score for a manual indicator; the review score (thẩm định) wins when present."""

    id: uuid.UUID
    indicator_key: str
    self_score: float | None = None
    review_score: float | None = None


@dataclass(frozen=True)
class MemberRecords:
    """Record completeness of the members active in the subtree on the year's last day.

    `complete` counts members with member_code, date of birth, joined_on and branch all set; the
    `missing_*` counts say which field is missing how often (a member may miss several).
    """

    active: int = 0
    complete: int = 0
    missing_member_code: int = 0
    missing_date_of_birth: int = 0
    missing_joined_on: int = 0
    missing_branch: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.complete <= self.active:
            raise ValueError("member counts need 0 <= complete <= active")


@dataclass(frozen=True)
class Registration:
    """The unit's registration for the year, with its targets (chỉ tiêu)."""

    registered_on: datetime.date
    new_members_target: int | None = None
    referrals_target: int | None = None


@dataclass(frozen=True)
class UnitYearFacts:
    """Everything `evaluate` needs about one unit and one year (see the module docstring)."""

    unit_id: uuid.UUID
    year: int
    kind: str
    existed_from: datetime.date
    existed_until: datetime.date | None = None
    predecessor_ids: tuple[uuid.UUID, ...] = ()
    registration: Registration | None = None
    members: MemberRecords = field(default_factory=MemberRecords)
    activities: tuple[EvidenceItem, ...] = ()
    plans: tuple[PlanFact, ...] = ()
    active_branch_ids: tuple[uuid.UUID, ...] = ()
    welfare_cases: tuple[WelfareCaseFact, ...] = ()
    transfers: tuple[TransferFact, ...] = ()
    admitted_member_ids: tuple[uuid.UUID, ...] = ()
    party_referral_ids: tuple[uuid.UUID, ...] = ()
    manual_scores: tuple[ManualScore, ...] = ()

    def __post_init__(self) -> None:
        for name, ids in self.id_collections().items():
            # Compared by their integer value: hashing a `uuid.UUID` runs Python code, and the
            # facts of a national recompute hold a million ids.
            if len({i.int for i in ids}) < len(ids):
                duplicates = sorted(str(i) for i, n in Counter(ids).items() if n > 1)
                raise ValueError(f"duplicate ids in {name}: {', '.join(duplicates)}")
        keys = Counter(score.indicator_key for score in self.manual_scores)
        if any(n > 1 for n in keys.values()):
            raise ValueError("at most one manual score per indicator")

    def activities_of(self, kind: str) -> tuple[EvidenceItem, ...]:
        """The activities of one kind; every activity metric asks, so they are grouped once."""
        return self._activities_by_kind.get(kind, ())

    @functools.cached_property
    def _activities_by_kind(self) -> dict[str, tuple[EvidenceItem, ...]]:
        grouped: dict[str, list[EvidenceItem]] = defaultdict(list)
        for item in self.activities:
            grouped[item.kind].append(item)
        return {kind: tuple(items) for kind, items in grouped.items()}

    def id_collections(self) -> dict[str, tuple[uuid.UUID, ...]]:
        """The ids of every collection, by field name (what an explanation may cite)."""
        return {
            "predecessor_ids": self.predecessor_ids,
            "activities": tuple(item.id for item in self.activities),
            "plans": tuple(plan.id for plan in self.plans),
            "active_branch_ids": self.active_branch_ids,
            "welfare_cases": tuple(case.id for case in self.welfare_cases),
            "transfers": tuple(transfer.id for transfer in self.transfers),
            "admitted_member_ids": self.admitted_member_ids,
            "party_referral_ids": self.party_referral_ids,
            "manual_scores": tuple(score.id for score in self.manual_scores),
        }


def facts_to_dict(facts: UnitYearFacts) -> dict[str, Any]:
    """Canonical JSON-able form: every collection sorted, so load order never shows."""
    data: dict[str, Any] = to_jsonable(facts, sort_collections=True)
    return data


def facts_from_dict(data: Any) -> UnitYearFacts:
    """Inverse of `facts_to_dict`; raises `codec.DecodeError` on malformed data."""
    return from_jsonable(UnitYearFacts, data)
