"""The metric registry: named, pure computations over one unit-year's facts.

A framework's automatic indicators name a metric here. Each metric returns its value (a count, a
share or ratio as an exact `Fraction`, or a boolean), the ids of the evidence that counted, the
ids of otherwise relevant evidence it excluded with a reason code, and whether it is not
applicable. It also says, bilingually, what is missing to reach a threshold.

Reason codes: `rejected`, `unverified_not_counted`, `outside_year`, `not_completed` (youth
project), `value_missing` (resource mobilisation), `branch_not_active` (branch meeting),
`not_adopted` and `adopted_late` (plans), `no_support_action` (welfare case), `late` (transfer
not completed within the allowed days), `pending` (transfer whose deadline is after the year).

Every metric is monotone in evidence: an added activity or plan can only add to what counts.
"""

import datetime
import math
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from doan3cd.domain.facts import ACTIVITY_KINDS, EvidenceItem, PlanFact, UnitYearFacts
from doan3cd.domain.text import Label

if TYPE_CHECKING:
    from doan3cd.domain.framework import Options

MetricKind = Literal["count", "share", "ratio", "boolean"]
Value = int | Fraction | bool


@dataclass(frozen=True)
class Exclusion:
    """Evidence that would have counted but did not, and why."""

    id: uuid.UUID
    reason: str


@dataclass(frozen=True)
class MetricResult:
    """A metric's value; shares and ratios also give numerator and denominator, and `details`
    holds named counts an explanation may use (such as which member fields are missing)."""

    value: Value | None
    counted: tuple[uuid.UUID, ...] = ()
    excluded: tuple[Exclusion, ...] = ()
    numerator: int | None = None
    denominator: int | None = None
    not_applicable: bool = False
    details: tuple[tuple[str, int], ...] = ()


Compute = Callable[[UnitYearFacts, "Options"], MetricResult]
Explain = Callable[[MetricResult, Fraction | None, "Options"], Label]


@dataclass(frozen=True)
class Metric:
    """A registered metric: `explain` says what is missing when the value misses the threshold."""

    kind: MetricKind
    compute: Compute
    explain: Explain


@dataclass(frozen=True)
class Noun:
    """How a missing text names the things a count counts."""

    vi: str
    en_one: str
    en_many: str

    def count(self, n: int) -> Label:
        return Label(
            f"Cần thêm {n} {self.vi}", f"{n} more {self.en_one if n == 1 else self.en_many}"
        )


ACTIVITY_NOUNS = {
    "branch_meeting": Noun("buổi sinh hoạt chi đoàn", "branch meeting", "branch meetings"),
    "situation_report": Noun("báo cáo tình hình", "situation report", "situation reports"),
    "rights_protection": Noun(
        "hoạt động bảo vệ quyền lợi thanh niên",
        "rights-protection activity",
        "rights-protection activities",
    ),
    "welfare_register_review": Noun(
        "lần rà soát danh sách thanh niên yếu thế",
        "review of the vulnerable-youth register",
        "reviews of the vulnerable-youth register",
    ),
    "youth_project": Noun(
        "công trình, phần việc thanh niên hoàn thành trong năm",
        "youth project completed in the year",
        "youth projects completed in the year",
    ),
    "inspection": Noun("cuộc kiểm tra", "inspection", "inspections"),
    "self_criticism": Noun("buổi kiểm điểm, tự phê bình", "self-criticism", "self-criticisms"),
    "exemplary_model": Noun(
        "mô hình hay, điển hình tiên tiến được nhân rộng", "exemplary model", "exemplary models"
    ),
    "advisory_document": Noun(
        "văn bản tham mưu cho cấp ủy", "advisory document", "advisory documents"
    ),
    "dialogue": Noun(
        "buổi đối thoại giữa lãnh đạo và thanh niên",
        "leaders–youth dialogue",
        "leaders–youth dialogues",
    ),
    "resource_mobilisation": Noun(
        "hoạt động vận động nguồn lực có ghi nhận giá trị",
        "resource mobilisation with its value recorded",
        "resource mobilisations with their value recorded",
    ),
    "other": Noun("hoạt động khác", "other activity", "other activities"),
}


