"""Each indicator of 3CD-2023, table-driven: value, pass, evidence counted and excluded, missing."""

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

import pytest

from doan3cd.domain.evaluation import IndicatorResult, evaluate
from doan3cd.domain.facts import (
    ManualScore,
    MemberRecords,
    PlanFact,
    Registration,
    TransferFact,
    UnitYearFacts,
    WelfareCaseFact,
)
from doan3cd.domain.framework import DEFAULT_FRAMEWORK, Framework, Options
from tests.domain.builders import (
    UNIT_ID,
    achieving_facts,
    activity,
    make_id,
    with_activities,
    without,
)

BASE = achieving_facts()
Change = Callable[[UnitYearFacts], UnitYearFacts]


def day(month: int, d: int, year: int = 2023) -> datetime.date:
    return datetime.date(year, month, d)


def result(
    facts: UnitYearFacts, key: str, framework: Framework = DEFAULT_FRAMEWORK
) -> IndicatorResult:
    verdict = evaluate(framework, facts)
    return next(i for c in verdict.criteria for i in c.indicators if i.key == key)


def replace(**changes: Any) -> Change:
    return lambda facts: dataclasses.replace(facts, **changes)


def drop(kind: str, keep: int = 0) -> Change:
    """Keep only the first `keep` activities of a kind."""

    def change(facts: UnitYearFacts) -> UnitYearFacts:
        of_kind = [item for item in facts.activities if item.kind == kind][:keep]
        return with_activities(without(facts, kind), *of_kind)

    return change


def add(kind: str, on: datetime.date = day(7, 1), **fields: Any) -> Change:
    return lambda facts: with_activities(facts, activity(UNIT_ID, kind, on, 99, **fields))


def members(active: int, complete: int, **missing: int) -> Change:
    return replace(members=MemberRecords(active=active, complete=complete, **missing))


def cases(supported: int, unsupported: int) -> Change:
    return replace(
        welfare_cases=tuple(
            WelfareCaseFact(make_id(UNIT_ID, "c", n), n < supported)
            for n in range(supported + unsupported)
        )
    )


def transfers(*spans: tuple[datetime.date, datetime.date | None]) -> Change:
    return replace(
        transfers=tuple(
            TransferFact(make_id(UNIT_ID, "t", n), *span) for n, span in enumerate(spans)
        )
    )


def score(self_score: float | None, review_score: float | None) -> Change:
    return replace(
        manual_scores=(ManualScore(make_id(UNIT_ID, "s"), "C1.7", self_score, review_score),)
    )


def plans(*plans: tuple[str, datetime.date | None]) -> Change:
    return replace(plans=tuple(PlanFact(make_id(UNIT_ID, "p", n), *p) for n, p in enumerate(plans)))


def targets(new_members: int | None, referrals: int | None) -> Change:
    return replace(registration=Registration(day(11, 1, 2022), new_members, referrals))


def meetings_per_branch(*counts: int) -> Change:
    def change(facts: UnitYearFacts) -> UnitYearFacts:
        branches = tuple(make_id(UNIT_ID, "b", n) for n in range(len(counts)))
        items = [
            activity(UNIT_ID, "branch_meeting", day(m + 1, 2), n, branch_id=branch)
            for n, (branch, count) in enumerate(zip(branches, counts, strict=True))
            for m in range(count)
        ]
        return with_activities(
            dataclasses.replace(without(facts, "branch_meeting"), active_branch_ids=branches),
            *items,
        )

    return change


def same(facts: UnitYearFacts) -> UnitYearFacts:
    return facts


