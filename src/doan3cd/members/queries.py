"""Core selects behind member reads: scope is the branch's path in today's tree."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.orm import aliased

from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import in_scope, subtree_of
from doan3cd.domain.text import fold
from doan3cd.models.member import Member, MemberExternalId
from doan3cd.models.unit import UnitVersion

RowSelect = Select[*tuple[Any, ...]]
M = Member
# The branch's version in force today: members are scoped by where their branch sits now.
BranchNow = aliased(UnitVersion, name="branch_now")

PUBLIC_COLUMNS = (
    M.id,
    M.full_name,
    M.date_of_birth,
    M.gender,
    M.phone,
    M.email,
    M.address,
    M.occupation,
    M.education,
    M.member_code,
    M.card_number,
    M.joined_on,
    M.branch_id,
    M.status,
    M.status_changed_on,
    M.party_admitted_on,
    M.is_cadre,
    M.row_version.label("revision"),
)
SENSITIVE_COLUMNS = (M.ethnicity, M.religion, M.national_id)
EXTERNAL_SEPARATOR = "\x1f"
ROW_SEPARATOR = "\x1e"
JOINED_KEY = func.coalesce(M.joined_on, date(1, 1, 1)).label("joined_key")


def current_on(version: Any, on: date) -> ColumnElement[bool]:
    return and_(version.valid_from <= on, or_(version.valid_to.is_(None), version.valid_to > on))


def scoped(stmt: RowSelect, principal: Principal, permission: Permission, on: date) -> RowSelect:
    """Join the branch's current version and keep members in the caller's subtrees."""
    return stmt.join(
        BranchNow, and_(BranchNow.unit_id == M.branch_id, current_on(BranchNow, on))
    ).where(in_scope(principal, permission, BranchNow.path.expression))


def external_ids_column(dialect: str) -> ColumnElement[Any]:
    """Every (source, external id) of the member packed in one string, so a read stays one query."""
    pair = MemberExternalId.source + literal(EXTERNAL_SEPARATOR) + MemberExternalId.external_id
    aggregate = (
        func.string_agg(pair, literal(ROW_SEPARATOR))
        if dialect == "postgresql"
        else func.group_concat(pair, literal(ROW_SEPARATOR))
    )
    return (
        select(aggregate)
        .where(MemberExternalId.member_id == M.id)
        .correlate(M)
        .scalar_subquery()
        .label("external_ids_packed")
    )


def unpack_external_ids(packed: str | None) -> list[dict[str, str]]:
    if not packed:
        return []
    pairs = (item.split(EXTERNAL_SEPARATOR, 1) for item in packed.split(ROW_SEPARATOR))
    return [{"source": s, "external_id": e} for s, e in sorted(pairs)]


def member_select(principal: Principal, dialect: str, on: date) -> RowSelect:
    """Members the caller may read, with sensitive columns and whether the caller may see them."""
    stmt = select(
        *PUBLIC_COLUMNS,
        *SENSITIVE_COLUMNS,
        external_ids_column(dialect),
        in_scope(principal, Permission.members_sensitive, BranchNow.path.expression).label(
            "may_see_sensitive"
        ),
        BranchNow.path.label("branch_path"),
        M.name_sort_key,
        JOINED_KEY,
    )
    return scoped(stmt, principal, Permission.members_read, on)


def list_statement(
    principal: Principal,
    dialect: str,
    on: date,
    *,
    within_path: str | None,
    branch_id: uuid.UUID | None,
    status: str | None,
    q: str | None,
) -> RowSelect:
    stmt = member_select(principal, dialect, on)
    if within_path is not None:
        stmt = stmt.where(subtree_of([within_path], BranchNow.path.expression))
    if branch_id is not None:
        stmt = stmt.where(M.branch_id == branch_id)
    if status is not None:
        stmt = stmt.where(M.status == status)
    if q:
        stmt = stmt.where(
            or_(
                M.name_folded.contains(fold(q), autoescape=True), M.member_code == q.strip().upper()
            )
        )
    return stmt
