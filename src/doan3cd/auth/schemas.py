"""Accounts, grants, API tokens and the caller's identity as the API shows them."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
)

from doan3cd.auth.passwords import MAX_LENGTH, MIN_LENGTH
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Role
from doan3cd.domain.text import nfc

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._@-]{1,63}$"


def normalise_username(value: str) -> str:
    """Usernames compare case-insensitively: stored and looked up trimmed and lowercase."""
    return nfc(value).lower()


def _non_blank(value: str) -> str:
    value = nfc(value)
    if not value:
        raise ValueError("must not be blank")
    return value


Username = Annotated[
    str,
    BeforeValidator(lambda v: normalise_username(v) if isinstance(v, str) else v),
    StringConstraints(pattern=USERNAME_PATTERN),
    Field(description="2–64 of a–z, 0–9, `.`, `_`, `@`, `-`; case-insensitive."),
]
DisplayName = Annotated[str, Field(max_length=255), AfterValidator(_non_blank)]
Password = Annotated[SecretStr, Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)]
ExpiresOn = Annotated[
    date | None,
    Field(description="First day (Vietnam time) on which it no longer applies; null: no expiry."),
]


class LoginForm(BaseModel):
    """OAuth2 password grant (RFC 6749 §4.3), sent as `application/x-www-form-urlencoded`."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"username": "admin", "password": "…"}]}
    )

    grant_type: Literal["password"] | None = None
    username: str = Field(max_length=256)
    password: SecretStr = Field(max_length=MAX_LENGTH)
    scope: str = Field(default="", description="Ignored: roles decide what a user may do.")


class AccessTokenRead(BaseModel):
    """OAuth2 token response (RFC 6749 §5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Seconds until the token expires.")


class GrantRead(BaseModel):
    role: Role
    unit_id: uuid.UUID | None = Field(description="Null for an admin grant over the whole tree.")
    unit_code: str | None
    unit_name: str | None
    whole_tree: bool
    expires_on: date | None


class MeRead(BaseModel):
    """Who the caller is, what it may do and over which subtrees."""

    kind: Literal["user", "token"]
    id: uuid.UUID
    name: str = Field(description="Username, or the API token's name.")
    display_name: str | None
    grants: list[GrantRead]
    permissions: list[Permission] = Field(description="Held over at least one subtree.")
    scopes: list[Permission] | None = Field(description="An API token's scopes; null for users.")


class UserCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "nguyenvanan",
                    "display_name": "Nguyễn Văn An",
                    "password": "correct horse battery staple",
                }
            ]
        },
    )

    username: Username
    display_name: DisplayName
    password: Password
    is_active: bool = True


class UserUpdate(BaseModel):
    """Merge patch: only the fields sent change. Deactivating ends the user's access at once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"is_active": False}, {"display_name": "Lê Thị Hằng"}]},
    )

    display_name: DisplayName | None = None
    is_active: bool | None = None
    password: Password | None = None


class UserRead(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


class RoleAssignmentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "user_id": "c2a4e1d0-7b5e-4c1a-8d3f-6e2b9a0f4d21",
                    "role": "manager",
                    "unit_id": "6f1c2b7e-3d4a-4e5f-9a8b-7c6d5e4f3a21",
                    "expires_on": "2027-12-31",
                }
            ]
        },
    )

    user_id: uuid.UUID
    role: Role
    unit_id: uuid.UUID | None = Field(
        default=None, description="The subtree's root unit; required except for admin."
    )
    expires_on: ExpiresOn = None


class RoleAssignmentRead(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    unit_id: uuid.UUID | None
    unit_code: str | None
    expires_on: date | None
    created_at: datetime


class ApiTokenCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "national membership sync",
                    "scopes": ["units:read", "members:read", "sync:read"],
                    "unit_id": "6f1c2b7e-3d4a-4e5f-9a8b-7c6d5e4f3a21",
                    "expires_on": "2027-06-30",
                }
            ]
        },
    )

    name: DisplayName
    scopes: list[Permission] = Field(min_length=1)
    unit_id: uuid.UUID = Field(description="The token acts within this unit's subtree.")
    expires_on: ExpiresOn = None


class ApiTokenRead(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The secret's first characters, to tell tokens apart.")
    scopes: list[Permission]
    unit_id: uuid.UUID
    unit_code: str
    expires_on: date | None
    revoked_at: datetime | None
    status: Literal["active", "expired", "revoked"]
    created_by: str
    created_at: datetime


class ApiTokenCreated(ApiTokenRead):
    secret: str = Field(
        description="Send as `Authorization: Bearer <secret>`. Shown this once: only a hash "
        "is kept."
    )
