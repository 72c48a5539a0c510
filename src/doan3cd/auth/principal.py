"""The authenticated caller: a user with role grants, or an API token with scopes."""

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from doan3cd.auth.permissions import ROLE_PERMISSIONS, Permission


class Role(StrEnum):
    admin = "admin"
    manager = "manager"
    reviewer = "reviewer"
    viewer = "viewer"
    welfare_officer = "welfare_officer"
    integration = "integration"


@dataclass(frozen=True, slots=True)
class Grant:
    """A role over the subtree of one unit; `path` is that unit's path in today's tree."""

    role: Role
    unit_id: uuid.UUID
    path: str


@dataclass(frozen=True, slots=True)
class Principal:
    id: uuid.UUID
    kind: Literal["user", "token"]
    name: str
    grants: tuple[Grant, ...] = ()
    # For API tokens: the named scopes (permissions) it was issued with; None for users.
    token_scopes: frozenset[str] | None = field(default=None)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    def allows(self, permission: Permission) -> bool:
        return bool(self.paths_for(permission))

    def paths_for(self, permission: Permission) -> list[str]:
        """Subtree roots (paths) over which the caller holds `permission`."""
        if self.token_scopes is not None and permission not in self.token_scopes:
            return []
        return sorted({g.path for g in self.grants if permission in ROLE_PERMISSIONS[g.role]})
