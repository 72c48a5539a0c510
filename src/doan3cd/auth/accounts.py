"""Use cases for admins: users, role assignments and integration API tokens.

Every write leaves an audit event in the same transaction.
"""

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd import audit, clock
from doan3cd.api.i18n import Text
from doan3cd.api.pagination import PageParams, keyset_page
from doan3cd.api.problems import FieldError, ProblemError
from doan3cd.auth import passwords
from doan3cd.auth.permissions import ROLE_PERMISSIONS, Permission
from doan3cd.auth.principal import Role
from doan3cd.auth.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    RoleAssignmentCreate,
    RoleAssignmentRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from doan3cd.auth.service import current_version, not_expired
from doan3cd.auth.tokens import API_TOKEN_SHOWN_PREFIX, api_token_hash, new_api_token_secret
from doan3cd.db.types import utcnow
from doan3cd.models.unit import Unit, UnitVersion
from doan3cd.models.user import ApiToken, RoleAssignment, User

USERS = "users"
ROLE_ASSIGNMENTS = "role-assignments"
API_TOKENS = "api-tokens"
TOKEN_SCOPES = ROLE_PERMISSIONS[Role.integration]

Page = tuple[list[Any], str | None, int | None]


def _invalid(field: str, code: str, detail: Text) -> ProblemError:
    return ProblemError(
        422,
        code,
        detail,
        errors=[FieldError(loc=["body", field], pointer=f"/{field}", code=code, message=detail.en)],
    )


def user_not_found() -> ProblemError:
    return ProblemError(404, "user_not_found", Text("Không tìm thấy tài khoản.", "No such user."))


def _check_expiry(expires_on: date | None) -> None:
    if expires_on is not None and expires_on <= clock.today():
        raise _invalid(
            "expires_on",
            "expires_on_past",
            Text("Ngày hết hạn phải sau hôm nay.", "expires_on must be after today."),
        )


async def _require_current_unit(session: AsyncSession, unit_id: uuid.UUID) -> None:
    found = await session.scalar(
        select(Unit.id)
        .join(UnitVersion, current_version(Unit.id, clock.today()))
        .where(Unit.id == unit_id)
    )
    if found is None:
        raise _invalid(
            "unit_id",
            "unit_not_found",
            Text(
                "Không có tổ chức Đoàn đang hoạt động với mã này.", "No current unit has this id."
            ),
        )


# --- users -------------------------------------------------------------------------------------

USER_COLUMNS = [getattr(User, name) for name in UserRead.model_fields]


async def list_users(session: AsyncSession, page: PageParams, is_active: bool | None) -> Page:
    stmt = select(*USER_COLUMNS)
    if is_active is not None:
        stmt = stmt.where(User.is_active.is_(is_active))
    rows, cursor, total = await keyset_page(
        session,
        stmt,
        [User.username.expression, User.id.expression],
        page,
        cursor_types=[str, uuid.UUID],
    )
    return [UserRead.model_validate(r, from_attributes=True) for r in rows], cursor, total


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> UserRead:
    row = (await session.execute(select(*USER_COLUMNS).where(User.id == user_id))).one_or_none()
    if row is None:
        raise user_not_found()
    return UserRead.model_validate(row, from_attributes=True)


async def create_user(session: AsyncSession, actor: audit.Actor, data: UserCreate) -> UserRead:
    taken = await session.scalar(select(User.id).where(User.username == data.username))
    if taken is not None:
        raise ProblemError(
            409,
            "username_taken",
            Text("Tên đăng nhập đã được dùng.", "This username is already taken."),
        )
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=await passwords.hash_password(data.password.get_secret_value()),
        is_active=data.is_active,
    )
    session.add(user)
    await session.flush()
    audit.record(session, actor, "create", USERS, user.id, fields=UserCreate.model_fields)
    return UserRead.model_validate(user, from_attributes=True)


