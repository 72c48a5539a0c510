"""Route guards. Every operation declares its policy with `require(...)` or `public()`.

`require(Permission.x)` resolves the caller (401 without valid credentials), refuses callers that
hold the permission nowhere (403), and hands the `Principal` to the route; services then narrow
every query with `auth.scope.in_scope(...)`.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.db.session import SessionDep

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def resolve_principal(request: Request, session: SessionDep, token: str) -> Principal | None:
    """Turn a bearer token (login access token or API token) into a Principal, or None."""
    raise NotImplementedError("implemented by the access-control issue")


async def current_principal(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    principal = await resolve_principal(request, session, token) if token else None
    if principal is None:
        raise ProblemError(
            401,
            "not_authenticated",
            Text("Cần đăng nhập hoặc token hợp lệ.", "A valid login or API token is required."),
            headers={"WWW-Authenticate": "Bearer"},
        )
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
