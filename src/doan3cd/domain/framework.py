"""Frameworks (bảng tiêu chí): versioned criteria, indicators and thresholds, stored as data.

A framework has criteria (C1, C2, C3: the three contents), each with indicators. An indicator is
`auto` (a metric from `metrics.METRICS` computed from evidence) or `manual` (a criterion score
from 0 to `max_score`). It passes when its value is ≥ its threshold (comparison ">=") or is true
(comparison "true"); a metric that is not applicable passes only if `not_applicable_passes`.
`DEFAULT_FRAMEWORK` is 3CD-2023, exactly the table of design/domain.md §4.
"""

import calendar
import functools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from doan3cd.domain.codec import DecodeError, from_jsonable, to_jsonable
from doan3cd.domain.metrics import METRICS
from doan3cd.domain.text import Label

UNIT_KINDS = (
    "central",
    "province",
    "district",
    "affiliated",
    "grassroots",
    "grassroots_branch",
    "branch_group",
    "branch",
)


@dataclass(frozen=True)
class Deadline:
    """A day of the year (the registration deadline falls in the year before the verdict's)."""

    month: int
    day: int


@dataclass(frozen=True)
class Options:
    """Framework-wide rules; `unverified_evidence_counts` lets submitted, not yet verified,
    evidence count. Lateness of registration is a warning unless it is "mandatory"."""

    registration_deadline: Deadline = field(default_factory=lambda: Deadline(11, 10))
    registration_lateness: Literal["warning", "mandatory"] = "warning"
    unverified_evidence_counts: bool = True
    min_points_ratio: float = 0.7
    branch_meetings_required: int = 10
    transfer_days: int = 30


@dataclass(frozen=True)
class Indicator:
    """One line of the criteria table (chỉ tiêu)."""

    key: str
    title: Label
    source: Literal["auto", "manual"]
    comparison: Literal[">=", "true"]
    points: int
    mandatory: bool = False
    metric: str | None = None
    threshold: float | None = None
    max_score: float | None = None
    not_applicable_passes: bool = False


@dataclass(frozen=True)
class Criterion:
    """One of the contents (nội dung); `min_points` None means the framework's ratio of the max."""

    key: str
    title: Label
    indicators: tuple[Indicator, ...]
    min_points: int | None = None

    @property
    def max_points(self) -> int:
        return sum(indicator.points for indicator in self.indicators)