def _shortfall(result: MetricResult, threshold: Fraction | None) -> int:
    """How many more counted things reach the threshold (numerator for shares and ratios)."""
    target = threshold or Fraction(0)
    if result.denominator is not None:
        return max(1, math.ceil(target * result.denominator) - (result.numerator or 0))
    return max(1, math.ceil(target) - int(result.value or 0))


def _percent(value: Fraction, lang: str) -> str:
    text = f"{float(value * 100):.1f}".removesuffix(".0")
    return (text.replace(".", ",") if lang == "vi" else text) + "%"


def _share_status(result: MetricResult, threshold: Fraction | None) -> Label:
    """Where a share stands against its threshold, e.g. "(đạt 80%, cần ≥ 90%)"."""
    value = Fraction(result.numerator or 0, result.denominator or 1)
    target = threshold or Fraction(0)
    return Label(
        f"(đạt {_percent(value, 'vi')}, cần ≥ {_percent(target, 'vi')})",
        f"({_percent(value, 'en')}, needs ≥ {_percent(target, 'en')})",
    )


def _short_share(result: MetricResult, threshold: Fraction | None, vi: str, en: str) -> Label:
    """What a share lacks, followed by where it stands: "… (đạt 80%, cần ≥ 90%)"."""
    status = _share_status(result, threshold)
    return Label(f"{vi} {status.vi}", f"{en} {status.en}")


# Screening evidence ------------------------------------------------------------------------


def _verification_reason(item: EvidenceItem, options: "Options") -> str | None:
    if item.verification == "rejected":
        return "rejected"
    if item.verification == "submitted" and not options.unverified_evidence_counts:
        return "unverified_not_counted"
    return None


def _screen(item: EvidenceItem, year: int, options: "Options") -> str | None:
    """Why an activity of the right kind does not count, or None when it counts."""
    reason = _verification_reason(item, options)
    if reason is None and item.occurred_on.year != year:
        reason = "outside_year"
    return reason


def _split(
    items: Iterable[EvidenceItem], reason_of: Callable[[EvidenceItem], str | None]
) -> tuple[list[EvidenceItem], list[Exclusion]]:
    counted: list[EvidenceItem] = []
    excluded: list[Exclusion] = []
    for item in items:
        reason = reason_of(item)
        if reason is None:
            counted.append(item)
        else:
            excluded.append(Exclusion(item.id, reason))
    return counted, excluded


def _counted_activities(
    facts: UnitYearFacts, options: "Options", kind: str
) -> tuple[list[EvidenceItem], list[Exclusion]]:
    return _split(facts.activities_of(kind), lambda item: _screen(item, facts.year, options))


def _ids(things: Iterable[EvidenceItem | PlanFact]) -> tuple[uuid.UUID, ...]:
    return tuple(thing.id for thing in things)


# Counts of activities ---------------------------------------------------------------------


def _count_result(counted: list[EvidenceItem], excluded: list[Exclusion]) -> MetricResult:
    return MetricResult(len(counted), _ids(counted), tuple(excluded))


def _counting(kind: str, compute: Compute) -> Metric:
    """A count metric whose missing text names the activity kind: "Cần thêm 2 báo cáo…"."""
    noun = ACTIVITY_NOUNS[kind]
    return Metric("count", compute, lambda result, t, o: noun.count(_shortfall(result, t)))


def activity_count(kind: str) -> Metric:
    """Activities of one kind dated in the year that are not rejected (nor unverified when the
    framework says unverified evidence does not count)."""

    def compute(facts: UnitYearFacts, options: "Options") -> MetricResult:
        return _count_result(*_counted_activities(facts, options, kind))

    return _counting(kind, compute)


def youth_projects_completed(facts: UnitYearFacts, options: "Options") -> MetricResult:
    """Youth projects (công trình, phần việc thanh niên) completed in the year."""

    def reason(item: EvidenceItem) -> str | None:
        why = _verification_reason(item, options)
        if why is None and item.completed_on is None:
            why = "not_completed"
        if why is None and item.completed_on is not None and item.completed_on.year != facts.year:
            why = "outside_year"
        return why

    return _count_result(*_split(facts.activities_of("youth_project"), reason))