async def update_user(
    session: AsyncSession,
    actor: audit.Actor,
    user_id: uuid.UUID,
    patch: UserUpdate,
    precondition: Callable[[UserRead], None],
) -> UserRead:
    """Merge-patch a user; `precondition` sees the current version first (If-Match)."""
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise user_not_found()
    precondition(UserRead.model_validate(user, from_attributes=True))
    changed = []
    if patch.display_name is not None and patch.display_name != user.display_name:
        user.display_name = patch.display_name
        changed.append("display_name")
    if patch.is_active is not None and patch.is_active != user.is_active:
        if not patch.is_active:
            await _keep_an_admin(session, RoleAssignment.user_id != user.id, user_id=user.id)
        user.is_active = patch.is_active
        changed.append("is_active")
    if patch.password is not None:
        user.password_hash = await passwords.hash_password(patch.password.get_secret_value())
        changed.append("password")
    if changed:
        await session.flush()
        audit.record(session, actor, "update", USERS, user.id, fields=changed)
    return UserRead.model_validate(user, from_attributes=True)


async def _keep_an_admin(session: AsyncSession, other: Any, *, user_id: uuid.UUID) -> None:
    """Refuse a change that would leave no active admin, when `user_id` is one now."""
    today = clock.today()
    effective_admins = (
        select(func.count())
        .select_from(RoleAssignment)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == Role.admin,
            not_expired(RoleAssignment.expires_on, today),
            User.is_active.is_(True),
        )
    )
    is_admin = await session.scalar(effective_admins.where(RoleAssignment.user_id == user_id))
    if is_admin and not await session.scalar(effective_admins.where(other)):
        raise ProblemError(
            409,
            "last_admin",
            Text(
                "Không thể bỏ quyền của quản trị viên cuối cùng.",
                "This would leave no active admin.",
            ),
        )


# --- role assignments --------------------------------------------------------------------------


def _assignment_select() -> Select[*tuple[Any, ...]]:
    return select(
        RoleAssignment.id,
        RoleAssignment.user_id,
        RoleAssignment.role,
        RoleAssignment.unit_id,
        Unit.code.label("unit_code"),
        RoleAssignment.expires_on,
        RoleAssignment.created_at,
    ).outerjoin(Unit, Unit.id == RoleAssignment.unit_id)


def assignment_not_found() -> ProblemError:
    return ProblemError(
        404,
        "role_assignment_not_found",
        Text("Không tìm thấy phân quyền.", "No such role assignment."),
    )


async def list_assignments(
    session: AsyncSession,
    page: PageParams,
    *,
    user_id: uuid.UUID | None,
    unit_id: uuid.UUID | None,
    role: Role | None,
) -> Page:
    stmt = _assignment_select()
    if user_id is not None:
        stmt = stmt.where(RoleAssignment.user_id == user_id)
    if unit_id is not None:
        stmt = stmt.where(RoleAssignment.unit_id == unit_id)
    if role is not None:
        stmt = stmt.where(RoleAssignment.role == role)
    rows, cursor, total = await keyset_page(
        session, stmt, [RoleAssignment.id.expression], page, cursor_types=[uuid.UUID]
    )
    return [RoleAssignmentRead.model_validate(r, from_attributes=True) for r in rows], cursor, total


async def get_assignment(session: AsyncSession, assignment_id: uuid.UUID) -> RoleAssignmentRead:
    row = (
        await session.execute(_assignment_select().where(RoleAssignment.id == assignment_id))
    ).one_or_none()
    if row is None:
        raise assignment_not_found()
    return RoleAssignmentRead.model_validate(row, from_attributes=True)


async def create_assignment(
    session: AsyncSession, actor: audit.Actor, data: RoleAssignmentCreate
) -> RoleAssignmentRead:
    if await session.get(User, data.user_id) is None:
        raise _invalid(
            "user_id", "user_not_found", Text("Không tìm thấy tài khoản.", "No such user.")
        )
    if data.unit_id is not None:
        await _require_current_unit(session, data.unit_id)
    elif data.role != Role.admin:
        raise _invalid(
            "unit_id",
            "unit_required",
            Text(
                "Vai trò này cần một tổ chức Đoàn (phạm vi là cây bên dưới).",
                "This role needs a unit (its subtree is the scope).",
            ),
        )
    _check_expiry(data.expires_on)
    duplicate = await session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.user_id == data.user_id,
            RoleAssignment.role == data.role,
            RoleAssignment.unit_id.is_(None)
            if data.unit_id is None
            else RoleAssignment.unit_id == data.unit_id,
        )
    )
    if duplicate is not None:
        raise ProblemError(
            409,
            "role_assignment_exists",
            Text(
                "Tài khoản đã có vai trò này tại tổ chức này.",
                "The user already holds this role on this unit.",
            ),
        )
    assignment = RoleAssignment(
        user_id=data.user_id, role=data.role, unit_id=data.unit_id, expires_on=data.expires_on
    )
    session.add(assignment)
    await session.flush()
    audit.record(
        session,
        actor,
        "create",
        ROLE_ASSIGNMENTS,
        assignment.id,
        fields=data.model_fields_set | {"user_id", "role"},
    )
    return await get_assignment(session, assignment.id)