# key, change to the achieving facts, value, passed, excluded reasons, missing text (vi) start
CASES: list[tuple[str, Change, Any, bool, list[str], str | None]] = [
    ("C1.1", same, 1, True, [], None),
    ("C1.1", members(20, 19), 0.95, True, [], None),
    ("C1.1", members(100, 95), 0.95, True, [], None),
    (
        "C1.1",
        members(100, 94, missing_member_code=4, missing_branch=2),
        0.94,
        False,
        [],
        "Cần hoàn thiện hồ sơ của thêm 1 đoàn viên (đạt 94%, cần ≥ 95%); "
        "còn thiếu mã đoàn viên: 4, chi đoàn: 2",
    ),
    ("C1.1", members(0, 0), None, False, [], "Chưa có đoàn viên đang sinh hoạt"),
    ("C1.2", same, 4, True, [], None),
    ("C1.2", drop("situation_report", 3), 3, False, [], "Cần thêm 1 báo cáo tình hình"),
    ("C1.2", drop("situation_report"), 0, False, [], "Cần thêm 4 báo cáo tình hình"),
    (
        "C1.2",
        add("situation_report", verification="rejected", rejected_reason="trùng"),
        4,
        True,
        ["rejected"],
        None,
    ),
    ("C1.2", add("situation_report", day(12, 31, 2022)), 4, True, ["outside_year"], None),
    ("C1.2", add("situation_report", verification="submitted"), 5, True, [], None),
    ("C1.3", drop("welfare_register_review"), 0, False, [], "Cần thêm 1 lần rà soát"),
    ("C1.4", same, 1, True, [], None),
    ("C1.4", cases(0, 0), None, True, [], None),
    ("C1.4", cases(4, 1), 0.8, True, ["no_support_action"], None),
    (
        "C1.4",
        cases(3, 2),
        0.6,
        False,
        ["no_support_action", "no_support_action"],
        "Cần hỗ trợ thêm 1 trường hợp thanh niên yếu thế (đạt 60%, cần ≥ 80%)",
    ),
    ("C1.5", drop("rights_protection"), 0, False, [], "Cần thêm 1 hoạt động bảo vệ quyền lợi"),
    ("C1.6", transfers(), None, True, [], None),
    ("C1.6", transfers((day(3, 1), day(3, 31))), 1, True, [], None),
    ("C1.6", transfers((day(3, 1), day(4, 1))), 0, False, ["late"], "Tỷ lệ chuyển sinh hoạt"),
    ("C1.6", transfers((day(3, 1), None)), 0, False, ["late"], "Tỷ lệ chuyển sinh hoạt"),
    ("C1.6", transfers((day(12, 20), None)), None, True, ["pending"], None),
    ("C1.6", transfers((day(12, 20), day(1, 5, 2024))), 1, True, [], None),
    ("C1.6", transfers((day(12, 20, 2022), day(1, 5))), None, True, ["outside_year"], None),
    ("C1.7", same, 9, True, [], None),
    ("C1.7", score(8, 3), 3, False, [], "Điểm 3/10, cần ≥ 5"),
    ("C1.7", score(6, None), 6, True, [], None),
    ("C1.7", score(4.5, None), 4.5, False, [], "Điểm 4,5/10, cần ≥ 5"),
    ("C1.7", score(None, None), None, False, [], "Chưa có điểm"),
    ("C1.7", replace(manual_scores=()), None, False, [], "Chưa có điểm"),
    ("C1.7", score(8, 11), None, False, ["out_of_range"], "Điểm chấm nằm ngoài"),
    ("C2.1", plans(("annual_programme", day(1, 31))), True, True, [], None),
    (
        "C2.1",
        plans(("annual_programme", day(2, 1))),
        False,
        False,
        ["adopted_late"],
        "Chưa có chương trình công tác năm",
    ),
    ("C2.1", plans(("annual_programme", None)), False, False, ["not_adopted"], "Chưa có"),
    ("C2.1", plans(("annual_programme", day(12, 20, 2022))), True, True, [], None),
    ("C2.2", plans(("action_programme", day(6, 1))), True, True, [], None),
    ("C2.2", plans(("action_programme", None)), False, False, ["not_adopted"], "Chưa có"),
    ("C2.2", plans(("thematic", day(6, 1))), False, False, [], "Chưa có chương trình hành động"),
    ("C2.3", same, 1, True, [], None),
    ("C2.3", meetings_per_branch(10, 10, 10, 10, 9), 0.8, True, [], None),
    (
        "C2.3",
        meetings_per_branch(12, 12, 9),
        0.6667,
        False,
        [],
        "Cần thêm 1 chi đoàn sinh hoạt đủ 10 buổi trong năm",
    ),
    ("C2.3", meetings_per_branch(), None, False, [], "Chưa có chi đoàn hoạt động"),
    (
        "C2.3",
        add("branch_meeting", branch_id=make_id(UNIT_ID, "x")),
        1,
        True,
        ["branch_not_active"],
        None,
    ),
    ("C2.4", same, 1, True, [], None),
    (
        "C2.4",
        lambda f: add("youth_project", completed_on=None)(drop("youth_project")(f)),
        0,
        False,
        ["not_completed"],
        "Cần thêm 1 công trình, phần việc thanh niên",
    ),
    (
        "C2.4",
        lambda f: add("youth_project", day(10, 1, 2022), completed_on=day(2, 1))(
            drop("youth_project")(f)
        ),
        1,
        True,
        [],
        None,
    ),
    (
        "C2.4",
        lambda f: add("youth_project", completed_on=day(1, 10, 2024))(drop("youth_project")(f)),
        0,
        False,
        ["outside_year"],
        "Cần thêm 1",
    ),
    ("C2.5", same, 1, True, [], None),
    ("C2.5", targets(10, 2), 0.5, False, [], "Cần kết nạp thêm 5 đoàn viên (đạt 5/10"),
    ("C2.5", targets(None, 2), None, False, [], "Chưa đăng ký chỉ tiêu kết nạp"),
    ("C2.5", targets(0, 2), None, False, [], "Chưa đăng ký chỉ tiêu kết nạp"),
    ("C2.5", targets(3, 2), 1.6667, True, [], None),
    ("C2.6", same, True, True, [], None),
    ("C2.6", drop("self_criticism"), False, False, [], "Cần thêm 1 buổi kiểm điểm"),
    (
        "C2.6",
        lambda f: drop("inspection")(drop("self_criticism")(f)),
        False,
        False,
        [],
        "Cần thêm 1 cuộc kiểm tra; Cần thêm 1 buổi kiểm điểm",
    ),
    ("C2.7", drop("exemplary_model"), 0, False, [], "Cần thêm 1 mô hình hay"),
    ("C3.1", drop("advisory_document"), 0, False, [], "Cần thêm 1 văn bản tham mưu"),
    ("C3.2", drop("dialogue"), 0, False, [], "Cần thêm 1 buổi đối thoại"),
    ("C3.3", same, 1, True, [], None),
    ("C3.3", targets(5, 3), 0.6667, False, [], "Cần giới thiệu thêm 1 đoàn viên ưu tú cho Đảng"),
    ("C3.3", targets(5, None), None, False, [], "Chưa đăng ký chỉ tiêu giới thiệu"),
    ("C3.4", same, 1, True, [], None),
    (
        "C3.4",
        lambda f: add("resource_mobilisation", value_vnd=None)(drop("resource_mobilisation")(f)),
        0,
        False,
        ["value_missing"],
        "Cần thêm 1 hoạt động vận động nguồn lực",
    ),
    ("C3.4", add("resource_mobilisation", value_vnd=0), 1, True, ["value_missing"], None),
]


