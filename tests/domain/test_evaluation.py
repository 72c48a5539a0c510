"""The verdict rules (eligibility, criteria, status) and its properties."""

import dataclasses
import datetime
import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doan3cd.domain.codec import canonical_json
from doan3cd.domain.evaluation import Verdict, evaluate, inputs_hash, verdict_to_dict
from doan3cd.domain.facts import (
    PLAN_KINDS,
    PlanFact,
    Registration,
    UnitYearFacts,
    facts_from_dict,
    facts_to_dict,
)
from doan3cd.domain.framework import DEFAULT_FRAMEWORK, Framework, Options
from tests.domain.builders import achieving_facts, without
from tests.domain.strategies import evidence_item, in_year, near, shuffled, unit_year_facts

BASE = achieving_facts()


def criterion(verdict: Verdict, key: str) -> Any:
    return next(c for c in verdict.criteria if c.key == key)


def options(**changes: Any) -> Framework:
    return dataclasses.replace(DEFAULT_FRAMEWORK, options=Options(**changes))


def test_achieving_facts_achieve_everything() -> None:
    verdict = evaluate(DEFAULT_FRAMEWORK, BASE)
    assert verdict.status == "achieved"
    assert verdict.eligibility.eligible
    assert [(c.key, c.passed, c.points, c.max_points) for c in verdict.criteria] == [
        ("C1", True, 100, 100),
        ("C2", True, 100, 100),
        ("C3", True, 100, 100),
    ]
    assert all(i.passed and i.missing is None for c in verdict.criteria for i in c.indicators)
    assert (verdict.framework_code, verdict.framework_version) == ("3CD-2023", 1)
    assert (verdict.unit_id, verdict.year) == (BASE.unit_id, 2023)
    assert "computed_at" not in verdict_to_dict(verdict)


@pytest.mark.parametrize(
    ("change", "reasons"),
    [
        ({"kind": "branch"}, ["kind_not_eligible"]),
        ({"kind": "grassroots_branch"}, ["kind_not_eligible"]),
        ({"existed_from": datetime.date(2023, 1, 2)}, ["not_whole_year"]),
        ({"existed_from": datetime.date(2023, 1, 1)}, []),
        ({"existed_until": datetime.date(2023, 12, 30)}, ["not_whole_year"]),
        ({"existed_until": datetime.date(2023, 12, 31)}, []),
        ({"registration": None}, ["not_registered"]),
        ({"kind": "district", "registration": None}, ["kind_not_eligible", "not_registered"]),
    ],
)
def test_eligibility(change: dict[str, Any], reasons: list[str]) -> None:
    verdict = evaluate(DEFAULT_FRAMEWORK, dataclasses.replace(BASE, **change))
    assert list(verdict.eligibility.reasons) == reasons
    assert verdict.status == ("not_eligible" if reasons else "achieved")
    assert len(verdict.criteria) == 3  # the explanation is given even when not eligible


def test_unit_inheriting_through_lineage_is_eligible() -> None:
    """The loader dates a merged unit from its predecessors' start and lists them."""
    predecessors = (uuid.UUID(int=7), uuid.UUID(int=3))
    verdict = evaluate(DEFAULT_FRAMEWORK, dataclasses.replace(BASE, predecessor_ids=predecessors))
    assert verdict.status == "achieved"
    assert verdict.eligibility.predecessor_ids == (uuid.UUID(int=3), uuid.UUID(int=7))


def test_framework_may_add_grassroots_branches() -> None:
    framework = dataclasses.replace(
        DEFAULT_FRAMEWORK, eligible_kinds=("grassroots", "grassroots_branch")
    )
    facts = dataclasses.replace(BASE, kind="grassroots_branch")
    assert evaluate(framework, facts).status == "achieved"


def registered_on(day: datetime.date) -> UnitYearFacts:
    return dataclasses.replace(BASE, registration=Registration(day, 5, 2))


def test_registration_deadline() -> None:
    on_time = evaluate(DEFAULT_FRAMEWORK, registered_on(datetime.date(2022, 11, 10)))
    assert on_time.eligibility.warnings == ()
    assert on_time.eligibility.registration_deadline == datetime.date(2022, 11, 10)
    late = evaluate(DEFAULT_FRAMEWORK, registered_on(datetime.date(2022, 11, 11)))
    assert late.eligibility.warnings == ("registration_late",)
    assert late.status == "achieved"
    strict = evaluate(
        options(registration_lateness="mandatory"), registered_on(datetime.date(2022, 11, 11))
    )
    assert strict.eligibility.reasons == ("registration_late",)
    assert strict.status == "not_eligible"


