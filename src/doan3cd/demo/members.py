"""Demo step: ~20,000 deterministic synthetic members over the 2023 branches, bulk inserted.

A few records miss their member code or admission date (at most one in 25 per branch), so
record completeness (C1.1) is realistic yet at least 95 % in every grassroots unit; about 5 %
were admitted in 2023.
"""

import random
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Principal
from doan3cd.db.types import utcnow
from doan3cd.demo.names import random_person
from doan3cd.demo.people import add_years, random_member_dates, random_mobile
from doan3cd.domain.name_order import name_sort_key
from doan3cd.domain.text import fold
from doan3cd.models.member import Member, MembershipPeriod
from doan3cd.models.unit import Unit, UnitVersion
from doan3cd.sync.changes import record_change

MEMBER_COUNT = 20_000
AS_OF = date(2023, 12, 31)
BEFORE_2023 = date(2022, 12, 31)
SEED = 2023
GAP_EVERY = 25  # one member in 25 of a branch misses a field
CHUNK = 5_000


async def _branches(session: AsyncSession) -> list[tuple[uuid.UUID, str]]:
    rows = await session.execute(
        select(UnitVersion.unit_id, UnitVersion.path)
        .join(Unit, Unit.id == UnitVersion.unit_id)
        .where(UnitVersion.kind == "branch", UnitVersion.valid_to.is_(None))
        .order_by(Unit.code)
    )
    return [(r.unit_id, r.path) for r in rows]


def _dates(rng: random.Random) -> tuple[date, date]:
    if rng.random() < 0.05:  # admitted in 2023
        joined = date(2023, 1, 1) + timedelta(days=rng.randrange(365))
        return add_years(joined, -rng.randint(16, 29)) - timedelta(days=rng.randrange(365)), joined
    return random_member_dates(rng, BEFORE_2023)


def synthetic_members(
    branches: list[tuple[uuid.UUID, str]], count: int = MEMBER_COUNT
) -> list[dict[str, Any]]:
    rng = random.Random(SEED)  # noqa: S311 - demo data, not security
    per_branch: dict[uuid.UUID, int] = {}
    rows = []
    now = utcnow()
    for n in range(count):
        branch_id, _ = branches[rng.randrange(len(branches))]
        index = per_branch[branch_id] = per_branch.get(branch_id, 0) + 1
        name, gender = random_person(rng)
        born, joined = _dates(rng)
        gap = index % GAP_EVERY == 0
        rows.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "full_name": name,
                "name_folded": fold(name),
                "name_sort_key": name_sort_key(name),
                "date_of_birth": born,
                "gender": gender,
                "phone": random_mobile(rng) if rng.random() < 0.9 else None,
                "member_code": None if gap and n % 2 else f"TV{n + 1:07d}",
                "joined_on": None if gap and not n % 2 else joined,
                "branch_id": branch_id,
                "status": "active",
                "is_cadre": False,
                "row_version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


async def seed_members(
    session: AsyncSession, principal: Principal, *, count: int = MEMBER_COUNT
) -> str:
    """`count` is for smaller runs of the same demo (the schemathesis test)."""
    branches = await _branches(session)
    paths = dict(branches)
    rows = synthetic_members(branches, count)
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(Member), rows[start : start + CHUNK])
    periods = [
        {
            "id": uuid.UUID(int=r["id"].int ^ 1, version=4),
            "member_id": r["id"],
            "branch_id": r["branch_id"],
            "valid_from": r["joined_on"] or AS_OF,
            "reason": "admission",
        }
        for r in rows
    ]
    for start in range(0, len(periods), CHUNK):
        await session.execute(insert(MembershipPeriod), periods[start : start + CHUNK])
    for r in rows:
        record_change(session, "members", r["id"], "upsert", 1, unit_path=paths[r["branch_id"]])
    in_2023 = sum(1 for r in rows if r["joined_on"] and r["joined_on"].year == 2023)
    return f"{len(rows)} members in {len(branches)} branches ({in_2023} admitted in 2023)"
