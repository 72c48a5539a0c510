"""The authenticated caller: a user with role grants, or an API token with scopes."""

import uuid
from dataclasses import dataclass, field
from datetime import date
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


# An admin's grant covers the whole tree and needs no unit: its path is the root of every path.
WHOLE_TREE_PATH = "/"
WHOLE_TREE_UNIT_ID = uuid.UUID(int=0)


@dataclass(frozen=True, slots=True)
class Grant:
    """A role over the subtree of one unit; `path` is that unit's path in today's tree.

    Admin grants have `path` WHOLE_TREE_PATH and, when given without a unit, `unit_id`
    WHOLE_TREE_UNIT_ID. `expires_on` is the first day the grant no longer applies.
    """

    role: Role
    unit_id: uuid.UUID
    path: str
    expires_on: date | None = None


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
