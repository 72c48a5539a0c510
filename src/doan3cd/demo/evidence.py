"""Demo evidence: a year of plans, activities, welfare cases and Party referrals for every Trà Vinh
grassroots unit, written with bulk inserts (the same column semantics as the services).

2023 is complete: every grassroots unit has what the default framework 3CD-2023 asks (quarterly
situation reports, a register review, support for every case, monthly meetings in every branch,
the annual programme adopted in January, …), nearly all of it verified. 2024 is as complete except
for a few realistic gaps: some units never held a dialogue and adopted their programme late, some
let branch meetings lapse, and some evidence still waits for review or was rejected.
Registrations, targets and criterion scores belong to the assessments feature.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Principal
from doan3cd.models.evidence import (
    Activity,
    PartyReferral,
    Plan,
    PlanItem,
    ReferralTransition,
    SupportAction,
    WelfareCase,
)
from doan3cd.models.member import Member
from doan3cd.models.unit import Unit, UnitVersion

NAMESPACE = uuid.UUID("5b8f0a52-3c1d-4e0e-9f7a-0d3cd0e71de0")
REVIEWER = "demo: Tỉnh đoàn Trà Vinh"
YEARS = (2023, 2024)
LAST_YEAR = YEARS[-1]
REFERRALS_PER_UNIT = 2  # per year
GUARDIAN_CATEGORIES = (["poor_household"], ["near_poor_household", "orphan"], ["disability"])
PERSON_NAMES = ("Thạch Thị Sa", "Kim Văn Sóc", "Sơn Thị Ra", "Lâm Văn Tha", "Trần Thị Mai")


def demo_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(map(str, parts)))


@dataclass(frozen=True, slots=True)
class Grassroots:
    id: uuid.UUID
    code: str
    index: int
    branches: tuple[uuid.UUID, ...]


@dataclass
class Rows:
    plans: list[dict[str, Any]]
    items: list[dict[str, Any]]
    activities: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    actions: list[dict[str, Any]]

    @classmethod
    def empty(cls) -> "Rows":
        return cls([], [], [], [], [])


async def grassroots_units(session: AsyncSession, on: date) -> list[Grassroots]:
    """Grassroots units in force on `on` with their branches, in code order (two queries)."""
    in_force = and_(
        UnitVersion.valid_from <= on, or_(UnitVersion.valid_to.is_(None), UnitVersion.valid_to > on)
    )
    units = (
        await session.execute(
            select(Unit.id, Unit.code)
            .join(UnitVersion, UnitVersion.unit_id == Unit.id)
            .where(in_force, UnitVersion.kind == "grassroots")
            .order_by(Unit.code)
        )
    ).all()
    branches: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    rows = await session.execute(
        select(UnitVersion.parent_id, UnitVersion.unit_id)
        .join(Unit, Unit.id == UnitVersion.unit_id)
        .where(in_force, UnitVersion.kind == "branch")
        .order_by(Unit.code)
    )
    for parent_id, unit_id in rows:
        if parent_id is not None:
            branches[parent_id].append(unit_id)
    return [Grassroots(u.id, u.code, n, tuple(branches[u.id])) for n, u in enumerate(units)]


def _activity(
    unit_id: uuid.UUID,
    kind: str,
    on: date,
    title: str,
    key: object,
    *,
    verification: str = "verified",
    **columns: Any,
) -> dict[str, Any]:
    verified = verification != "submitted"
    return {
        "id": demo_id("activity", unit_id, kind, on, key),
        "unit_id": unit_id,
        "kind": kind,
        "occurred_on": on,
        "title": title,
        "description": None,
        "participants": columns.pop("participants", None),
        "value_vnd": columns.pop("value_vnd", None),
        "partner": columns.pop("partner", None),
        "completed_on": columns.pop("completed_on", None),
        "plan_item_id": columns.pop("plan_item_id", None),
        "details": columns,
        "attachments": [],
        "verification": verification,
        "verified_by": REVIEWER if verified else None,
        "verified_at": datetime(on.year, on.month, on.day, 9, tzinfo=UTC) + timedelta(days=7)
        if verified
        else None,
        "rejected_reason": "Thiếu biên bản kèm theo." if verification == "rejected" else None,
    }


def _singles(unit: Grassroots, year: int, gap: bool) -> Iterator[dict[str, Any]]:
    """The grassroots unit's own activities for the year (not branch meetings)."""
    u = unit.id

    def day(month: int, d: int) -> date:
        return date(year, month, d)

    for quarter in range(1, 5):
        yield _activity(
            u,
            "situation_report",
            day(quarter * 3, 25),
            f"Báo cáo tình hình thanh niên quý {quarter}/{year}",
            quarter,
            reporting_period=f"Q{quarter}/{year}",
        )
    yield _activity(
        u,
        "welfare_register_review",
        day(3, 15),
        f"Rà soát thanh niên yếu thế {year}",
        0,
        cases_reviewed=2,
    )
    yield _activity(
        u,
        "rights_protection",
        day(6, 1),
        "Tư vấn pháp luật cho thanh niên",
        0,
        cases_handled=3,
        participants=40,
    )
    yield _activity(
        u,
        "youth_project",
        day(3, 26),
        f"Công trình thanh niên {year}: tuyến đường xanh",
        0,
        completed_on=day(8, 15),
        value_vnd=30_000_000 + 500_000 * unit.index,
        partner="UBND xã",
        participants=60,
    )
    yield _activity(
        u,
        "inspection",
        day(9, 10),
        "Kiểm tra công tác chi đoàn",
        0,
        subject="Các chi đoàn trực thuộc",
    )
    yield _activity(u, "self_criticism", day(12, 10), f"Kiểm điểm tập thể BCH năm {year}", 0)
    yield _activity(
        u,
        "exemplary_model",
        day(10, 20),
        "Mô hình thanh niên làm kinh tế giỏi",
        0,
        model_name="Tổ hợp tác thanh niên nuôi tôm",
    )
    yield _activity(
        u,
        "advisory_document",
        day(2, 3),
        "Tờ trình tham mưu cấp ủy",
        0,
        document_ref=f"{unit.index + 1:02d}-TTr/ĐTN",
    )
    if not gap:
        yield _activity(
            u,
            "dialogue",
            day(8, 12),
            "Đối thoại giữa lãnh đạo xã và thanh niên",
            0,
            leaders_present=["Bí thư Đảng ủy", "Chủ tịch UBND"],
            questions_raised=8 + unit.index % 7,
            participants=80,
        )
    yield _activity(
        u, "resource_mobilisation", day(11, 20), "Vận động xây nhà nhân ái", 0,
        partner="Doanh nghiệp địa phương", value_vnd=50_000_000 + 1_000_000 * (unit.index % 9),
        verification="submitted" if year > 2023 and unit.index % 5 == 0 else "verified",
    )  # fmt: skip