@pytest.mark.parametrize(("key", "change", "value", "passed", "reasons", "missing"), CASES)
def test_indicator(
    key: str, change: Change, value: Any, passed: bool, reasons: list[str], missing: str | None
) -> None:
    facts = change(BASE)
    indicator = result(facts, key)
    assert indicator.value == value
    assert type(indicator.value) is type(value) or isinstance(value, float)
    assert indicator.passed is passed
    assert indicator.points == (indicator.max_points if passed else 0)
    assert sorted(e.reason for e in indicator.excluded) == sorted(reasons)
    if missing is None:
        assert indicator.missing is None
    else:
        assert indicator.missing is not None
        assert indicator.missing.vi.startswith(missing), indicator.missing.vi
        assert indicator.missing.en


def test_counts_cite_the_evidence() -> None:
    indicator = result(BASE, "C1.2")
    reports = {item.id for item in BASE.activities if item.kind == "situation_report"}
    assert set(indicator.counted) == reports
    assert list(indicator.counted) == sorted(indicator.counted, key=str)


@pytest.mark.parametrize(
    ("change", "key", "english"),
    [
        (drop("situation_report", 2), "C1.2", "2 more situation reports"),
        (drop("dialogue"), "C3.2", "1 more leaders–youth dialogue"),
        (targets(7, 2), "C2.5", "2 more members to admit (5 of the registered 7)"),
        (cases(1, 1), "C1.4", "1 more vulnerable young person to support (50%, needs ≥ 80%)"),
    ],
)
def test_missing_text_in_english(change: Change, key: str, english: str) -> None:
    missing = result(change(BASE), key).missing
    assert missing is not None
    assert missing.en == english


@pytest.mark.parametrize(
    ("verification", "counts_by_default"),
    [("verified", True), ("submitted", True), ("rejected", False)],
)
def test_verification(verification: str, counts_by_default: bool) -> None:
    facts = add("dialogue", verification=verification)(drop("dialogue")(BASE))
    strict = dataclasses.replace(
        DEFAULT_FRAMEWORK, options=Options(unverified_evidence_counts=False)
    )
    assert result(facts, "C3.2").passed is counts_by_default
    assert result(facts, "C3.2", strict).passed is (verification == "verified")
    reasons = [e.reason for e in result(facts, "C3.2", strict).excluded]
    expected = {"verified": [], "submitted": ["unverified_not_counted"], "rejected": ["rejected"]}
    assert reasons == expected[verification]


def test_branch_meeting_option() -> None:
    framework = dataclasses.replace(DEFAULT_FRAMEWORK, options=Options(branch_meetings_required=12))
    assert result(meetings_per_branch(12, 12, 11)(BASE), "C2.3", framework).value == 0.6667
    assert result(meetings_per_branch(12, 12, 12)(BASE), "C2.3", framework).passed
