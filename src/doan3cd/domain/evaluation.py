"""The "3 chủ động" verdict: a pure function of (framework, facts).

Rules (design/domain.md §4):
- eligible: the unit's kind is one the framework names, it existed the whole year (possibly
  through its predecessors) and it registered for the year; late registration is a warning, or a
  reason for not being eligible when the framework makes it mandatory;
- an indicator that passes earns its points, one that fails earns none; a criterion passes when all
  its mandatory indicators pass and its points reach its minimum;
- proposed status: `achieved` when eligible and every criterion passes, `not_achieved` when
  eligible otherwise, `not_eligible` with the reasons.

There is no clock here: the caller stamps `computed_at`. `inputs_hash` identifies the inputs, so a
frozen verdict can be shown to come from given facts under a given framework version.
"""

import datetime
import functools
import hashlib
import uuid
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from doan3cd.domain.codec import canonical_json, to_jsonable
from doan3cd.domain.facts import UnitYearFacts
from doan3cd.domain.facts_digest import compact_json
from doan3cd.domain.framework import (
    Criterion,
    Framework,
    Indicator,
    Options,
    exact,
    framework_to_dict,
)
from doan3cd.domain.metrics import METRICS, Exclusion, MetricResult
from doan3cd.domain.text import Label

Status = Literal["achieved", "not_achieved", "not_eligible"]


@dataclass(frozen=True)
class Eligibility:
    """Reason codes: `kind_not_eligible`, `not_whole_year`, `not_registered`,
    `registration_late` (a reason only when the framework makes lateness mandatory, otherwise a
    warning)."""

    eligible: bool
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]
    registered_on: datetime.date | None
    registration_deadline: datetime.date
    predecessor_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class IndicatorResult:
    key: str
    title: Label
    source: str
    metric: str | None
    comparison: str
    target: float | None
    value: int | float | bool | None
    numerator: int | None
    denominator: int | None
    passed: bool
    not_applicable: bool
    mandatory: bool
    points: int
    max_points: int
    counted: tuple[uuid.UUID, ...]
    excluded: tuple[Exclusion, ...]
    missing: Label | None


@dataclass(frozen=True)
class CriterionResult:
    key: str
    title: Label
    passed: bool
    points: int
    max_points: int
    min_points: int
    mandatory_failures: tuple[str, ...]
    indicators: tuple[IndicatorResult, ...]


@dataclass(frozen=True)
class Verdict:
    unit_id: uuid.UUID
    year: int
    status: Status
    eligibility: Eligibility
    framework_code: str
    framework_version: int
    inputs_hash: str
    criteria: tuple[CriterionResult, ...]


def evaluate(framework: Framework, facts: UnitYearFacts) -> Verdict:
    """The proposed status for one unit-year, explained criterion by criterion."""
    if not framework.applies_to(facts.year):
        raise ValueError(
            f"framework {framework.code} v{framework.version} does not cover {facts.year}"
        )
    eligibility = assess_eligibility(framework, facts)
    criteria = tuple(_criterion(framework, criterion, facts) for criterion in framework.criteria)
    status: Status
    if not eligibility.eligible:
        status = "not_eligible"
    elif all(criterion.passed for criterion in criteria):
        status = "achieved"
    else:
        status = "not_achieved"
    return Verdict(
        unit_id=facts.unit_id,
        year=facts.year,
        status=status,
        eligibility=eligibility,
        framework_code=framework.code,
        framework_version=framework.version,
        inputs_hash=inputs_hash(framework, facts),
        criteria=criteria,
    )


def inputs_hash(framework: Framework, facts: UnitYearFacts) -> str:
    """sha256 of the framework's canonical JSON, a newline, then the facts' compact canonical
    JSON (`facts_digest`)."""
    document = f"{_framework_json(framework)}\n{compact_json(facts)}"
    return hashlib.sha256(document.encode()).hexdigest()


@functools.lru_cache(maxsize=64)
def _framework_json(framework: Framework) -> str:
    """Frameworks are immutable and shared by every unit of a year: encode each once."""
    return canonical_json(framework_to_dict(framework))


def verdict_to_dict(verdict: Verdict) -> dict[str, Any]:
    """JSON-able verdict; its `canonical_json` is byte-identical for equal inputs."""
    data: dict[str, Any] = to_jsonable(verdict)
    return data


def assess_eligibility(framework: Framework, facts: UnitYearFacts) -> Eligibility:
    deadline_day = framework.options.registration_deadline
    deadline = datetime.date(facts.year - 1, deadline_day.month, deadline_day.day)
    reasons: list[str] = []
    warnings: list[str] = []
    if facts.kind not in framework.eligible_kinds:
        reasons.append("kind_not_eligible")
    existed_all_year = facts.existed_from <= datetime.date(facts.year, 1, 1) and (
        facts.existed_until is None or facts.existed_until >= datetime.date(facts.year, 12, 31)
    )
    if not existed_all_year:
        reasons.append("not_whole_year")
    registration = facts.registration
    if registration is None:
        reasons.append("not_registered")
    elif registration.registered_on > deadline:
        late_is_fatal = framework.options.registration_lateness == "mandatory"
        (reasons if late_is_fatal else warnings).append("registration_late")
    return Eligibility(
        eligible=not reasons,
        reasons=tuple(reasons),
        warnings=tuple(warnings),
        registered_on=registration.registered_on if registration else None,
        registration_deadline=deadline,
        predecessor_ids=tuple(sorted(facts.predecessor_ids, key=str)),
    )


