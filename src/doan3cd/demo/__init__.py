"""The embedded demo dataset (design/domain.md §6), built in ordered steps through the services.

Also holds deterministic synthetic people (names, dates) shared with the benchmarks.

Each step is `async (session, principal) -> summary line`. Later features add their steps to
`STEPS`: facts about 2023 (members, evidence) go before the 2025 reorganisation, so they are
recorded against the tree as it stood then, exactly as real data entry would have been.
"""

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Grant, Principal, Role
from doan3cd.demo.assessments import decide_2023, register_2023
from doan3cd.demo.evidence import seed_evidence
from doan3cd.demo.members import seed_members
from doan3cd.demo.units import reorganise_2025, seed_tree_2023
from doan3cd.models.unit import Unit

SeedStep = Callable[[AsyncSession, Principal], Awaitable[str]]

STEPS: list[tuple[str, SeedStep]] = [
    ("units-2023", seed_tree_2023),
    ("members-2023", seed_members),
    ("evidence-2023", seed_evidence),
    # Registration targets read what the evidence shows, so they come after it.
    ("assessments-2023-registration", register_2023),
    ("assessments-2023-decisions", decide_2023),
    ("reorganisation-2025", reorganise_2025),
]

# The seed acts as a system-wide administrator.
SEED_PRINCIPAL = Principal(
    id=uuid.UUID(int=0),
    kind="user",
    name="demo-seed",
    grants=(Grant(role=Role.admin, unit_id=uuid.UUID(int=0), path="/"),),
)


async def has_units(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(exists().where(Unit.id.is_not(None)))))


async def seed_demo(session: AsyncSession) -> list[str]:
    """Run every step in one transaction (the caller commits); returns their summaries."""
    return [await step(session, SEED_PRINCIPAL) for _, step in STEPS]