def resources_mobilised(facts: UnitYearFacts, options: "Options") -> MetricResult:
    """Resource mobilisations (vận động nguồn lực) in the year with a positive value recorded."""

    def reason(item: EvidenceItem) -> str | None:
        why = _screen(item, facts.year, options)
        if why is None and not (item.value_vnd and item.value_vnd > 0):
            why = "value_missing"
        return why

    return _count_result(*_split(facts.activities_of("resource_mobilisation"), reason))


def inspection_and_self_criticism(facts: UnitYearFacts, options: "Options") -> MetricResult:
    """At least one inspection (kiểm tra) and one self-criticism (kiểm điểm, tự phê bình)."""
    inspections, excluded_inspections = _counted_activities(facts, options, "inspection")
    criticisms, excluded_criticisms = _counted_activities(facts, options, "self_criticism")
    return MetricResult(
        bool(inspections) and bool(criticisms),
        _ids(inspections + criticisms),
        tuple(excluded_inspections + excluded_criticisms),
        details=(("inspection", len(inspections)), ("self_criticism", len(criticisms))),
    )


def _explain_inspection(
    result: MetricResult, threshold: Fraction | None, options: "Options"
) -> Label:
    lacking = [ACTIVITY_NOUNS[kind].count(1) for kind, n in result.details if n == 0]
    return Label("; ".join(label.vi for label in lacking), "; ".join(label.en for label in lacking))


# Shares -------------------------------------------------------------------------------------


def _share(
    numerator: int,
    denominator: int,
    counted: Iterable[uuid.UUID] = (),
    excluded: Iterable[Exclusion] = (),
    details: tuple[tuple[str, int], ...] = (),
) -> MetricResult:
    """A share; with nothing to divide by it is not applicable."""
    return MetricResult(
        Fraction(numerator, denominator) if denominator else None,
        tuple(counted),
        tuple(excluded),
        numerator=numerator,
        denominator=denominator,
        not_applicable=denominator == 0,
        details=details,
    )


def members_complete(facts: UnitYearFacts, options: "Options") -> MetricResult:
    """Share of active members whose records (hồ sơ đoàn viên) are complete."""
    members = facts.members
    return _share(
        members.complete,
        members.active,
        details=(
            ("member_code", members.missing_member_code),
            ("date_of_birth", members.missing_date_of_birth),
            ("joined_on", members.missing_joined_on),
            ("branch", members.missing_branch),
        ),
    )


_MEMBER_FIELDS = {
    "member_code": Label("mã đoàn viên", "member code"),
    "date_of_birth": Label("ngày sinh", "date of birth"),
    "joined_on": Label("ngày vào Đoàn", "date joined"),
    "branch": Label("chi đoàn", "branch"),
}


def _explain_members(result: MetricResult, threshold: Fraction | None, options: "Options") -> Label:
    if result.not_applicable:
        return Label("Chưa có đoàn viên đang sinh hoạt", "No active members")
    n = _shortfall(result, threshold)
    gaps = [(_MEMBER_FIELDS[name], count) for name, count in result.details if count]
    missing = _short_share(
        result,
        threshold,
        f"Cần hoàn thiện hồ sơ của thêm {n} đoàn viên",
        f"{n} more member {'record' if n == 1 else 'records'} to complete",
    )
    if not gaps:
        return missing
    return Label(
        missing.vi + "; còn thiếu " + ", ".join(f"{field.vi}: {c}" for field, c in gaps),
        missing.en + "; missing " + ", ".join(f"{field.en}: {c}" for field, c in gaps),
    )


def welfare_cases_supported(facts: UnitYearFacts, options: "Options") -> MetricResult:
    """Share of vulnerable-youth cases open in the year that got a support action (chăm lo)."""
    cases = facts.welfare_cases
    supported = [case.id for case in cases if case.supported_in_year]
    unsupported = [
        Exclusion(case.id, "no_support_action") for case in cases if not case.supported_in_year
    ]
    return _share(len(supported), len(cases), supported, unsupported)