def test_min_points_fail_without_mandatory_failures() -> None:
    """C2's mandatory indicators give 65 of the 70 points it needs."""
    facts = BASE
    for kind in ("inspection", "exemplary_model"):
        facts = without(facts, kind)
    facts = dataclasses.replace(facts, admitted_member_ids=facts.admitted_member_ids[:4])
    verdict = evaluate(DEFAULT_FRAMEWORK, facts)
    c2 = criterion(verdict, "C2")
    assert (c2.passed, c2.points, c2.min_points, c2.mandatory_failures) == (False, 65, 70, ())
    assert verdict.status == "not_achieved"


def test_mandatory_failure_fails_the_criterion_despite_points() -> None:
    verdict = evaluate(DEFAULT_FRAMEWORK, without(BASE, "dialogue"))
    c3 = criterion(verdict, "C3")
    assert (c3.passed, c3.points, c3.mandatory_failures) == (False, 75, ("C3.2",))
    assert verdict.status == "not_achieved"


def test_optional_failure_within_min_points_still_passes() -> None:
    verdict = evaluate(DEFAULT_FRAMEWORK, without(BASE, "resource_mobilisation"))
    assert (criterion(verdict, "C3").passed, criterion(verdict, "C3").points) == (True, 75)
    assert verdict.status == "achieved"


def test_explicit_min_points_and_ratio() -> None:
    c3 = dataclasses.replace(DEFAULT_FRAMEWORK.criteria[2], min_points=80)
    framework = dataclasses.replace(
        DEFAULT_FRAMEWORK, criteria=(*DEFAULT_FRAMEWORK.criteria[:2], c3)
    )
    facts = without(BASE, "resource_mobilisation")
    assert criterion(evaluate(framework, facts), "C3").passed is False
    assert criterion(evaluate(options(min_points_ratio=0.75), facts), "C3").min_points == 75
    assert criterion(evaluate(options(min_points_ratio=0.76), facts), "C3").passed is False


def test_unverified_evidence_option() -> None:
    facts = dataclasses.replace(
        BASE,
        activities=tuple(dataclasses.replace(a, verification="submitted") for a in BASE.activities),
    )
    assert evaluate(DEFAULT_FRAMEWORK, facts).status == "achieved"
    strict = evaluate(options(unverified_evidence_counts=False), facts)
    assert strict.status == "not_achieved"
    c32 = next(i for i in criterion(strict, "C3").indicators if i.key == "C3.2")
    assert [e.reason for e in c32.excluded] == ["unverified_not_counted"]


def test_framework_must_cover_the_year() -> None:
    with pytest.raises(ValueError, match="does not cover 2022"):
        evaluate(DEFAULT_FRAMEWORK, achieving_facts(year=2022))


def test_facts_refuse_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="duplicate ids in activities"):
        dataclasses.replace(BASE, activities=BASE.activities + BASE.activities[:1])


def test_verdict_json_is_plain_and_stable() -> None:
    data = verdict_to_dict(evaluate(DEFAULT_FRAMEWORK, BASE))
    assert json.loads(canonical_json(data)) == data
    indicator = data["criteria"][0]["indicators"][1]
    assert indicator["key"] == "C1.2"
    assert indicator["counted"] == sorted(indicator["counted"])
    assert indicator["title"] == {
        "vi": "Nắm bắt và báo cáo tình hình thanh niên",
        "en": "Youth situation grasped and reported",
    }
    assert data["eligibility"]["registration_deadline"] == "2022-11-10"
    assert len(data["inputs_hash"]) == 64


def test_inputs_hash_changes_with_inputs() -> None:
    base = inputs_hash(DEFAULT_FRAMEWORK, BASE)
    assert inputs_hash(DEFAULT_FRAMEWORK, without(BASE, "dialogue")) != base
    assert inputs_hash(options(transfer_days=31), BASE) != base
    assert inputs_hash(dataclasses.replace(DEFAULT_FRAMEWORK, version=2), BASE) != base


def test_inputs_hash_covers_every_field_of_an_activity() -> None:
    item = BASE.activities[0]
    changes: dict[str, Any] = {
        "id": uuid.uuid4(),
        "kind": "other",
        "occurred_on": item.occurred_on + datetime.timedelta(days=1),
        "verification": "rejected",
        "rejected_reason": "trùng lặp",
        "completed_on": datetime.date(2023, 3, 1),
        "value_vnd": 1,
        "branch_id": uuid.uuid4(),
    }
    assert set(changes) == {field.name for field in dataclasses.fields(item)}
    base = inputs_hash(DEFAULT_FRAMEWORK, BASE)
    for name, value in changes.items():
        changed = dataclasses.replace(item, **{name: value})
        facts = dataclasses.replace(BASE, activities=(changed, *BASE.activities[1:]))
        assert inputs_hash(DEFAULT_FRAMEWORK, facts) != base, name


def test_inputs_hash_reads_an_integral_score_as_its_integer() -> None:
    score = BASE.manual_scores[0]
    as_float = dataclasses.replace(score, self_score=8.0, review_score=9.0)
    as_int = dataclasses.replace(score, self_score=8, review_score=9)
    assert inputs_hash(DEFAULT_FRAMEWORK, dataclasses.replace(BASE, manual_scores=(as_float,))) == (
        inputs_hash(DEFAULT_FRAMEWORK, dataclasses.replace(BASE, manual_scores=(as_int,)))
    )


