"""Demo steps for the organisation: the Trà Vinh tree of 2023 and the 1/7/2025 reorganisation.

Both go through the unit services, as any other entry point would.
"""

import random
import re
import uuid
from collections import Counter
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Principal
from doan3cd.demo.tra_vinh import (
    AFFILIATED,
    DIRECT_GRASSROOTS,
    DISTRICTS,
    HAMLETS,
    OFFICES,
    POLICE_TEAMS,
    Grassroots,
)
from doan3cd.domain.text import fold
from doan3cd.models.unit import Unit
from doan3cd.units.lineage import merge_units
from doan3cd.units.schemas import UnitMerge
from doan3cd.units.service import NewUnit, establish_units

FOUNDED = date(1931, 3, 26)  # the Youth Union's founding day
TRA_VINH_REESTABLISHED = date(1992, 5, 1)
BASELINE = date(2020, 1, 1)  # the demo's start for everything below the province union
REORGANISED = date(2025, 7, 1)
REORGANISATION_REF = "Nghị quyết 202/2025/QH15"
REORGANISATION_NOTE = (
    "Sắp xếp tổ chức Đoàn theo đơn vị hành chính mới: tỉnh Trà Vinh nhập vào tỉnh Vĩnh Long, "
    "kết thúc hoạt động của tổ chức Đoàn cấp huyện."
)

CENTRAL_CODE = "TW"
TRA_VINH_CODE = "TV"
VINH_LONG_CODE = "VL"


def slug(text: str) -> str:
    """Code segment: accents folded, only letters and digits, upper case ("Tiểu Cần" → TIEUCAN)."""
    return re.sub(r"[^a-z0-9]", "", fold(text)).upper()


def district_codes() -> list[str]:
    return [f"{TRA_VINH_CODE}-{slug(d.slug)}" for d in DISTRICTS]


def _branches(unit: Grassroots, code: str) -> list[tuple[str, str]]:
    """(code suffix, name) of a grassroots unit's branches, the same on every run."""
    rng = random.Random(code)  # noqa: S311 - demo data, not security
    if unit.branches == "hamlet":
        return [(slug(h), f"Chi đoàn ấp {h}") for h in rng.sample(HAMLETS, rng.randint(3, 5))]
    if unit.branches == "quarter":
        return [(f"KHOM{n}", f"Chi đoàn khóm {n}") for n in range(1, rng.randint(3, 5) + 1)]
    if unit.branches == "class":
        classes = [f"{grade}A{n}" for grade in (10, 11, 12) for n in range(1, 5)]
        return [(c, f"Chi đoàn {c}") for c in sorted(rng.sample(classes, rng.randint(4, 6)))]
    if unit.branches == "office":
        return [(slug(o), f"Chi đoàn {o}") for o in rng.sample(OFFICES, rng.randint(2, 4))]
    if unit.branches == "police":
        return [(slug(t), f"Chi đoàn {t}") for t in rng.sample(POLICE_TEAMS, rng.randint(3, 4))]
    programmes = ("TT", "KT", "YD", "NN", "SP", "QT", "LK", "DD")
    classes = [f"DA{year}{p}A" for year in (21, 22, 23) for p in programmes]
    return [(c, f"Chi đoàn {c}") for c in sorted(rng.sample(classes, rng.randint(3, 5)))]


def tree_2023() -> list[NewUnit]:
    """Trung ương Đoàn → Tỉnh đoàn Trà Vinh → district and affiliated unions → grassroots →
    branches, parents before children."""
    units: list[NewUnit] = []

    def add(code: str, name: str, kind: str, parent: NewUnit | None, on: date) -> NewUnit:
        unit = NewUnit(code, name, kind, on, parent.id if parent else None)
        units.append(unit)
        return unit

    def add_grassroots(upper: NewUnit, unit: Grassroots) -> None:
        code = f"{upper.code}-{slug(unit.slug)}"
        grassroots = add(code, unit.name, "grassroots", upper, BASELINE)
        for suffix, name in _branches(unit, code):
            add(f"{code}-{suffix}", name, "branch", grassroots, BASELINE)

    central = add(CENTRAL_CODE, "Trung ương Đoàn TNCS Hồ Chí Minh", "central", None, FOUNDED)
    province = add(TRA_VINH_CODE, "Tỉnh đoàn Trà Vinh", "province", central, TRA_VINH_REESTABLISHED)
    for upper in (*DISTRICTS, *AFFILIATED):
        union = add(
            f"{TRA_VINH_CODE}-{slug(upper.slug)}", upper.name, upper.kind, province, BASELINE
        )
        for unit in upper.grassroots:
            add_grassroots(union, unit)
    for unit in DIRECT_GRASSROOTS:
        add_grassroots(province, unit)
    return units


async def seed_tree_2023(session: AsyncSession, principal: Principal) -> str:
    units = tree_2023()
    await establish_units(session, principal, units)
    kinds = Counter(u.kind for u in units)
    return (
        f"Trà Vinh 2023: {kinds['district']} district unions, {kinds['affiliated']} affiliated "
        f"unions, {kinds['grassroots']} grassroots units, {kinds['branch']} branches"
    )


async def _ids(session: AsyncSession, codes: list[str]) -> dict[str, uuid.UUID]:
    rows = await session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes)))
    return {row.code: row.id for row in rows}


async def reorganise_2025(session: AsyncSession, principal: Principal) -> str:
    """1/7/2025: a new Tỉnh đoàn Vĩnh Long; Trà Vinh's province union and its district unions
    merge into it, so their grassroots units (and the affiliated unions) move directly under it."""
    ids = await _ids(session, [CENTRAL_CODE, TRA_VINH_CODE, *district_codes()])
    vinh_long = NewUnit(
        VINH_LONG_CODE,
        "Tỉnh đoàn Vĩnh Long",
        "province",
        REORGANISED,
        ids[CENTRAL_CODE],
        decision_ref=REORGANISATION_REF,
    )
    await establish_units(session, principal, [vinh_long])
    merge = UnitMerge(
        source_ids=[ids[TRA_VINH_CODE], *(ids[c] for c in district_codes())],
        target_id=vinh_long.id,
        effective_on=REORGANISED,
        decision_ref=REORGANISATION_REF,
        note=REORGANISATION_NOTE,
    )
    result = await merge_units(session, principal, merge)
    changes = Counter(c.change for c in result.changes)
    return (
        f"1/7/2025: {changes['closed']} unions merged into Tỉnh đoàn Vĩnh Long; "
        f"{changes['moved']} units moved under it, {changes['carried']} carried along"
    )
