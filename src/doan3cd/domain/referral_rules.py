"""Introducing outstanding members to the Party (giới thiệu đoàn viên ưu tú cho Đảng): the stage
pipeline and the eligibility checks made on nomination. Pure functions over plain values.

Stages (reference/domain-research.md e.1, e.3): the branch nominates (Mẫu 4_1-KNĐ), the
grassroots committee resolves (Mẫu 4-KNĐ), the list is handed to the Party, then the Party's own
steps (awareness class, candidate, probationary, full member) are entered as reported outcomes.
Because the Youth Union learns of Party-side steps after the fact, a transition may skip forward
over stages it did not witness; it may never go back. `declined` and `withdrawn` end a referral
from any open stage.

Eligibility defaults (configurable through `ReferralRules`): an active member; 18 or older on the
nomination date (the Party admits from 18); at most 30 (the Youth Union age; up to 35 for members
kept on by request, so the upper bound is a setting); a Youth Union member for at least 12 months
(an inference: the union nominates from members it has seen at work for a year); not already a
Party member.
"""

from dataclasses import dataclass
from datetime import date

STAGES = (
    "nominated_by_branch",
    "resolved_by_grassroots",
    "handed_to_party",
    "awareness_class",
    "party_candidate",
    "admitted_probationary",
    "admitted_full",
)
TERMINAL = ("declined", "withdrawn")
ALL_STAGES = STAGES + TERMINAL
# The stage from which a referral counts for the year's verdict (facts.party_referral_ids).
COUNTED_FROM = "handed_to_party"


@dataclass(frozen=True, slots=True)
class ReferralRules:
    min_age: int = 18
    max_age: int = 30
    min_tenure_months: int = 12


DEFAULT_RULES = ReferralRules()


@dataclass(frozen=True, slots=True)
class Nominee:
    status: str
    date_of_birth: date
    joined_on: date | None
    party_admitted_on: date | None = None


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (negative if `end` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (end.day < start.day)


def eligibility_problems(
    nominee: Nominee, nominated_on: date, rules: ReferralRules = DEFAULT_RULES
) -> list[str]:
    """Codes of every rule the nominee fails on `nominated_on`; empty when eligible."""
    codes = []
    if nominee.status != "active":
        codes.append("referral_member_inactive")
    if nominee.party_admitted_on is not None and nominee.party_admitted_on <= nominated_on:
        codes.append("referral_already_party_member")
    age = age_on(nominee.date_of_birth, nominated_on)
    if age < rules.min_age:
        codes.append("referral_member_too_young")
    if age > rules.max_age:
        codes.append("referral_member_too_old")
    if (
        nominee.joined_on is None
        or months_between(nominee.joined_on, nominated_on) < rules.min_tenure_months
    ):
        codes.append("referral_tenure_too_short")
    return codes


def is_terminal(stage: str) -> bool:
    return stage in TERMINAL or stage == STAGES[-1]


def transition_problem(current: str, target: str) -> str | None:
    """Why moving from `current` to `target` is refused, or None when allowed: forward by one
    or more stages, or to a terminal state, from a stage that is not final."""
    if target not in ALL_STAGES:
        return "referral_stage_unknown"
    if is_terminal(current):
        return "referral_closed"
    if target in TERMINAL:
        return None
    if STAGES.index(target) <= STAGES.index(current):
        return "referral_stage_backwards"
    return None