@dataclass(frozen=True)
class Framework:
    """A versioned framework; immutable once a decision used it (a change is a new version)."""

    code: str
    version: int
    first_year: int
    last_year: int
    criteria: tuple[Criterion, ...]
    eligible_kinds: tuple[str, ...] = ("grassroots",)
    options: Options = field(default_factory=Options)

    def applies_to(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def min_points(self, criterion: Criterion) -> int:
        """Points a criterion needs: its own `min_points`, else ⌈ratio × max⌉."""
        if criterion.min_points is not None:
            return criterion.min_points
        return math.ceil(exact(self.options.min_points_ratio) * criterion.max_points)


@dataclass(frozen=True)
class FrameworkProblem:
    """One reason a framework document is refused; `pointer` is a JSON Pointer into it."""

    pointer: str
    code: str
    message: Label


class FrameworkInvalid(ValueError):
    def __init__(self, problems: list[FrameworkProblem]) -> None:
        super().__init__("; ".join(f"{p.pointer}: {p.message.en}" for p in problems))
        self.problems = problems


@functools.lru_cache(maxsize=1024)
def exact(number: float) -> Fraction:
    """The decimal a number was written as (0.95 → 19/20), for exact comparisons (cached: the
    same thresholds and scores come back for every unit)."""
    return Fraction(str(number))


def framework_to_dict(framework: Framework) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(framework)
    return data


def framework_from_dict(data: Any) -> Framework:
    """Decode and validate a stored or submitted framework; raises `FrameworkInvalid`."""
    problems = validate_framework(data)
    if problems:
        raise FrameworkInvalid(problems)
    return from_jsonable(Framework, data)


def validate_framework(data: Any) -> list[FrameworkProblem]:
    """Everything wrong with a framework document (empty when it can be used)."""
    try:
        framework = from_jsonable(Framework, data)
    except DecodeError as error:
        return [FrameworkProblem(error.pointer, error.code, error.message)]
    checker = _Checker()
    checker.framework(framework)
    return checker.problems


class _Checker:
    def __init__(self) -> None:
        self.problems: list[FrameworkProblem] = []

    def check(self, ok: bool, pointer: str, code: str, vi: str, en: str) -> None:
        if not ok:
            self.problems.append(FrameworkProblem(pointer, code, Label(vi, en)))

    def framework(self, fw: Framework) -> None:
        self.check(bool(fw.code.strip()), "/code", "invalid_value", "Thiếu mã", "code is empty")
        self.check(
            fw.version >= 1, "/version", "invalid_value", "Phiên bản ≥ 1", "version must be ≥ 1"
        )
        self.check(
            fw.first_year <= fw.last_year,
            "/last_year",
            "years_reversed",
            "Năm kết thúc trước năm bắt đầu",
            "last_year is before first_year",
        )
        self.check(
            bool(fw.eligible_kinds) and set(fw.eligible_kinds) <= set(UNIT_KINDS),
            "/eligible_kinds",
            "invalid_value",
            "Loại tổ chức không hợp lệ hoặc để trống",
            "eligible kinds must be known unit kinds and not empty",
        )
        self.options(fw.options)
        self.check(bool(fw.criteria), "/criteria", "no_criteria", "Chưa có tiêu chí", "no criteria")
        self.unique([c.key for c in fw.criteria], "/criteria/{i}/key")
        self.unique(
            [i.key for c in fw.criteria for i in c.indicators],
            "/criteria/*/indicators/{i}/key",
        )
        for n, criterion in enumerate(fw.criteria):
            self.criterion(criterion, f"/criteria/{n}")

    def unique(self, keys: list[str], pointer: str) -> None:
        seen: set[str] = set()
        for n, key in enumerate(keys):
            self.check(
                key not in seen,
                pointer.format(i=n),
                "duplicate_key",
                f"Mã {key} bị trùng",
                f"key {key} is used twice",
            )
            seen.add(key)

    def options(self, options: Options) -> None:
        deadline = options.registration_deadline
        # A non-leap year: 29/2 would not exist every year.
        valid_day = 1 <= deadline.month <= 12 and (
            1 <= deadline.day <= calendar.monthrange(2023, deadline.month)[1]
        )
        self.check(
            valid_day,
            "/options/registration_deadline",
            "invalid_deadline",
            "Hạn đăng ký không phải là một ngày hợp lệ",
            "registration deadline is not a valid day",
        )
        self.check(
            0 < options.min_points_ratio <= 1,
            "/options/min_points_ratio",
            "threshold_out_of_range",
            "Tỷ lệ điểm tối thiểu phải trong (0, 1]",
            "min_points_ratio must be in (0, 1]",
        )
        for name in ("branch_meetings_required", "transfer_days"):
            self.check(
                getattr(options, name) >= 1,
                f"/options/{name}",
                "invalid_value",
                "Phải ≥ 1",
                "must be ≥ 1",
            )

    def criterion(self, criterion: Criterion, pointer: str) -> None:
        self.label(criterion.title, f"{pointer}/title")
        self.check(
            bool(criterion.key.strip()), f"{pointer}/key", "invalid_value", "Thiếu mã", "empty key"
        )
        self.check(
            bool(criterion.indicators),
            f"{pointer}/indicators",
            "no_indicators",
            "Tiêu chí chưa có chỉ tiêu nào",
            "criterion has no indicators",
        )
        for n, indicator in enumerate(criterion.indicators):
            self.indicator(indicator, f"{pointer}/indicators/{n}")
        if criterion.min_points is not None:
            self.check(
                0 < criterion.min_points <= criterion.max_points,
                f"{pointer}/min_points",
                "min_points_out_of_range",
                "Điểm tối thiểu phải lớn hơn 0 và không vượt tổng điểm các chỉ tiêu",
                "min_points must be > 0 and at most the criterion's total points",
            )

    def label(self, label: Label, pointer: str) -> None:
        self.check(
            bool(label.vi.strip() and label.en.strip()),
            pointer,
            "invalid_value",
            "Cần tên tiếng Việt và tiếng Anh",
            "needs a Vietnamese and an English title",
        )

    def indicator(self, indicator: Indicator, pointer: str) -> None:
        self.label(indicator.title, f"{pointer}/title")
        self.check(
            bool(indicator.key.strip()), f"{pointer}/key", "invalid_value", "Thiếu mã", "empty key"
        )
        self.check(
            indicator.points > 0,
            f"{pointer}/points",
            "points_not_positive",
            "Điểm phải lớn hơn 0",
            "points must be > 0",
        )
        if indicator.source == "manual":
            self.manual(indicator, pointer)
        else:
            self.auto(indicator, pointer)

    def manual(self, indicator: Indicator, pointer: str) -> None:
        self.check(
            indicator.metric is None and indicator.comparison == ">=",
            f"{pointer}/metric",
            "invalid_value",
            "Chỉ tiêu chấm điểm không có metric và so sánh bằng >=",
            "a manual indicator has no metric and compares with >=",
        )
        top = indicator.max_score
        self.check(
            top is not None and top > 0,
            f"{pointer}/max_score",
            "invalid_value",
            "Điểm chấm tối đa phải lớn hơn 0",
            "max_score must be > 0",
        )
        self.threshold(indicator, pointer, 0, top)

    def auto(self, indicator: Indicator, pointer: str) -> None:
        metric = METRICS.get(indicator.metric or "")
        self.check(
            indicator.max_score is None,
            f"{pointer}/max_score",
            "invalid_value",
            "Chỉ tiêu tự động không có điểm chấm tối đa",
            "an auto indicator has no max_score",
        )
        if metric is None:
            self.check(
                False,
                f"{pointer}/metric",
                "unknown_metric",
                f"Không có metric '{indicator.metric}'",
                f"unknown metric '{indicator.metric}'",
            )
            return
        boolean = metric.kind == "boolean"
        self.check(
            (indicator.comparison == "true") == boolean,
            f"{pointer}/comparison",
            "comparison_mismatch",
            "Metric đúng/sai so sánh bằng 'true', metric số so sánh bằng '>='",
            "boolean metrics compare with 'true', numeric metrics with '>='",
        )
        self.threshold(indicator, pointer, 0, 1 if metric.kind == "share" else None)

    def threshold(self, indicator: Indicator, pointer: str, low: float, high: float | None) -> None:
        value = indicator.threshold
        if indicator.comparison == "true":
            self.check(
                value is None,
                f"{pointer}/threshold",
                "invalid_value",
                "So sánh 'true' không có ngưỡng",
                "a 'true' comparison takes no threshold",
            )
            return
        bounds = f"[{low}, {high}]" if high is not None else f"≥ {low}"
        self.check(
            value is not None and value >= low and (high is None or value <= high),
            f"{pointer}/threshold",
            "threshold_out_of_range",
            f"Ngưỡng phải {bounds}",
            f"threshold must be {bounds}",
        )


def _indicator(
    key: str,
    vi: str,
    en: str,
    metric: str,
    threshold: float | None,
    mandatory: bool,
    points: int,
    *,
    not_applicable_passes: bool = False,
) -> Indicator:
    return Indicator(
        key=key,
        title=Label(vi, en),
        source="auto",
        comparison=">=" if threshold is not None else "true",
        points=points,
        mandatory=mandatory,
        metric=metric,
        threshold=threshold,
        not_applicable_passes=not_applicable_passes,
    )


_C1 = Criterion(
    "C1",
    Label(
        "Chủ động thực hiện công tác quản lý đoàn viên và chăm lo, nắm bắt tình hình thanh niên",
        "Member care: managing members, caring for young people and knowing their situation",
    ),
    (
        _indicator(
            "C1.1",
            "Hồ sơ đoàn viên đầy đủ, được cập nhật",
            "Member records complete and current",
            "share_members_complete",
            0.95,
            True,
            20,
        ),
        _indicator(
            "C1.2",
            "Nắm bắt và báo cáo tình hình thanh niên",
            "Youth situation grasped and reported",
            "situation_report_count",
            4,
            True,
            15,
        ),
        _indicator(
            "C1.3",
            "Rà soát danh sách thanh niên yếu thế",
            "Vulnerable-youth register reviewed",
            "welfare_register_review_count",
            1,
            True,
            15,
        ),
        _indicator(
            "C1.4",
            "Hỗ trợ thanh niên yếu thế",
            "Vulnerable youth supported",
            "share_welfare_cases_supported",
            0.8,
            True,
            20,
            not_applicable_passes=True,
        ),
        _indicator(
            "C1.5",
            "Bảo vệ quyền, lợi ích hợp pháp của thanh niên",
            "Rights protected",
            "rights_protection_count",
            1,
            False,
            10,
        ),
        _indicator(
            "C1.6",
            "Giải quyết chuyển sinh hoạt Đoàn đúng hạn",
            "Transfers handled on time",
            "share_transfers_on_time",
            0.9,
            False,
            10,
            not_applicable_passes=True,
        ),
        Indicator(
            key="C1.7",
            title=Label(
                "Nắm bắt tư tưởng, nhu cầu của đoàn viên (kể cả trên mạng xã hội)",
                "Members' thoughts and needs understood (incl. social media)",
            ),
            source="manual",
            comparison=">=",
            points=10,
            threshold=5,
            max_score=10,
        ),
    ),
)

_C2 = Criterion(
    "C2",
    Label(
        "Chủ động xây dựng và thực hiện kế hoạch công tác",
        "Work plan: building and carrying out the work plan",
    ),
    (
        _indicator(
            "C2.1",
            "Chương trình công tác năm được thông qua đúng hạn",
            "Annual work programme adopted on time",
            "annual_programme_adopted_by_jan31",
            None,
            True,
            15,
        ),
        _indicator(
            "C2.2",
            "Chương trình hành động thực hiện nghị quyết của cấp ủy",
            "Action programme for the Party committee's resolution",
            "action_programme_exists",
            None,
            True,
            15,
        ),
        _indicator(
            "C2.3",
            "Chi đoàn sinh hoạt định kỳ",
            "Branches meet regularly",
            "share_branches_meeting",
            0.8,
            True,
            20,
        ),
        _indicator(
            "C2.4",
            "Công trình, phần việc thanh niên",
            "Youth projects",
            "youth_project_completed_count",
            1,
            True,
            15,
        ),
        _indicator(
            "C2.5",
            'Phát triển đoàn viên ("1+1")',
            'Organisation grows ("1+1")',
            "growth_ratio",
            1.0,
            False,
            15,
        ),
        _indicator(
            "C2.6",
            "Kiểm tra, kiểm điểm và tự phê bình",
            "Inspection and self-criticism",
            "inspection_and_self_criticism",
            None,
            False,
            10,
        ),
        _indicator(
            "C2.7",
            "Phát hiện, nhân rộng mô hình hay, điển hình tiên tiến",
            "Models and exemplary examples spread",
            "exemplary_model_count",
            1,
            False,
            10,
        ),
    ),
)

_C3 = Criterion(
    "C3",
    Label(
        "Chủ động tham mưu với cấp ủy, phối hợp với chính quyền, các đoàn thể và các tổ chức "
        "liên quan",
        "Advising and coordination: advising the Party committee, working with the authorities, "
        "mass organisations and partners",
    ),
    (
        _indicator(
            "C3.1",
            "Tham mưu cho cấp ủy",
            "Advice to the Party committee",
            "advisory_document_count",
            1,
            True,
            25,
        ),
        _indicator(
            "C3.2",
            "Đối thoại giữa lãnh đạo và thanh niên",
            "Leaders–youth dialogue",
            "dialogue_count",
            1,
            True,
            25,
        ),
        _indicator(
            "C3.3",
            "Giới thiệu đoàn viên ưu tú cho Đảng",
            "Outstanding members introduced to the Party",
            "party_referral_ratio",
            1.0,
            True,
            25,
        ),
        _indicator(
            "C3.4",
            "Phối hợp vận động nguồn lực",
            "Resources mobilised with partners",
            "resource_mobilisation_count",
            1,
            False,
            25,
        ),
    ),
)

DEFAULT_FRAMEWORK = Framework(
    code="3CD-2023",
    version=1,
    first_year=2023,
    last_year=2027,
    criteria=(_C1, _C2, _C3),
)
