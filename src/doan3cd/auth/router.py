"""HTTP for logging in, the caller's identity, users, role assignments and API tokens."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response

from doan3cd.api.etag import check_if_match, etag_response
from doan3cd.api.idempotency import IdempotencyDep
from doan3cd.api.pagination import Page, PageDep, page_of
from doan3cd.api.problems import problem_responses
from doan3cd.auth import accounts, service
from doan3cd.auth.dependencies import authenticated, public, require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal, Role
from doan3cd.auth.schemas import (
    AccessTokenRead,
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    LoginForm,
    MeRead,
    RoleAssignmentCreate,
    RoleAssignmentRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from doan3cd.db.session import SessionDep

AdminDep = Annotated[Principal, Depends(require(Permission.users_admin))]
GUARDED = problem_responses(401, 403)

auth_router = APIRouter(prefix="/auth", tags=["auth"])
users_router = APIRouter(prefix="/users", tags=["users"], responses=GUARDED)
role_assignments_router = APIRouter(
    prefix="/role-assignments", tags=["role-assignments"], responses=GUARDED
)
api_tokens_router = APIRouter(prefix="/api-tokens", tags=["api-tokens"], responses=GUARDED)


@auth_router.post(
    "/token",
    name="token",
    response_model=AccessTokenRead,
    dependencies=[Depends(public())],
    responses=problem_responses(401, 429),
)
async def token(
    request: Request, form: Annotated[LoginForm, Form()], response: Response
) -> AccessTokenRead:
    """Log in with a username and password (OAuth2 password form); get a short-lived access token.

    Failed attempts are limited per username and per client address (429 with `Retry-After`).
    """
    issued = await service.login(
        request.app.state.sessionmaker,
        request.app.state.settings,
        form.username,
        form.password.get_secret_value(),
        request.client.host if request.client else "unknown",
    )
    response.headers["Cache-Control"] = "no-store"
    return AccessTokenRead(access_token=issued.token, expires_in=issued.expires_in)


@auth_router.get("/me", name="me", response_model=MeRead, responses=problem_responses(401))
async def me(
    session: SessionDep, principal: Annotated[Principal, Depends(authenticated())]
) -> MeRead:
    """The caller: user or API token, its grants with unit codes, and its permissions."""
    return await service.describe(session, principal)


# --- users -------------------------------------------------------------------------------------


@users_router.get("", name="list", response_model=Page[UserRead])
async def list_users(
    request: Request,
    response: Response,
    session: SessionDep,
    page: PageDep,
    _: AdminDep,
    is_active: Annotated[bool | None, Query(description="Only active or inactive users.")] = None,
) -> Page[UserRead]:
    items, cursor, total = await accounts.list_users(session, page, is_active)
    return page_of(request, response, items, cursor, total)


@users_router.post(
    "",
    name="create",
    status_code=201,
    response_model=UserRead,
    responses=problem_responses(409),
)
async def create_user(
    request: Request, session: SessionDep, body: UserCreate, principal: AdminDep
) -> Response:
    """Create an account (no roles yet: add them with `POST /role-assignments`).

    A retry answers 409 `username_taken`; no `Idempotency-Key` here, so that no copy of the
    request (which holds the password) is kept.
    """
    user = await accounts.create_user(session, principal, body)
    return etag_response(
        request, user, status_code=201, headers={"Location": f"{request.url.path}/{user.id}"}
    )


@users_router.get(
    "/{user_id}", name="get", response_model=UserRead, responses=problem_responses(404)
)
async def get_user(
    request: Request, session: SessionDep, user_id: uuid.UUID, _: AdminDep
) -> Response:
    return etag_response(request, await accounts.get_user(session, user_id))


@users_router.patch(
    "/{user_id}",
    name="update",
    response_model=UserRead,
    responses=problem_responses(404, 409, 412),
)
async def update_user(
    request: Request, session: SessionDep, user_id: uuid.UUID, body: UserUpdate, principal: AdminDep
) -> Response:
    """Rename, deactivate (`is_active: false`, effective at once) or set a new password."""
    user = await accounts.update_user(
        session, principal, user_id, body, lambda current: check_if_match(request, current)
    )
    return etag_response(request, user)


# --- role assignments --------------------------------------------------------------------------


@role_assignments_router.get("", name="list", response_model=Page[RoleAssignmentRead])
async def list_role_assignments(
    request: Request,
    response: Response,
    session: SessionDep,
    page: PageDep,
    _: AdminDep,
    user_id: uuid.UUID | None = None,
    unit_id: uuid.UUID | None = None,
    role: Role | None = None,
) -> Page[RoleAssignmentRead]:
    items, cursor, total = await accounts.list_assignments(
        session, page, user_id=user_id, unit_id=unit_id, role=role
    )
    return page_of(request, response, items, cursor, total)


@role_assignments_router.post(
    "",
    name="create",
    status_code=201,
    response_model=RoleAssignmentRead,
    responses=problem_responses(409),
)
async def create_role_assignment(
    request: Request,
    session: SessionDep,
    body: RoleAssignmentCreate,
    principal: AdminDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Grant a role over the subtree below a unit (admins: the whole tree), optionally until
    `expires_on`. The subtree is the unit's as of each request: moves take effect at once."""
    if (replay := await idempotency.replay()) is not None:
        return replay
    assignment = await accounts.create_assignment(session, principal, body)
    return await idempotency.remember(
        etag_response(
            request,
            assignment,
            status_code=201,
            headers={"Location": f"{request.url.path}/{assignment.id}"},
        )
    )


