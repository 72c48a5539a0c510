"""R3: every operation declares its access policy, and each role gets exactly what it declares.

Both tests read the app's routes, so a new endpoint is covered (or fails) without editing them.
A denied call must answer 403 `forbidden` before anything else is looked at, so the matrix calls
each operation with random UUIDs for path parameters and `{}` as the body: an allowed caller then
gets a 2xx, 404 or 422 (never 401/403/5xx), a denied one 403.
"""

import re
import uuid
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.permissions import ROLE_PERMISSIONS, Permission
from doan3cd.auth.policy import Operation, Policy, operations
from doan3cd.auth.principal import Role
from doan3cd.auth.tokens import api_token_hash, new_api_token_secret
from doan3cd.main import create_app
from doan3cd.models.user import ApiToken
from tests.conftest import AuthHeaders
from tests.factories import add_unit

TOKEN_SCOPES = frozenset({Permission.units_read, Permission.sync_read})


def test_every_operation_declares_a_policy() -> None:
    found = operations(create_app())
    assert len(found) > 10
    undeclared = [f"{op.method} {op.path}" for op in found if not op.policies]
    assert undeclared == [], "add require(Permission.x), authenticated() or public() to these"
    mixed = [
        f"{op.method} {op.path}" for op in found if "public" in op.policies and len(op.policies) > 1
    ]
    assert mixed == [], "an operation is either public or guarded"


@dataclass(frozen=True)
class Caller:
    label: str
    headers: dict[str, str]
    permissions: frozenset[Permission] | None  # None: anonymous


def expected_allowed(policies: frozenset[Policy], caller: Caller) -> bool:
    if "public" in policies:
        return True
    if caller.permissions is None:
        return False
    needed = {p for p in policies if isinstance(p, Permission)}
    return needed <= caller.permissions


def concrete(op: Operation) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), op.path)


@pytest.fixture
async def callers(session: AsyncSession, auth_headers: AuthHeaders) -> list[Caller]:
    unit = await add_unit(session, "MATRIX")
    found = [
        Caller("anonymous", {}, None),
        Caller("no role", await auth_headers(None), frozenset()),
    ]
    for role in Role:
        headers = await auth_headers(role, None if role == Role.admin else unit)
        found.append(Caller(role.value, headers, ROLE_PERMISSIONS[role]))
    secret = new_api_token_secret()
    session.add(
        ApiToken(
            name="matrix",
            prefix=secret[:12],
            secret_hash=api_token_hash(secret),
            scopes=sorted(TOKEN_SCOPES),
            unit_id=unit.id,
            created_by="test",
        )
    )
    await session.commit()
    found.append(Caller("token", {"Authorization": f"Bearer {secret}"}, TOKEN_SCOPES))
    return found


def problem_code(response: httpx.Response) -> str | None:
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        return str(response.json()["code"])
    return None


async def test_role_operation_matrix(
    app: FastAPI, client: httpx.AsyncClient, callers: list[Caller]
) -> None:
    failures = []
    outcomes = {True: 0, False: 0}
    for op in operations(app):
        url = concrete(op)
        body = {} if op.method in ("POST", "PUT", "PATCH") else None
        for caller in callers:
            response = await client.request(op.method, url, json=body, headers=caller.headers)
            got = (response.status_code, problem_code(response))
            allowed = expected_allowed(op.policies, caller)
            outcomes[allowed] += 1
            where = f"{caller.label} {op.method} {op.path}: {got}"
            if response.status_code >= 500:
                failures.append(where)
            elif allowed and response.status_code in (401, 403):
                failures.append(f"{where}, want it allowed")
            elif not allowed:
                anonymous = caller.permissions is None
                want = (401, "not_authenticated") if anonymous else (403, "forbidden")
                if got != want:
                    failures.append(f"{where}, want {want}")
    assert failures == []
    assert outcomes[True] > 20 and outcomes[False] > 20
