"""Party referral eligibility and stage moves as pure rules."""

from datetime import date

import pytest

from doan3cd.domain.referral_rules import (
    ALL_STAGES,
    STAGES,
    Nominee,
    ReferralRules,
    age_on,
    eligibility_problems,
    months_between,
    transition_problem,
)

ON = date(2023, 4, 10)


def nominee(**changes: object) -> Nominee:
    values: dict[str, object] = {
        "status": "active",
        "date_of_birth": date(2000, 5, 1),
        "joined_on": date(2016, 3, 26),
    }
    values.update(changes)
    return Nominee(**values)  # type: ignore[arg-type]


def test_an_active_adult_member_of_long_standing_is_eligible() -> None:
    assert eligibility_problems(nominee(), ON) == []


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": "transferring"}, "referral_member_inactive"),
        ({"date_of_birth": date(2005, 4, 11)}, "referral_member_too_young"),
        ({"date_of_birth": date(1992, 4, 9)}, "referral_member_too_old"),
        ({"joined_on": date(2022, 4, 11)}, "referral_tenure_too_short"),
        ({"joined_on": None}, "referral_tenure_too_short"),
        ({"party_admitted_on": date(2022, 1, 1)}, "referral_already_party_member"),
    ],
)
def test_each_rule_has_its_code(changes: dict[str, object], code: str) -> None:
    assert eligibility_problems(nominee(**changes), ON) == [code]


def test_boundaries_are_inclusive() -> None:
    assert eligibility_problems(nominee(date_of_birth=date(2005, 4, 10)), ON) == []  # 18 today
    assert eligibility_problems(nominee(joined_on=date(2022, 4, 10)), ON) == []  # 12 months


def test_rules_are_configurable() -> None:
    older = nominee(date_of_birth=date(1990, 1, 1))
    assert eligibility_problems(older, ON) == ["referral_member_too_old"]
    assert eligibility_problems(older, ON, ReferralRules(max_age=35)) == []


def test_age_and_months() -> None:
    assert age_on(date(2000, 2, 29), date(2018, 2, 28)) == 17
    assert age_on(date(2000, 2, 29), date(2018, 3, 1)) == 18
    assert months_between(date(2022, 1, 31), date(2022, 2, 28)) == 0
    assert months_between(date(2022, 1, 15), date(2023, 1, 15)) == 12


def test_forward_moves_skips_and_terminals() -> None:
    assert transition_problem("nominated_by_branch", "resolved_by_grassroots") is None
    assert transition_problem("nominated_by_branch", "handed_to_party") is None
    assert transition_problem("handed_to_party", "resolved_by_grassroots") == (
        "referral_stage_backwards"
    )
    assert transition_problem("handed_to_party", "handed_to_party") == "referral_stage_backwards"
    for stage in STAGES[:-1]:
        assert transition_problem(stage, "declined") is None
        assert transition_problem(stage, "withdrawn") is None
    for final in ("admitted_full", "declined", "withdrawn"):
        for target in ALL_STAGES:
            assert transition_problem(final, target) == "referral_closed"
    assert transition_problem("nominated_by_branch", "elected") == "referral_stage_unknown"