def _meetings(unit: Grassroots, year: int, months: int) -> Iterator[dict[str, Any]]:
    for b, branch in enumerate(unit.branches):
        for month in range(1, months + 1):
            on = date(year, month, 5 + b % 20)
            verification = "verified"
            if year > 2023 and unit.index % 17 == 3 and month == 12:
                verification = "rejected"
            yield _activity(
                branch, "branch_meeting", on, f"Sinh hoạt chi đoàn tháng {month}/{year}", b,
                verification=verification, attendance=12 + (b + month) % 9,
            )  # fmt: skip


def _plans(unit: Grassroots, year: int, late: bool, rows: Rows) -> None:
    annual = demo_id("plan", unit.id, year, "annual")
    action = demo_id("plan", unit.id, year, "action")
    rows.plans += [
        {
            "id": annual,
            "unit_id": unit.id,
            "year": year,
            "kind": "annual_programme",
            "title": f"Chương trình công tác Đoàn và phong trào thanh niên năm {year}",
            "adopted_on": date(year, 2, 20) if late else date(year, 1, 10 + unit.index % 15),
            "document_ref": f"01-CTr/ĐTN-{year}",
        },
        {
            "id": action,
            "unit_id": unit.id,
            "year": year,
            "kind": "action_programme",
            "title": f"Chương trình hành động thực hiện Nghị quyết Đảng ủy năm {year}",
            "adopted_on": date(year, 2, 15),
            "document_ref": f"02-CTr/ĐTN-{year}",
        },
    ]
    rows.items += [
        {
            "id": demo_id("plan-item", annual, kind),
            "plan_id": annual,
            "title": title,
            "activity_kind": kind,
            "planned_on": on,
        }
        for kind, title, on in (
            ("youth_project", "Công trình thanh niên", date(year, 3, 26)),
            ("dialogue", "Đối thoại với lãnh đạo địa phương", date(year, 8, 1)),
            ("self_criticism", "Kiểm điểm cuối năm", date(year, 12, 10)),
        )
    ]


def _welfare(unit: Grassroots, year: int, rows: Rows) -> None:
    """Two cases identified in the year, both supported; the first closes in December."""
    for n in range(2):
        case_id = demo_id("welfare", unit.id, year, n)
        born = 1998 + (unit.index + n) % 6
        rows.cases.append(
            {
                "id": case_id,
                "unit_id": unit.id,
                "member_id": None,
                "person_name": PERSON_NAMES[(unit.index + n) % len(PERSON_NAMES)],
                "person_birth_year": born,
                "person_gender": "female" if n else "male",
                "categories": GUARDIAN_CATEGORIES[(unit.index + n) % 3],
                "identified_on": date(year, 2, 14),
                "support_plan": "Hỗ trợ sinh kế và kèm cặp học nghề.",
                "state": "closed" if n == 0 else "supported",
                "state_reason": "Đã ổn định cuộc sống." if n == 0 else None,
                "closed_on": date(year, 12, 20) if n == 0 else None,
                "consent_given_on": date(year, 2, 14),
                "consent_by": "subject",
                "guardian_name": None,
                "consent_withdrawn_on": None,
            }
        )
        # The case still open at the year's end is supported again early the next year.
        dates = [date(year, 9, 5)] + ([date(year + 1, 3, 1)] if n == 1 and year < LAST_YEAR else [])
        rows.actions += [
            {
                "id": demo_id("support", case_id, on),
                "case_id": case_id,
                "acted_on": on,
                "kind": ("livelihood", "scholarship")[n],
                "value_vnd": 5_000_000,
                "partner": "Ngân hàng Chính sách xã hội",
                "description": None,
            }
            for on in dates
        ]