def test_facts_round_trip() -> None:
    data = json.loads(json.dumps(facts_to_dict(BASE)))
    decoded = facts_from_dict(data)
    assert facts_to_dict(decoded) == data
    assert inputs_hash(DEFAULT_FRAMEWORK, decoded) == inputs_hash(DEFAULT_FRAMEWORK, BASE)
    assert sorted(decoded.activities, key=str) == sorted(BASE.activities, key=str)


# Properties ---------------------------------------------------------------------------------

PROPERTY = settings(max_examples=100, deadline=None)


def verdict_json(facts: UnitYearFacts, framework: Framework = DEFAULT_FRAMEWORK) -> str:
    return canonical_json(verdict_to_dict(evaluate(framework, facts)))


@PROPERTY
@given(unit_year_facts())
def test_determinism(facts: UnitYearFacts) -> None:
    assert verdict_json(facts) == verdict_json(facts)
    assert verdict_json(facts_from_dict(json.loads(json.dumps(facts_to_dict(facts))))) == (
        verdict_json(facts)
    )


@PROPERTY
@given(st.data())
def test_input_order_does_not_matter(data: st.DataObject) -> None:
    facts = data.draw(unit_year_facts())
    reordered = data.draw(shuffled(facts))
    assert inputs_hash(DEFAULT_FRAMEWORK, reordered) == inputs_hash(DEFAULT_FRAMEWORK, facts)
    assert verdict_json(reordered) == verdict_json(facts)


def passes(verdict: Verdict) -> dict[str, bool]:
    return {i.key: i.passed for c in verdict.criteria for i in c.indicators} | {
        c.key: c.passed for c in verdict.criteria
    }


def assert_no_worse(before: Verdict, after: Verdict) -> None:
    for key, passed in passes(before).items():
        assert passed <= passes(after)[key], key
    if before.status == "achieved":
        assert after.status == "achieved"


@PROPERTY
@given(st.data(), st.booleans())
def test_adding_evidence_never_hurts(data: st.DataObject, unverified_counts: bool) -> None:
    framework = options(unverified_evidence_counts=unverified_counts)
    facts = data.draw(unit_year_facts())
    item = evidence_item(
        data.draw,
        lambda: uuid.UUID(int=10**9),
        facts.year,
        list(facts.active_branch_ids),
        dated=in_year(facts.year),
        verifications=("submitted", "verified"),
    )
    more = dataclasses.replace(facts, activities=(*facts.activities, item))
    assert_no_worse(evaluate(framework, facts), evaluate(framework, more))


@PROPERTY
@given(st.data())
def test_adding_a_plan_never_hurts(data: st.DataObject) -> None:
    facts = data.draw(unit_year_facts())
    plan = PlanFact(
        uuid.UUID(int=10**9),
        data.draw(st.sampled_from(PLAN_KINDS)),
        data.draw(st.none() | near(facts.year)),
    )
    more = dataclasses.replace(facts, plans=(*facts.plans, plan))
    assert_no_worse(evaluate(DEFAULT_FRAMEWORK, facts), evaluate(DEFAULT_FRAMEWORK, more))


@PROPERTY
@given(unit_year_facts())
def test_explanation_cites_only_evidence_in_the_facts(facts: UnitYearFacts) -> None:
    known = {i for ids in facts.id_collections().values() for i in ids}
    verdict = evaluate(DEFAULT_FRAMEWORK, facts)
    for c in verdict.criteria:
        for indicator in c.indicators:
            assert set(indicator.counted) <= known
            assert {e.id for e in indicator.excluded} <= known
            assert not set(indicator.counted) & {e.id for e in indicator.excluded}
            assert indicator.passed or indicator.missing is not None
            assert (indicator.missing is None) or (indicator.missing.vi and indicator.missing.en)


@PROPERTY
@given(unit_year_facts())
def test_status_follows_the_rules(facts: UnitYearFacts) -> None:
    verdict = evaluate(DEFAULT_FRAMEWORK, facts)
    for c in verdict.criteria:
        mandatory_ok = all(i.passed for i in c.indicators if i.mandatory)
        assert c.passed == (mandatory_ok and c.points >= c.min_points)
        assert c.points == sum(i.points for i in c.indicators if i.passed)
    if not verdict.eligibility.eligible:
        assert verdict.status == "not_eligible"
    else:
        all_pass = all(c.passed for c in verdict.criteria)
        assert verdict.status == ("achieved" if all_pass else "not_achieved")


def test_registration_targets_shape() -> None:
    """Guard for the loader: registration carries both targets."""
    assert [f.name for f in dataclasses.fields(Registration)] == [
        "registered_on",
        "new_members_target",
        "referrals_target",
    ]
