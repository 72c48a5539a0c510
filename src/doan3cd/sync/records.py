"""The current, non-sensitive representation of records the feed offers, loaded set-based.

A unit's current version is its latest one that has started (today's, or the last before it
closed); a member sits where its branch's current version sits. Ethnicity, religion and national
ID never leave through sync.
"""

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import WHOLE_TREE_PATH, Principal
from doan3cd.auth.scope import in_scope
from doan3cd.clock import today
from doan3cd.models.member import Member
from doan3cd.models.unit import Unit, UnitVersion

RESOURCES = ("members", "units")

# Never "ethnicity", "religion" or "national_id": sensitive personal data stays out of sync.
MEMBER_FIELDS = (
    "full_name",
    "date_of_birth",
    "gender",
    "phone",
    "email",
    "address",
    "occupation",
    "education",
    "member_code",
    "card_number",
    "joined_on",
    "branch_id",
    "status",
    "status_changed_on",
    "party_admitted_on",
    "is_cadre",
)
UNIT_FIELDS = ("name", "short_name", "kind", "parent_id", "valid_to")


def current_version(version: Any, on: date) -> ColumnElement[bool]:
    """`version` (a UnitVersion alias) is its unit's latest version started on or before `on`."""
    later = aliased(UnitVersion)
    latest = (
        select(func.max(later.valid_from))
        .where(later.unit_id == version.unit_id, later.valid_from <= on)
        .scalar_subquery()
    )
    return version.valid_from == latest  # type: ignore[no-any-return]


def scope_filter(
    principal: Principal, permission: Permission, path: ColumnElement[Any]
) -> ColumnElement[bool] | None:
    """The subtree predicate, or None for a whole-tree caller (so rows without a path show)."""
    if WHOLE_TREE_PATH in principal.paths_for(permission):
        return None
    return in_scope(principal, permission, path)


def members_select(principal: Principal, permission: Permission) -> Select[Any]:
    branch = aliased(UnitVersion)
    stmt = (
        select(
            Member.id, Member.row_version, branch.path, *(getattr(Member, f) for f in MEMBER_FIELDS)
        )
        .join(branch, branch.unit_id == Member.branch_id)
        .where(current_version(branch, today()))
    )
    scope = scope_filter(principal, permission, branch.path.expression)
    return stmt if scope is None else stmt.where(scope)


def units_select(principal: Principal, permission: Permission) -> Select[Any]:
    version = aliased(UnitVersion)
    stmt = (
        select(
            Unit.id,
            Unit.row_version,
            Unit.code,
            version.path,
            *(getattr(version, f) for f in UNIT_FIELDS),
        )
        .join(version, version.unit_id == Unit.id)
        .where(current_version(version, today()))
    )
    scope = scope_filter(principal, permission, version.path.expression)
    return stmt if scope is None else stmt.where(scope)


SELECTS = {"members": members_select, "units": units_select}


def representation(resource: str, row: Any) -> dict[str, Any]:
    mapping = row._mapping
    fields = MEMBER_FIELDS if resource == "members" else ("code", *UNIT_FIELDS)
    data = {"id": mapping["id"], "version": mapping["row_version"]}
    data.update({f: mapping[f] for f in fields})
    return data


async def load(
    session: AsyncSession,
    principal: Principal,
    resource: str,
    ids: Iterable[uuid.UUID],
    permission: Permission = Permission.sync_read,
) -> dict[uuid.UUID, dict[str, Any]]:
    """The current representation of the given records still in the caller's scope: one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = SELECTS[resource](principal, permission)
    id_column = Member.id if resource == "members" else Unit.id
    rows = await session.execute(stmt.where(id_column.in_(wanted)))
    return {row.id: representation(resource, row) for row in rows}
