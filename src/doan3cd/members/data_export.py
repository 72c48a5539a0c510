"""Data-subject access: everything held about one member, as one JSON document."""

import uuid
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.audit.service import record
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.clock import today
from doan3cd.members import store
from doan3cd.members.service import get_member, holds_over
from doan3cd.models.audit import AuditEvent
from doan3cd.models.base_rows import rows_of
from doan3cd.models.evidence import PartyReferral, WelfareCase
from doan3cd.models.member import (
    MemberExternalId,
    MemberPosition,
    MembershipPeriod,
    MemberStatusChange,
    Transfer,
)

Rows = list[dict[str, Any]]


class DataExport(BaseModel):
    """Everything held about the person. `welfare_cases` only for welfare:read holders."""

    member: dict[str, Any]
    external_ids: Rows
    membership_periods: Rows
    status_history: Rows
    positions: Rows
    transfers: Rows
    party_referrals: Rows
    welfare_cases: Rows | None = Field(default=None)
    audit_trail: Rows = Field(description="Who did what to the record (field names only).")


async def export_member(
    session: AsyncSession, principal: Principal, member_id: uuid.UUID
) -> DataExport:
    locked = await store.lock_member(
        session, principal, member_id, today(), Permission.members_read
    )
    member = await get_member(session, principal, member_id)
    own = {
        "external_ids": select(MemberExternalId).where(MemberExternalId.member_id == member_id),
        "membership_periods": select(MembershipPeriod)
        .where(MembershipPeriod.member_id == member_id)
        .order_by(MembershipPeriod.valid_from),
        "status_history": select(MemberStatusChange)
        .where(MemberStatusChange.member_id == member_id)
        .order_by(MemberStatusChange.effective_on),
        "positions": select(MemberPosition)
        .where(MemberPosition.member_id == member_id)
        .order_by(MemberPosition.started_on),
        "transfers": select(Transfer).where(Transfer.member_id == member_id),
        "party_referrals": select(PartyReferral).where(PartyReferral.member_id == member_id),
    }
    parts = {key: await rows_of(session, stmt) for key, stmt in own.items()}
    welfare = None
    if holds_over(principal, Permission.welfare_read, locked.branch_path):
        welfare = await rows_of(
            session, select(WelfareCase).where(WelfareCase.member_id == member_id)
        )
    transfer_ids = [str(t["id"]) for t in parts["transfers"]]
    position_ids = [str(p["id"]) for p in parts["positions"]]
    audit = await rows_of(
        session,
        select(AuditEvent)
        .where(
            or_(
                (AuditEvent.resource == "members") & (AuditEvent.resource_id == str(member_id)),
                (AuditEvent.resource == "transfers") & AuditEvent.resource_id.in_(transfer_ids),
                (AuditEvent.resource == "member_positions")
                & AuditEvent.resource_id.in_(position_ids),
            )
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id),
    )
    record(session, principal, "export", "members", member_id, fields=["data_export"])
    return DataExport(
        member=member.model_dump(mode="json"), welfare_cases=welfare, audit_trail=audit, **parts
    )
