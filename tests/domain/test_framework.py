"""Frameworks as data: the default 3CD-2023 table, round trips and validation."""

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doan3cd.domain.framework import (
    DEFAULT_FRAMEWORK,
    FrameworkInvalid,
    framework_from_dict,
    framework_to_dict,
    validate_framework,
)

# design/domain.md §4: key, metric, threshold (None = "true"), mandatory, points.
TABLE = [
    ("C1.1", "share_members_complete", 0.95, True, 20),
    ("C1.2", "situation_report_count", 4, True, 15),
    ("C1.3", "welfare_register_review_count", 1, True, 15),
    ("C1.4", "share_welfare_cases_supported", 0.8, True, 20),
    ("C1.5", "rights_protection_count", 1, False, 10),
    ("C1.6", "share_transfers_on_time", 0.9, False, 10),
    ("C1.7", None, 5, False, 10),
    ("C2.1", "annual_programme_adopted_by_jan31", None, True, 15),
    ("C2.2", "action_programme_exists", None, True, 15),
    ("C2.3", "share_branches_meeting", 0.8, True, 20),
    ("C2.4", "youth_project_completed_count", 1, True, 15),
    ("C2.5", "growth_ratio", 1.0, False, 15),
    ("C2.6", "inspection_and_self_criticism", None, False, 10),
    ("C2.7", "exemplary_model_count", 1, False, 10),
    ("C3.1", "advisory_document_count", 1, True, 25),
    ("C3.2", "dialogue_count", 1, True, 25),
    ("C3.3", "party_referral_ratio", 1.0, True, 25),
    ("C3.4", "resource_mobilisation_count", 1, False, 25),
]


def test_default_framework_is_the_domain_table() -> None:
    rows = [
        (i.key, i.metric, i.threshold, i.mandatory, i.points)
        for c in DEFAULT_FRAMEWORK.criteria
        for i in c.indicators
    ]
    assert rows == TABLE
    assert (DEFAULT_FRAMEWORK.code, DEFAULT_FRAMEWORK.version) == ("3CD-2023", 1)
    assert [y for y in range(2020, 2031) if DEFAULT_FRAMEWORK.applies_to(y)] == list(
        range(2023, 2028)
    )
    assert DEFAULT_FRAMEWORK.eligible_kinds == ("grassroots",)


def test_default_framework_details() -> None:
    by_key = {i.key: i for c in DEFAULT_FRAMEWORK.criteria for i in c.indicators}
    assert {k for k, i in by_key.items() if i.not_applicable_passes} == {"C1.4", "C1.6"}
    assert by_key["C1.7"].source == "manual"
    assert by_key["C1.7"].max_score == 10
    assert [c.key for c in DEFAULT_FRAMEWORK.criteria] == ["C1", "C2", "C3"]
    assert [c.max_points for c in DEFAULT_FRAMEWORK.criteria] == [100, 100, 100]
    assert [DEFAULT_FRAMEWORK.min_points(c) for c in DEFAULT_FRAMEWORK.criteria] == [70, 70, 70]
    options = DEFAULT_FRAMEWORK.options
    assert (options.registration_deadline.month, options.registration_deadline.day) == (11, 10)
    assert options.registration_lateness == "warning"
    assert options.unverified_evidence_counts is True
    assert options.min_points_ratio == 0.7


def test_round_trip_through_json() -> None:
    data = json.loads(json.dumps(framework_to_dict(DEFAULT_FRAMEWORK)))
    assert validate_framework(data) == []
    assert framework_from_dict(data) == DEFAULT_FRAMEWORK
    assert framework_to_dict(framework_from_dict(data)) == data


def test_missing_optional_fields_take_defaults() -> None:
    data = framework_to_dict(DEFAULT_FRAMEWORK)
    del data["options"], data["eligible_kinds"]
    for criterion in data["criteria"]:
        del criterion["min_points"]
    assert framework_from_dict(data) == DEFAULT_FRAMEWORK