def _explain_welfare(result: MetricResult, threshold: Fraction | None, options: "Options") -> Label:
    n = _shortfall(result, threshold)
    return _short_share(
        result,
        threshold,
        f"Cần hỗ trợ thêm {n} trường hợp thanh niên yếu thế",
        f"{n} more vulnerable young {'person' if n == 1 else 'people'} to support",
    )


def transfers_on_time(facts: UnitYearFacts, options: "Options") -> MetricResult:
    """Share of transfers requested in the year that were completed within the allowed days.

    A transfer still pending counts as late once its deadline has passed within the year; one whose
    deadline falls after the year's end cannot be judged yet and is left out.
    """
    year_end = datetime.date(facts.year, 12, 31)
    allowed = datetime.timedelta(days=options.transfer_days)
    on_time: list[uuid.UUID] = []
    excluded: list[Exclusion] = []
    for transfer in facts.transfers:
        deadline = transfer.requested_on + allowed
        if transfer.requested_on.year != facts.year:
            excluded.append(Exclusion(transfer.id, "outside_year"))
        elif transfer.completed_on is not None and transfer.completed_on <= deadline:
            on_time.append(transfer.id)
        elif transfer.completed_on is None and deadline > year_end:
            excluded.append(Exclusion(transfer.id, "pending"))
        else:
            excluded.append(Exclusion(transfer.id, "late"))
    late = sum(1 for exclusion in excluded if exclusion.reason == "late")
    return _share(len(on_time), len(on_time) + late, on_time, excluded)


def _explain_transfers(
    result: MetricResult, threshold: Fraction | None, options: "Options"
) -> Label:
    days = options.transfer_days
    return _short_share(
        result,
        threshold,
        f"Tỷ lệ chuyển sinh hoạt Đoàn được giải quyết trong {days} ngày chưa đạt",
        f"Too few transfers completed within {days} days",
    )


def branches_meeting(facts: UnitYearFacts, options: "Options") -> MetricResult:
    """Share of branches active in the year that held the required number of branch meetings."""
    active = set(facts.active_branch_ids)

    def reason(item: EvidenceItem) -> str | None:
        why = _screen(item, facts.year, options)
        if why is None and item.branch_id not in active:
            why = "branch_not_active"
        return why

    counted, excluded = _split(facts.activities_of("branch_meeting"), reason)
    meetings = Counter(item.branch_id for item in counted)
    regular = sum(1 for branch in active if meetings[branch] >= options.branch_meetings_required)
    return _share(regular, len(active), _ids(counted), excluded)


def _explain_branches(
    result: MetricResult, threshold: Fraction | None, options: "Options"
) -> Label:
    if result.not_applicable:
        return Label("Chưa có chi đoàn hoạt động trong năm", "No branch active in the year")
    n = _shortfall(result, threshold)
    required = options.branch_meetings_required
    return _short_share(
        result,
        threshold,
        f"Cần thêm {n} chi đoàn sinh hoạt đủ {required} buổi trong năm",
        f"{n} more {'branch' if n == 1 else 'branches'} to meet {required} times in the year",
    )


# Ratios to registered targets -------------------------------------------------------------


def _against_target(achieved: tuple[uuid.UUID, ...], target: int | None) -> MetricResult:
    """Achieved ÷ registered target; without a positive target it is not applicable."""
    if not target or target <= 0:
        return MetricResult(None, achieved, not_applicable=True, numerator=len(achieved))
    return _share(len(achieved), target, achieved)


def growth(facts: UnitYearFacts, options: "Options") -> MetricResult:
    """Members admitted (kết nạp) in the year ÷ the registered new-member target ("1+1")."""
    target = facts.registration.new_members_target if facts.registration else None
    return _against_target(facts.admitted_member_ids, target)


def party_referrals(facts: UnitYearFacts, options: "Options") -> MetricResult:
    """Outstanding members handed to the Party in the year ÷ the registered referral target."""
    target = facts.registration.referrals_target if facts.registration else None
    return _against_target(facts.party_referral_ids, target)