@role_assignments_router.get(
    "/{assignment_id}",
    name="get",
    response_model=RoleAssignmentRead,
    responses=problem_responses(404),
)
async def get_role_assignment(
    request: Request, session: SessionDep, assignment_id: uuid.UUID, _: AdminDep
) -> Response:
    return etag_response(request, await accounts.get_assignment(session, assignment_id))


@role_assignments_router.delete(
    "/{assignment_id}", name="delete", status_code=204, responses=problem_responses(404, 409)
)
async def delete_role_assignment(
    session: SessionDep, assignment_id: uuid.UUID, principal: AdminDep
) -> Response:
    """Withdraw a grant; it stops applying at the user's next request."""
    await accounts.delete_assignment(session, principal, assignment_id)
    return Response(status_code=204)


# --- API tokens --------------------------------------------------------------------------------


@api_tokens_router.get("", name="list", response_model=Page[ApiTokenRead])
async def list_api_tokens(
    request: Request, response: Response, session: SessionDep, page: PageDep, _: AdminDep
) -> Page[ApiTokenRead]:
    """All tokens, without their secrets."""
    items, cursor, total = await accounts.list_api_tokens(session, page)
    return page_of(request, response, items, cursor, total)


@api_tokens_router.post("", name="create", status_code=201, response_model=ApiTokenCreated)
async def create_api_token(
    request: Request, session: SessionDep, body: ApiTokenCreate, principal: AdminDep
) -> Response:
    """Issue a token for an integration: named scopes within one unit's subtree.

    The `secret` is in this response only; store it now. No `Idempotency-Key` here, so that no
    copy of the secret is kept: a retried request issues a second token (revoke the extra one).
    """
    created = await accounts.create_api_token(session, principal, body)
    return etag_response(
        request,
        created,
        status_code=201,
        headers={"Location": f"{request.url.path}/{created.id}", "Cache-Control": "no-store"},
    )


@api_tokens_router.get(
    "/{token_id}", name="get", response_model=ApiTokenRead, responses=problem_responses(404)
)
async def get_api_token(
    request: Request, session: SessionDep, token_id: uuid.UUID, _: AdminDep
) -> Response:
    return etag_response(request, await accounts.get_api_token(session, token_id))


@api_tokens_router.post(
    "/{token_id}/revoke",
    name="revoke",
    response_model=ApiTokenRead,
    responses=problem_responses(404),
)
async def revoke_api_token(
    request: Request, session: SessionDep, token_id: uuid.UUID, principal: AdminDep
) -> Response:
    """Revoke at once (repeatable). The token then answers 401 `token_revoked`."""
    return etag_response(request, await accounts.revoke_api_token(session, principal, token_id))


@api_tokens_router.delete(
    "/{token_id}", name="delete", status_code=204, responses=problem_responses(404)
)
async def delete_api_token(
    session: SessionDep, token_id: uuid.UUID, principal: AdminDep
) -> Response:
    """The same as revoking; the record stays (revoked) for the audit trail."""
    await accounts.revoke_api_token(session, principal, token_id)
    return Response(status_code=204)


routers = [auth_router, users_router, role_assignments_router, api_tokens_router]