def _indicator(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(i for c in data["criteria"] for i in c["indicators"] if i["key"] == key)


def _set(path: str, value: Any) -> Any:
    """A mutation of the default framework's dict; path "C1.2.threshold" or "options.x"."""

    def mutate(data: dict[str, Any]) -> None:
        *where, name = path.split(".")
        if where and where[0].startswith("C") and len(where) == 2:
            _indicator(data, ".".join(where))[name] = value
        elif where == ["C1"]:
            data["criteria"][0][name] = value
        elif where:
            target = data
            for part in where:
                target = target[part]
            target[name] = value
        else:
            data[name] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "pointer", "code"),
    [
        (_set("C1.2.metric", "nonsense"), "/criteria/0/indicators/1/metric", "unknown_metric"),
        (
            _set("C1.1.threshold", 1.5),
            "/criteria/0/indicators/0/threshold",
            "threshold_out_of_range",
        ),
        (
            _set("C1.2.threshold", -1),
            "/criteria/0/indicators/1/threshold",
            "threshold_out_of_range",
        ),
        (
            _set("C1.2.threshold", None),
            "/criteria/0/indicators/1/threshold",
            "threshold_out_of_range",
        ),
        (_set("C2.1.threshold", 1), "/criteria/1/indicators/0/threshold", "invalid_value"),
        (
            _set("C2.1.comparison", ">="),
            "/criteria/1/indicators/0/comparison",
            "comparison_mismatch",
        ),
        (
            _set("C1.2.comparison", "true"),
            "/criteria/0/indicators/1/comparison",
            "comparison_mismatch",
        ),
        (_set("C1.2.points", 0), "/criteria/0/indicators/1/points", "points_not_positive"),
        (
            _set("C1.7.threshold", 11),
            "/criteria/0/indicators/6/threshold",
            "threshold_out_of_range",
        ),
        (_set("C1.7.max_score", None), "/criteria/0/indicators/6/max_score", "invalid_value"),
        (_set("C1.7.metric", "dialogue_count"), "/criteria/0/indicators/6/metric", "invalid_value"),
        (_set("C1.2.max_score", 10), "/criteria/0/indicators/1/max_score", "invalid_value"),
        (_set("C1.2.key", "C1.1"), "/criteria/*/indicators/1/key", "duplicate_key"),
        (
            _set("C1.2.title", {"vi": "", "en": "x"}),
            "/criteria/0/indicators/1/title",
            "invalid_value",
        ),
        (_set("C1.min_points", 101), "/criteria/0/min_points", "min_points_out_of_range"),
        (_set("C1.min_points", 0), "/criteria/0/min_points", "min_points_out_of_range"),
        (_set("C1.indicators", []), "/criteria/0/indicators", "no_indicators"),
        (_set("C1.key", "C2"), "/criteria/1/key", "duplicate_key"),
        (_set("criteria", []), "/criteria", "no_criteria"),
        (_set("last_year", 2022), "/last_year", "years_reversed"),
        (_set("version", 0), "/version", "invalid_value"),
        (_set("code", " "), "/code", "invalid_value"),
        (_set("eligible_kinds", ["school"]), "/eligible_kinds", "invalid_value"),
        (_set("eligible_kinds", []), "/eligible_kinds", "invalid_value"),
        (
            _set("options.registration_deadline", {"month": 2, "day": 29}),
            "/options/registration_deadline",
            "invalid_deadline",
        ),
        (
            _set("options.min_points_ratio", 0),
            "/options/min_points_ratio",
            "threshold_out_of_range",
        ),
        (_set("options.transfer_days", 0), "/options/transfer_days", "invalid_value"),
        (
            _set("options.registration_lateness", "maybe"),
            "/options/registration_lateness",
            "invalid_value",
        ),
        (_set("options.surprise", 1), "/options/surprise", "unknown_field"),
        (_set("version", "1"), "/version", "invalid_type"),
        (_set("C1.2.points", True), "/criteria/0/indicators/1/points", "invalid_type"),
        (
            _set("C1.1.threshold", float("nan")),
            "/criteria/0/indicators/0/threshold",
            "invalid_type",
        ),
        (_set("criteria", {}), "/criteria", "invalid_type"),
    ],
)
def test_validation_problems(mutate: Any, pointer: str, code: str) -> None:
    data = framework_to_dict(DEFAULT_FRAMEWORK)
    mutate(data)
    problems = validate_framework(data)
    assert (pointer, code) in [(p.pointer, p.code) for p in problems]
    assert all(p.message.vi and p.message.en for p in problems)
    with pytest.raises(FrameworkInvalid):
        framework_from_dict(data)


def test_missing_required_field() -> None:
    data = framework_to_dict(DEFAULT_FRAMEWORK)
    del data["criteria"][2]["indicators"][0]["points"]
    [problem] = validate_framework(data)
    assert (problem.pointer, problem.code) == ("/criteria/2/indicators/0/points", "missing")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_validation_never_crashes_on_arbitrary_json(data: Any) -> None:
    assert validate_framework(data)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_validation_never_crashes_on_a_damaged_framework(data: st.DataObject) -> None:
    document = copy.deepcopy(framework_to_dict(DEFAULT_FRAMEWORK))
    criterion = data.draw(st.sampled_from(document["criteria"]))
    indicator = data.draw(st.sampled_from(criterion["indicators"]))
    field = data.draw(st.sampled_from(sorted(indicator)))
    indicator[field] = data.draw(json_values)
    problems = validate_framework(document)
    if problems:
        with pytest.raises(FrameworkInvalid):
            framework_from_dict(document)
    else:
        assert framework_to_dict(framework_from_dict(document))["code"] == "3CD-2023"
