"""Version periods: overlap/gap detection and where a dated change fits."""

from datetime import date

import pytest

from doan3cd.domain.timeline import (
    ChangePlan,
    ChangeRefused,
    IssueKind,
    Period,
    RefusalCode,
    period_on,
    plan_attach,
    plan_change,
    timeline_issues,
)


def d(text: str) -> date:
    return date.fromisoformat(text)


def periods(*spans: tuple[str, str | None]) -> list[Period]:
    return [Period(d(a), d(b) if b else None) for a, b in spans]


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([("2020-01-01", None)], []),
        ([("2020-01-01", "2023-01-01"), ("2023-01-01", None)], []),
        ([("2020-01-01", "2023-01-01"), ("2023-01-01", "2025-07-01")], []),
        ([("2020-01-01", "2023-06-01"), ("2023-01-01", None)], [(IssueKind.overlap, 0)]),
        ([("2020-01-01", "2022-01-01"), ("2023-01-01", None)], [(IssueKind.gap, 0)]),
        ([("2020-01-01", None), ("2023-01-01", None)], [(IssueKind.open_before_end, 0)]),
        ([("2020-01-01", "2020-01-01")], [(IssueKind.empty, 0)]),
        # order of input does not matter
        ([("2023-01-01", None), ("2020-01-01", "2022-01-01")], [(IssueKind.gap, 0)]),
        (
            [("2020-01-01", "2021-01-01"), ("2021-01-01", "2021-06-01"), ("2022-01-01", None)],
            [(IssueKind.gap, 1)],
        ),
    ],
)
def test_timeline_issues(
    spans: list[tuple[str, str | None]], expected: list[tuple[IssueKind, int]]
) -> None:
    assert [(i.kind, i.index) for i in timeline_issues(periods(*spans))] == expected


SPLIT_AT_2023 = periods(("2020-01-01", "2023-01-01"), ("2023-01-01", None))
CLOSED_2025 = periods(("2020-01-01", "2025-07-01"))


@pytest.mark.parametrize(
    ("spans", "on", "outcome"),
    [
        (SPLIT_AT_2023, "2024-05-01", ChangePlan(replace=False)),
        (SPLIT_AT_2023, "2023-01-01", ChangePlan(replace=True)),
        (SPLIT_AT_2023, "2019-12-31", (RefusalCode.before_start, "2020-01-01")),
        (SPLIT_AT_2023, "2021-01-01", (RefusalCode.overlap, "2023-01-01")),
        (CLOSED_2025, "2026-01-01", (RefusalCode.closed, "2025-07-01")),
        # a closed unit refuses changes even dated before its closing
        (CLOSED_2025, "2024-01-01", (RefusalCode.closed, "2025-07-01")),
    ],
)
def test_plan_change(
    spans: list[Period], on: str, outcome: ChangePlan | tuple[RefusalCode, str]
) -> None:
    if isinstance(outcome, ChangePlan):
        assert plan_change(spans, d(on)) == outcome
        return
    with pytest.raises(ChangeRefused) as caught:
        plan_change(spans, d(on))
    assert (caught.value.code, caught.value.reference) == (outcome[0], d(outcome[1]))


@pytest.mark.parametrize(
    ("spans", "on", "outcome"),
    [
        (SPLIT_AT_2023, "2021-01-01", 0),
        (SPLIT_AT_2023, "2023-01-01", 1),
        (SPLIT_AT_2023, "2019-01-01", (RefusalCode.before_start, "2020-01-01")),
        (CLOSED_2025, "2024-01-01", (RefusalCode.closed, "2025-07-01")),
    ],
)
def test_plan_attach(spans: list[Period], on: str, outcome: int | tuple[RefusalCode, str]) -> None:
    if isinstance(outcome, int):
        assert plan_attach(spans, d(on)) == outcome
        return
    with pytest.raises(ChangeRefused) as caught:
        plan_attach(spans, d(on))
    assert (caught.value.code, caught.value.reference) == (outcome[0], d(outcome[1]))


def test_period_on() -> None:
    assert period_on(SPLIT_AT_2023, d("2022-12-31")) == 0
    assert period_on(SPLIT_AT_2023, d("2030-01-01")) == 1
    assert period_on(CLOSED_2025, d("2025-07-01")) is None
