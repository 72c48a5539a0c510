"""Logging in, and turning credentials into a Principal (the hot path: one query)."""

import uuid
from datetime import date

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from doan3cd import audit, clock
from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError
from doan3cd.auth import passwords, throttle
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import WHOLE_TREE_PATH, WHOLE_TREE_UNIT_ID, Grant, Principal, Role
from doan3cd.auth.schemas import GrantRead, MeRead, normalise_username
from doan3cd.auth.tokens import (
    AccessToken,
    access_token_subject,
    api_token_hash,
    is_api_token,
    issue_access_token,
    not_authenticated,
    token_expired,
    token_revoked,
)
from doan3cd.config import Settings
from doan3cd.db.types import utcnow
from doan3cd.models.unit import Unit, UnitVersion
from doan3cd.models.user import ApiToken, RoleAssignment, User


def current_version(
    unit_id: SQLColumnExpression[uuid.UUID | None], today: date
) -> ColumnElement[bool]:
    """Join condition: the version of `unit_id` valid on `today`."""
    return and_(
        UnitVersion.unit_id == unit_id,
        UnitVersion.valid_from <= today,
        or_(UnitVersion.valid_to.is_(None), UnitVersion.valid_to > today),
    )


def not_expired(expires_on: SQLColumnExpression[date | None], today: date) -> ColumnElement[bool]:
    return or_(expires_on.is_(None), expires_on > today)


async def resolve_token(session: AsyncSession, token: str, settings: Settings) -> Principal:
    """A login access token or an API token → Principal; 401 problems otherwise."""
    if is_api_token(token):
        return await _api_token_principal(session, token)
    return await _user_principal(session, access_token_subject(token, settings))


async def _user_principal(session: AsyncSession, user_id: uuid.UUID) -> Principal:
    today = clock.today()
    rows = (
        await session.execute(
            select(
                User.username,
                RoleAssignment.role,
                RoleAssignment.unit_id,
                RoleAssignment.expires_on,
                UnitVersion.path,
            )
            .outerjoin(
                RoleAssignment,
                and_(
                    RoleAssignment.user_id == User.id,
                    not_expired(RoleAssignment.expires_on, today),
                ),
            )
            .outerjoin(UnitVersion, current_version(RoleAssignment.unit_id, today))
            .where(User.id == user_id, User.is_active.is_(True))
        )
    ).all()
    if not rows:
        raise not_authenticated()
    grants = []
    for row in rows:
        if row.role == Role.admin:
            grants.append(
                Grant(
                    Role.admin, row.unit_id or WHOLE_TREE_UNIT_ID, WHOLE_TREE_PATH, row.expires_on
                )
            )
        elif row.role is not None and row.path is not None:  # a closed unit grants nothing
            grants.append(Grant(Role(row.role), row.unit_id, row.path, row.expires_on))
    return Principal(id=user_id, kind="user", name=rows[0].username, grants=tuple(grants))


async def _api_token_principal(session: AsyncSession, secret: str) -> Principal:
    today = clock.today()
    row = (
        await session.execute(
            select(
                ApiToken.id,
                ApiToken.name,
                ApiToken.scopes,
                ApiToken.unit_id,
                ApiToken.expires_on,
                ApiToken.revoked_at,
                UnitVersion.path,
            )
            .outerjoin(UnitVersion, current_version(ApiToken.unit_id, today))
            .where(ApiToken.secret_hash == api_token_hash(secret))
        )
    ).one_or_none()
    if row is None:
        raise not_authenticated()
    if row.revoked_at is not None:
        raise token_revoked()
    if row.expires_on is not None and row.expires_on <= today:
        raise token_expired()
    grants = () if row.path is None else (Grant(Role.integration, row.unit_id, row.path),)
    return Principal(
        id=row.id, kind="token", name=row.name, grants=grants, token_scopes=frozenset(row.scopes)
    )


def _rate_limited(retry_after: int) -> ProblemError:
    return ProblemError(
        429,
        "login_rate_limited",
        Text(
            "Đăng nhập sai quá nhiều lần; hãy thử lại sau {seconds} giây.",
            "Too many failed logins; try again in {seconds} seconds.",
        ).format(seconds=retry_after),
        headers={"Retry-After": str(retry_after)},
    )


def _invalid_credentials() -> ProblemError:
    return ProblemError(
        401,
        "invalid_credentials",
        Text("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
        headers={"WWW-Authenticate": "Bearer"},
    )


async def login(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    username: str,
    password: str,
    address: str,
) -> AccessToken:
    """Check a username and password and issue an access token.

    Runs its own short transactions (not the request's) so that a failed attempt stays counted
    and audited although the request answers with an error, and no transaction stays open
    while the password hash is computed.
    """
    username = normalise_username(username)
    keys = throttle.throttle_keys(username, address)
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        attempts = await throttle.count_attempt(session, keys, now)
        user = None
        if attempts <= settings.login_attempts_per_minute:
            user = (
                await session.execute(
                    select(User.id, User.username, User.password_hash, User.is_active).where(
                        User.username == username
                    )
                )
            ).one_or_none()
    if attempts > settings.login_attempts_per_minute:
        raise _rate_limited(throttle.retry_after_seconds(utcnow()))
    valid = await passwords.verify_password(user.password_hash if user else None, password)
    async with sessionmaker() as session, session.begin():
        if user is None:
            audit.record(session, audit.ANONYMOUS, "login_failed", "users", None)
        elif not (valid and user.is_active):
            actor = audit.SystemActor("anonymous", user.username)
            audit.record(session, actor, "login_failed", "users", user.id)
        else:
            await throttle.forgive_attempt(session, keys, now)
            actor = audit.SystemActor(f"user:{user.id}", user.username)
            audit.record(session, actor, "login", "users", user.id)
            if passwords.needs_rehash(user.password_hash):
                stored = await session.get_one(User, user.id)
                stored.password_hash = await passwords.hash_password(password)
    if user is None or not (valid and user.is_active):
        raise _invalid_credentials()
    return issue_access_token(user.id, settings)


async def describe(session: AsyncSession, principal: Principal) -> MeRead:
    """The caller's identity, grants (with unit codes and names) and permissions."""
    today = clock.today()
    unit_ids = {g.unit_id for g in principal.grants} - {WHOLE_TREE_UNIT_ID}
    units = {
        row.id: row
        for row in await session.execute(
            select(Unit.id, Unit.code, UnitVersion.name)
            .outerjoin(UnitVersion, current_version(Unit.id, today))
            .where(Unit.id.in_(unit_ids))
        )
    }
    display_name = None
    if principal.kind == "user":
        display_name = await session.scalar(
            select(User.display_name).where(User.id == principal.id)
        )
    grants = []
    for grant in sorted(principal.grants, key=lambda g: (g.role, g.path)):
        unit = units.get(grant.unit_id)
        grants.append(
            GrantRead(
                role=grant.role,
                unit_id=unit.id if unit else None,
                unit_code=unit.code if unit else None,
                unit_name=unit.name if unit else None,
                whole_tree=grant.path == WHOLE_TREE_PATH,
                expires_on=grant.expires_on,
            )
        )
    return MeRead(
        kind=principal.kind,
        id=principal.id,
        name=principal.name,
        display_name=display_name,
        grants=grants,
        permissions=[p for p in Permission if principal.allows(p)],
        scopes=None
        if principal.token_scopes is None
        else sorted(Permission(s) for s in principal.token_scopes),
    )
