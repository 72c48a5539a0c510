"""Route guards: every operation declares `require(...)`, `authenticated()` or `public()`.

`require(Permission.x)` resolves the caller (401 without valid credentials), refuses callers that
hold the permission nowhere (403), and hands the `Principal` to the route; services then narrow
every query with `auth.scope.in_scope(...)`. `authenticated()` admits any valid caller (e.g.
`GET /auth/me`); `public()` marks an operation open to anonymous callers on purpose. A test walks
the app's routes and fails for any operation that declares none of them.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer

from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.auth.service import resolve_token
from doan3cd.auth.tokens import not_authenticated
from doan3cd.db.session import SessionDep

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="People: log in with username and password for a short-lived access token.",
)
# The same header also carries integration tokens; declared so the docs offer a field for them.
api_token_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="Integrations: an API token (`d3cd_…`) created by an admin.",
)


async def resolve_principal(request: Request, session: SessionDep, token: str) -> Principal | None:
    """Turn a bearer token (login access token or API token) into a Principal.

    Answers 401 problems itself (`not_authenticated`, `token_expired`, `token_revoked`).
    One database query.
    """
    return await resolve_token(session, token, request.app.state.settings)


async def current_principal(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    _api_token: Annotated[HTTPAuthorizationCredentials | None, Depends(api_token_scheme)],
) -> Principal:
    principal = await resolve_principal(request, session, token) if token else None
    if principal is None:
        raise not_authenticated()
    request.state.principal_key = principal.key
    return principal


class Require:
    """A dependency that demands one permission; its presence is the route's declared policy."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(
        self, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        if not principal.allows(self.permission):
            raise ProblemError(
                403,
                "forbidden",
                Text(
                    "Bạn không có quyền {permission}.", "You lack the {permission} permission."
                ).format(permission=self.permission.value),
            )
        return principal


def require(permission: Permission) -> Require:
    return Require(permission)


class Authenticated:
    """Policy: any valid caller, whatever its roles."""

    async def __call__(
        self, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        return principal


class Public:
    """Policy: open to anonymous callers, on purpose."""

    async def __call__(self) -> None:
        return None


_AUTHENTICATED = Authenticated()
_PUBLIC = Public()


def authenticated() -> Authenticated:
    return _AUTHENTICATED


def public() -> Public:
    """Use as `dependencies=[Depends(public())]` on an operation anyone may call."""
    return _PUBLIC
