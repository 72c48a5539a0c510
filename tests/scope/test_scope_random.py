"""R2: randomised scope test — 0 cross-scope successes, 0 leaked ids or counts.

See tests/scope/harness.py for the method and tests/scope/specs.py for the resources covered.
"""

import random

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.config import Settings
from tests.scope import standin
from tests.scope.harness import SEED, Ctx, Report, build_callers, build_forest, run_cases
from tests.scope.specs import REGISTRY

CASES = 300


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    app.include_router(standin.router)
    return app


async def test_no_caller_reaches_outside_its_subtrees(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    rng = random.Random(SEED)
    units = await build_forest(session, rng)
    for resource in REGISTRY:
        if resource.seed is not None:
            await resource.seed(session, units, rng)
    callers = await build_callers(session, settings, units, rng)
    await session.commit()

    report = Report()
    await run_cases(Ctx(client, session, rng), REGISTRY, callers, CASES, report)

    assert report.cases >= 200
    assert report.cross_scope_successes == []
    assert report.leaked_ids == []
    assert report.leaked_counts == []
    assert report.failures == []
    # Not vacuous: plenty of both kinds of case ran.
    assert report.cross_scope_attempts >= 60, report
    assert report.in_scope_successes >= 60, report