async def delete_assignment(
    session: AsyncSession, actor: audit.Actor, assignment_id: uuid.UUID
) -> None:
    assignment = await session.get(RoleAssignment, assignment_id, with_for_update=True)
    if assignment is None:
        raise assignment_not_found()
    if assignment.role == Role.admin:
        await _keep_an_admin(
            session, RoleAssignment.id != assignment.id, user_id=assignment.user_id
        )
    await session.delete(assignment)
    await session.flush()
    audit.record(session, actor, "delete", ROLE_ASSIGNMENTS, assignment_id)


# --- API tokens --------------------------------------------------------------------------------


def _token_select() -> Select[*tuple[Any, ...]]:
    return select(
        ApiToken.id,
        ApiToken.name,
        ApiToken.prefix,
        ApiToken.scopes,
        ApiToken.unit_id,
        Unit.code.label("unit_code"),
        ApiToken.expires_on,
        ApiToken.revoked_at,
        ApiToken.created_by,
        ApiToken.created_at,
    ).join(Unit, Unit.id == ApiToken.unit_id)


def _token_read(row: Any) -> ApiTokenRead:
    status = "active"
    if row.revoked_at is not None:
        status = "revoked"
    elif row.expires_on is not None and row.expires_on <= clock.today():
        status = "expired"
    return ApiTokenRead.model_validate(
        {**row._mapping, "status": status, "scopes": sorted(row.scopes)}
    )


def api_token_not_found() -> ProblemError:
    return ProblemError(
        404, "api_token_not_found", Text("Không tìm thấy API token.", "No such API token.")
    )


async def list_api_tokens(session: AsyncSession, page: PageParams) -> Page:
    rows, cursor, total = await keyset_page(
        session, _token_select(), [ApiToken.id.expression], page, cursor_types=[uuid.UUID]
    )
    return [_token_read(r) for r in rows], cursor, total


async def get_api_token(session: AsyncSession, token_id: uuid.UUID) -> ApiTokenRead:
    row = (await session.execute(_token_select().where(ApiToken.id == token_id))).one_or_none()
    if row is None:
        raise api_token_not_found()
    return _token_read(row)


async def create_api_token(
    session: AsyncSession, actor: audit.Actor, data: ApiTokenCreate
) -> ApiTokenCreated:
    refused = sorted(set(data.scopes) - TOKEN_SCOPES)
    if refused:
        raise _invalid(
            "scopes",
            "token_scope_not_allowed",
            Text(
                "API token không được mang quyền: {scopes}.",
                "API tokens cannot carry these scopes: {scopes}.",
            ).format(scopes=", ".join(refused)),
        )
    await _require_current_unit(session, data.unit_id)
    _check_expiry(data.expires_on)
    secret = new_api_token_secret()
    token = ApiToken(
        name=data.name,
        prefix=secret[:API_TOKEN_SHOWN_PREFIX],
        secret_hash=api_token_hash(secret),
        scopes=sorted({Permission(s).value for s in data.scopes}),
        unit_id=data.unit_id,
        expires_on=data.expires_on,
        created_by=actor.key,
    )
    session.add(token)
    await session.flush()
    audit.record(session, actor, "create", API_TOKENS, token.id, fields=data.model_fields_set)
    read = await get_api_token(session, token.id)
    return ApiTokenCreated(**read.model_dump(), secret=secret)


async def revoke_api_token(
    session: AsyncSession, actor: audit.Actor, token_id: uuid.UUID
) -> ApiTokenRead:
    """Revoke at once; revoking again changes nothing. The row stays for the audit trail."""
    token = await session.get(ApiToken, token_id, with_for_update=True)
    if token is None:
        raise api_token_not_found()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await session.flush()
        audit.record(session, actor, "revoke", API_TOKENS, token.id, fields=["revoked_at"])
    return await get_api_token(session, token_id)
