"""R1: schemathesis against the app's own OpenAPI, in process, on each engine.

Every operation gets examples, coverage and fuzzed cases, positive and negative, from a fixed
seed, sent as an admin. A response must not be a server error and must match the contract:
documented status code, content type, body schema and headers.

The app under test cannot share the rollback-per-test `connection` fixture: schemathesis calls an
ASGI app from its own event-loop thread, while that connection belongs to pytest's loop. So the
run gets a database of its own (a sibling database on PostgreSQL, a file on SQLite) with the demo
data in it, and an app with its own engine, whose connections live on schemathesis's loop.
"""

import asyncio
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.config import Mode, Settings
from doan3cd.db.engine import make_async_engine
from doan3cd.db.migrations import upgrade
from doan3cd.db.session import make_sessionmaker
from doan3cd.demo import SEED_PRINCIPAL, STEPS
from doan3cd.demo.members import seed_members
from doan3cd.main import create_app
from doan3cd.models.assessment import Assessment
from doan3cd.models.evidence import Activity, PartyReferral, Plan, WelfareCase
from doan3cd.models.member import Member
from doan3cd.models.unit import UnitVersion
from doan3cd.models.user import RoleAssignment
from tests.conftest import _backends, fresh_database_url
from tests.factories import add_user, bearer

SEED = 20261128
# Fuzzed cases per operation. The deterministic coverage phase adds most of the 7,387 requests
# per engine (2½–4 minutes per engine on a quiet 2-core machine).
MAX_EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


async def _first(session: AsyncSession, column: Any, *where: Any) -> str:
    return str(await session.scalar(select(column).where(*where).order_by(column).limit(1)))


async def seed(settings: Settings) -> tuple[dict[str, str], dict[str, object]]:
    """The demo data, a fuzzing admin and a bystander user; returns the admin's auth headers and
    one real id per path parameter, so examples reach existing records and not only 404s."""
    engine = make_async_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            for name, step in STEPS:
                if name == "members-2023":
                    # A twentieth of the demo's members: exporting all 20,000 to xlsx takes
                    # seconds, and the exports are called some 70 times.
                    step = functools.partial(seed_members, count=1_000)
                await step(session, SEED_PRINCIPAL)
            admin = await add_user(session, "schemathesis-admin", Role.admin)
            # Path examples point at this user, never the caller: a fuzzed PATCH that deactivates
            # it or a DELETE of its grant must not lock the run out.
            bystander = await add_user(session, "schemathesis-bystander", Role.admin)
            ids = {
                "unit_id": await _first(
                    session, UnitVersion.unit_id, UnitVersion.kind == "grassroots"
                ),
                "member_id": await _first(session, Member.id),
                "activity_id": await _first(session, Activity.id),
                "plan_id": await _first(session, Plan.id),
                "case_id": await _first(session, WelfareCase.id),
                "referral_id": await _first(session, PartyReferral.id),
                "assessment_id": await _first(session, Assessment.id),
                "user_id": str(bystander),
                "assignment_id": await _first(
                    session, RoleAssignment.id, RoleAssignment.user_id == bystander
                ),
                "code": "3CD-2023",
                "version": 1,
                "year": 2023,
            }
    finally:
        await engine.dispose()
    return bearer(admin, settings), ids


def with_path_examples(document: dict[str, Any], ids: dict[str, object]) -> dict[str, Any]:
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in ids:
                    parameter["example"] = ids[parameter["name"]]
    return document


@pytest.fixture(scope="module", params=_backends())
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    directory: Path = tmp_path_factory.mktemp(f"schemathesis-{request.param}")
    url = fresh_database_url(request.param, directory, "schemathesis")
    upgrade(url)
    app_settings = Settings(
        mode=Mode.dev,
        database_url=url,
        secret_key="schemathesis-secret-key-0123456789",
        access_token_minutes=120,
        # Jobs run inline; a background worker racing the requests would make runs differ.
        import_worker_in_app=False,
    )
    headers, ids = asyncio.run(seed(app_settings))
    app = create_app(app_settings)
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": headers,
            # CI machines are small and busy: a slow answer is not what this test looks for.
            "request-timeout": 60,
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
        }
    )
    schema = schemathesis.openapi.from_dict(with_path_examples(app.openapi(), ids), config=config)
    schema.app = app
    yield schema
    shutdown_lifespans()


schema = schemathesis.pytest.from_fixture("api")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # They time case generation, which on a busy 2-core machine says nothing about the API.
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_contract(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