def year_rows(units: list[Grassroots], year: int) -> Rows:
    """Every row for one year; in years after 2023 a few units have gaps."""
    rows = Rows.empty()
    for unit in units:
        gap = year > 2023 and unit.index % 12 == 5
        lapsed = year > 2023 and unit.index % 12 == 9
        _plans(unit, year, gap, rows)
        _welfare(unit, year, rows)
        rows.activities += _singles(unit, year, gap)
        rows.activities += _meetings(unit, year, 8 if lapsed else 12)
    return rows


async def _insert(session: AsyncSession, rows: Rows) -> None:
    for model, values in (
        (Plan, rows.plans),
        (PlanItem, rows.items),
        (Activity, rows.activities),
        (WelfareCase, rows.cases),
        (SupportAction, rows.actions),
    ):
        if values:
            await session.execute(insert(model.__table__), values)  # type: ignore[arg-type]


async def _referrals(session: AsyncSession, units: list[Grassroots]) -> int:
    """Per unit and year, two eligible members (if the members step seeded any) nominated in
    April and handed to the Party in June; different members each year."""
    branch_unit = {b: u for u in units for b in u.branches}
    year = YEARS[0]
    members = await session.execute(
        select(Member.id, Member.branch_id)
        .where(
            Member.branch_id.in_(list(branch_unit)),
            Member.status == "active",
            Member.party_admitted_on.is_(None),
            Member.date_of_birth <= date(year - 19, 1, 1),
            Member.date_of_birth >= date(year - 29, 1, 1),
            Member.joined_on <= date(year - 2, 1, 1),
        )
        .order_by(Member.branch_id, Member.id)
    )
    chosen: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID]]] = defaultdict(list)
    for member_id, branch_id in members:
        picks = chosen[branch_unit[branch_id].id]
        if len(picks) < REFERRALS_PER_UNIT * len(YEARS):
            picks.append((member_id, branch_id))
    referrals: list[dict[str, Any]] = []
    transitions: list[dict[str, Any]] = []
    for picks in chosen.values():
        for n, (member_id, branch_id) in enumerate(picks):
            year = YEARS[n // REFERRALS_PER_UNIT]
            steps = (
                (None, "nominated_by_branch", date(year, 4, 10), "Mẫu 4_1-KNĐ"),
                ("nominated_by_branch", "resolved_by_grassroots", date(year, 5, 2), "Mẫu 4-KNĐ"),
                (
                    "resolved_by_grassroots",
                    "handed_to_party",
                    date(year, 6, 1),
                    "Biên bản bàn giao",
                ),
            )
            referral_id = demo_id("referral", member_id, year)
            referrals.append(
                {
                    "id": referral_id,
                    "member_id": member_id,
                    "unit_id": branch_id,
                    "year": year,
                    "stage": "handed_to_party",
                    "stage_changed_on": date(year, 6, 1),
                }
            )
            transitions += [
                {
                    "id": demo_id("transition", referral_id, to_stage),
                    "referral_id": referral_id,
                    "from_stage": from_stage,
                    "to_stage": to_stage,
                    "effective_on": on,
                    "document_ref": document,
                    "note": None,
                }
                for from_stage, to_stage, on, document in steps
            ]
    if referrals:
        await session.execute(insert(PartyReferral.__table__), referrals)  # type: ignore[arg-type]
        await session.execute(insert(ReferralTransition.__table__), transitions)  # type: ignore[arg-type]
    return len(referrals)


async def seed_evidence(session: AsyncSession, principal: Principal) -> str:
    """2023 (complete) and 2024 (with gaps) evidence for the grassroots units of 2023."""
    del principal  # bulk inserts: the seed writes as the system, not through the services
    units = await grassroots_units(session, date(2023, 12, 31))
    counts: dict[str, int] = defaultdict(int)
    for year in YEARS:
        rows = year_rows(units, year)
        await _insert(session, rows)
        counts["activities"] += len(rows.activities)
        counts["plans"] += len(rows.plans)
        counts["cases"] += len(rows.cases)
    referrals = await _referrals(session, units)
    return (
        f"Evidence 2023–2024 for {len(units)} grassroots units: {counts['activities']} activities, "
        f"{counts['plans']} plans, {counts['cases']} welfare cases, {referrals} Party referrals"
    )
