"""R2: randomised scope test — 0 cross-scope successes, 0 leaked ids or counts.

See tests/scope/harness.py for the method and tests/scope/specs.py for the resources covered.
"""

import random

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.config import Settings
from tests.scope.harness import SEED, Ctx, Report, build_callers, build_forest, run_cases
from tests.scope.specs import REGISTRY

CASES = 560  # about 30 per operation


async def test_no_caller_reaches_outside_its_subtrees(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    admin_headers: dict[str, str],
) -> None:
    rng = random.Random(SEED)
    ctx = Ctx(client, session, rng)
    units = await build_forest(ctx, admin_headers)
    for resource in REGISTRY:
        if resource.seed is not None:
            await resource.seed(ctx, units, rng)
    callers = await build_callers(session, settings, units, rng)
    await session.commit()

    report = Report()
    await run_cases(ctx, REGISTRY, callers, CASES, report)

    assert report.cases >= 200
    assert report.cross_scope_successes == []
    assert report.leaked_ids == []
    assert report.leaked_counts == []
    assert report.failures == []
    # Not vacuous: every operation ran both in and out of scope, plenty of times overall.
    assert report.cross_scope_attempts >= 60, report
    assert report.in_scope_successes >= 60, report
    for resource in REGISTRY:
        for op in [*resource.singles, *resource.collections, *resource.probes]:
            for side in ("in scope", "out of scope"):
                assert report.outcomes[f"{resource.name}.{op.name} {side}"] > 0, (op.name, side)
