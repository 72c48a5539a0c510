"""Helpers other test modules reuse: acting as a principal, asserting problem responses."""

import uuid

import httpx
from fastapi import FastAPI

from doan3cd.auth.dependencies import current_principal
from doan3cd.auth.principal import Grant, Principal, Role


def admin_principal() -> Principal:
    """A system-wide administrator (grant path "/")."""
    return Principal(
        id=uuid.uuid4(),
        kind="user",
        name="admin",
        grants=(Grant(role=Role.admin, unit_id=uuid.UUID(int=0), path="/"),),
    )


def scoped_principal(role: Role, unit_id: uuid.UUID, path: str) -> Principal:
    """A user holding `role` over the subtree of one unit (whose path is given)."""
    return Principal(
        id=uuid.uuid4(),
        kind="user",
        name=f"{role.value}@{unit_id}",
        grants=(Grant(role=role, unit_id=unit_id, path=path),),
    )


def act_as(app: FastAPI, principal: Principal) -> Principal:
    """Make every request to `app` run as `principal` (bypassing token resolution)."""
    app.dependency_overrides[current_principal] = lambda: principal
    return principal


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    return body