def _explain_target(needed_vi: str, needed_en: tuple[str, str], no_target: Label) -> Explain:
    """`needed_vi` and the English singular/plural take `{n}`, the shortfall."""

    def explain(result: MetricResult, threshold: Fraction | None, options: "Options") -> Label:
        if result.not_applicable:
            return no_target
        n = _shortfall(result, threshold)
        done, target = result.numerator, result.denominator
        return Label(
            needed_vi.format(n=n) + f" (đạt {done}/{target} theo chỉ tiêu đăng ký)",
            needed_en[0 if n == 1 else 1].format(n=n) + f" ({done} of the registered {target})",
        )

    return explain


# Plans --------------------------------------------------------------------------------------


def _plans(
    facts: UnitYearFacts, kind: str, deadline: datetime.date
) -> tuple[list[PlanFact], list[Exclusion]]:
    counted: list[PlanFact] = []
    excluded: list[Exclusion] = []
    for plan in facts.plans:
        if plan.kind != kind:
            continue
        if plan.adopted_on is None:
            excluded.append(Exclusion(plan.id, "not_adopted"))
        elif plan.adopted_on > deadline:
            excluded.append(Exclusion(plan.id, "adopted_late"))
        else:
            counted.append(plan)
    return counted, excluded


def annual_programme_on_time(facts: UnitYearFacts, options: "Options") -> MetricResult:
    """An annual work programme (chương trình công tác năm) adopted by 31 January."""
    counted, excluded = _plans(facts, "annual_programme", datetime.date(facts.year, 1, 31))
    return MetricResult(bool(counted), _ids(counted), tuple(excluded))


def action_programme(facts: UnitYearFacts, options: "Options") -> MetricResult:
    """An action programme (chương trình hành động) for the Party committee's resolution, adopted
    by the year's end."""
    counted, excluded = _plans(facts, "action_programme", datetime.date(facts.year, 12, 31))
    return MetricResult(bool(counted), _ids(counted), tuple(excluded))


def _fixed(label: Label) -> Explain:
    return lambda result, threshold, options: label


def _registry() -> dict[str, Metric]:
    metrics = {
        f"{kind}_count": activity_count(kind)
        for kind in ACTIVITY_KINDS
        if kind not in ("youth_project", "resource_mobilisation")
    }
    metrics |= {
        "youth_project_completed_count": _counting("youth_project", youth_projects_completed),
        "resource_mobilisation_count": _counting("resource_mobilisation", resources_mobilised),
        "inspection_and_self_criticism": Metric(
            "boolean", inspection_and_self_criticism, _explain_inspection
        ),
        "share_members_complete": Metric("share", members_complete, _explain_members),
        "share_welfare_cases_supported": Metric("share", welfare_cases_supported, _explain_welfare),
        "share_transfers_on_time": Metric("share", transfers_on_time, _explain_transfers),
        "share_branches_meeting": Metric("share", branches_meeting, _explain_branches),
        "growth_ratio": Metric(
            "ratio",
            growth,
            _explain_target(
                "Cần kết nạp thêm {n} đoàn viên",
                ("{n} more member to admit", "{n} more members to admit"),
                Label(
                    "Chưa đăng ký chỉ tiêu kết nạp đoàn viên mới",
                    "No new-member target registered",
                ),
            ),
        ),
        "party_referral_ratio": Metric(
            "ratio",
            party_referrals,
            _explain_target(
                "Cần giới thiệu thêm {n} đoàn viên ưu tú cho Đảng",
                (
                    "{n} more outstanding member to introduce to the Party",
                    "{n} more outstanding members to introduce to the Party",
                ),
                Label(
                    "Chưa đăng ký chỉ tiêu giới thiệu đoàn viên ưu tú cho Đảng",
                    "No Party-referral target registered",
                ),
            ),
        ),
        "annual_programme_adopted_by_jan31": Metric(
            "boolean",
            annual_programme_on_time,
            _fixed(
                Label(
                    "Chưa có chương trình công tác năm được thông qua trước ngày 31/1",
                    "No annual work programme adopted by 31 January",
                )
            ),
        ),
        "action_programme_exists": Metric(
            "boolean",
            action_programme,
            _fixed(
                Label(
                    "Chưa có chương trình hành động thực hiện nghị quyết của cấp ủy",
                    "No action programme for the Party committee's resolution",
                )
            ),
        ),
    }
    return metrics


METRICS: dict[str, Metric] = _registry()