def _criterion(framework: Framework, criterion: Criterion, facts: UnitYearFacts) -> CriterionResult:
    indicators = tuple(
        _indicator(indicator, facts, framework.options) for indicator in criterion.indicators
    )
    points = sum(result.points for result in indicators)
    min_points = framework.min_points(criterion)
    failures = tuple(result.key for result in indicators if result.mandatory and not result.passed)
    return CriterionResult(
        key=criterion.key,
        title=criterion.title,
        passed=not failures and points >= min_points,
        points=points,
        max_points=criterion.max_points,
        min_points=min_points,
        mandatory_failures=failures,
        indicators=indicators,
    )


def _indicator(indicator: Indicator, facts: UnitYearFacts, options: Options) -> IndicatorResult:
    threshold = exact(indicator.threshold) if indicator.threshold is not None else None
    if indicator.source == "manual":
        result = manual_score(indicator, facts)
    else:
        result = METRICS[indicator.metric or ""].compute(facts, options)
    passed = _passes(indicator, result, threshold)
    missing = None if passed else _missing(indicator, result, threshold, options)
    return IndicatorResult(
        key=indicator.key,
        title=indicator.title,
        source=indicator.source,
        metric=indicator.metric,
        comparison=indicator.comparison,
        target=indicator.threshold,
        value=_plain(result.value),
        numerator=result.numerator,
        denominator=result.denominator,
        passed=passed,
        not_applicable=result.not_applicable,
        mandatory=indicator.mandatory,
        points=indicator.points if passed else 0,
        max_points=indicator.points,
        counted=_distinct_ids(result.counted),
        excluded=tuple(sorted(set(result.excluded), key=lambda e: (e.id.int, e.reason))),
        missing=missing,
    )


def _distinct_ids(ids: tuple[uuid.UUID, ...]) -> tuple[uuid.UUID, ...]:
    """Each id once, in the order of their text (fixed-width lowercase hex, so their 128-bit
    value): keyed by that integer, the hashing and comparing happen in C, not in `uuid.UUID`."""
    by_value = {i.int: i for i in ids}
    return tuple(by_value[value] for value in sorted(by_value))


def _passes(indicator: Indicator, result: MetricResult, threshold: Fraction | None) -> bool:
    if result.not_applicable:
        return indicator.not_applicable_passes
    if indicator.comparison == "true":
        return result.value is True
    return (
        result.value is not None
        and not isinstance(result.value, bool)
        and threshold is not None
        and result.value >= threshold
    )


def _missing(
    indicator: Indicator, result: MetricResult, threshold: Fraction | None, options: Options
) -> Label:
    if indicator.source == "manual":
        return _manual_missing(indicator, result, threshold)
    return METRICS[indicator.metric or ""].explain(result, threshold, options)


def manual_score(indicator: Indicator, facts: UnitYearFacts) -> MetricResult:
    """The criterion score for a manual indicator: the review score when present, else the self
    score; a score outside 0..max_score is excluded as `out_of_range`."""
    for score in facts.manual_scores:
        if score.indicator_key != indicator.key:
            continue
        value = score.review_score if score.review_score is not None else score.self_score
        if value is None:
            return MetricResult(None)
        if not 0 <= value <= (indicator.max_score or 0):
            return MetricResult(None, excluded=(Exclusion(score.id, "out_of_range"),))
        return MetricResult(exact(value), counted=(score.id,))
    return MetricResult(None)


def _manual_missing(
    indicator: Indicator, result: MetricResult, threshold: Fraction | None
) -> Label:
    if result.excluded:
        return Label("Điểm chấm nằm ngoài thang điểm", "The score is outside the scale")
    if result.value is None:
        return Label("Chưa có điểm tự chấm hoặc điểm thẩm định", "No self or review score yet")
    score, top, needed = (_number(v) for v in (result.value, indicator.max_score, threshold))
    return Label(
        f"Điểm {score.replace('.', ',')}/{top.replace('.', ',')}, cần ≥ {needed.replace('.', ',')}",
        f"Score {score}/{top}, needs ≥ {needed}",
    )


def _number(value: Fraction | float | int | bool | None) -> str:
    return str(_plain(value if value is not None else 0))


def _plain(value: int | Fraction | bool | float | None) -> int | float | bool | None:
    """JSON-friendly value: exact integers stay ints, other fractions become 4-decimal floats."""
    if value is None or isinstance(value, bool | int):
        return value
    fraction = Fraction(value)
    if fraction.denominator == 1:
        return fraction.numerator
    return round(float(fraction), 4)
