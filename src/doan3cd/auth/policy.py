"""The declared access policy of every operation, read from the app's routes.

Tests use it to refuse operations without a policy and to derive the role × operation matrix.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from doan3cd.auth.dependencies import Authenticated, Public, Require
from doan3cd.auth.permissions import Permission

Policy = Permission | Literal["public", "authenticated"]


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    name: str
    policies: frozenset[Policy]


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _walk(sub)


def declared_policies(dependant: Dependant) -> frozenset[Policy]:
    """The policies an operation declares through its dependencies (empty: none)."""
    found: set[Policy] = set()
    for sub in _walk(dependant):
        if isinstance(sub.call, Require):
            found.add(sub.call.permission)
        elif isinstance(sub.call, Authenticated):
            found.add("authenticated")
        elif isinstance(sub.call, Public):
            found.add("public")
    return frozenset(found)


def operations(app: FastAPI) -> list[Operation]:
    """Every HTTP operation the app serves through FastAPI routes, with its policies."""
    found = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        policies = declared_policies(context.dependant)
        for method in sorted(context.methods or ()):
            found.append(Operation(method, str(context.path_format), str(context.name), policies))
    return found
