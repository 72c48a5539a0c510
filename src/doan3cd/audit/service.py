"""Writing and reading the audit trail.

Services call `record(...)` beside the change they make, in the same session: the event is
flushed and committed with the change, and rolled back with it.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.middleware import current_request_id
from doan3cd.api.pagination import PageParams, keyset_page
from doan3cd.audit.schemas import AuditEventFilters, AuditEventRead
from doan3cd.models.audit import AuditEvent


class Actor(Protocol):
    """Who acts: a `Principal` (user or API token) or a `SystemActor`."""

    @property
    def key(self) -> str: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class SystemActor:
    key: str
    name: str


CLI = SystemActor("system:cli", "doan3cd command line")
ANONYMOUS = SystemActor("anonymous", "anonymous")


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    resource: str,
    resource_id: uuid.UUID | str | None,
    *,
    fields: Iterable[str] = (),
) -> AuditEvent:
    """Add one audit event to `session`'s transaction.

    `action`: "create", "update", "delete", "read_sensitive", "login", "revoke", … (snake_case).
    `resource`: the API resource name ("users", "members", …). `fields`: the NAMES of the fields
    written or read, never their values.
    """
    event = AuditEvent(
        actor_key=actor.key,
        actor_name=actor.name,
        action=action,
        resource=resource,
        resource_id=None if resource_id is None else str(resource_id),
        fields=sorted(set(fields)),
        request_id=current_request_id.get(),
    )
    session.add(event)
    return event


async def list_events(
    session: AsyncSession, filters: AuditEventFilters, page: PageParams
) -> tuple[list[AuditEventRead], str | None, int | None]:
    """Newest first."""
    stmt = select(*(getattr(AuditEvent, name) for name in AuditEventRead.model_fields))
    if filters.actor is not None:
        stmt = stmt.where(AuditEvent.actor_key == filters.actor)
    if filters.resource is not None:
        stmt = stmt.where(AuditEvent.resource == filters.resource)
    if filters.resource_id is not None:
        stmt = stmt.where(AuditEvent.resource_id == filters.resource_id)
    if filters.action is not None:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.occurred_from is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= filters.occurred_from)
    if filters.occurred_to is not None:
        stmt = stmt.where(AuditEvent.occurred_at < filters.occurred_to)
    rows, cursor, total = await keyset_page(
        session,
        stmt,
        [AuditEvent.occurred_at.expression, AuditEvent.id.expression],
        page,
        descending=[True, True],
        cursor_types=[datetime, uuid.UUID],
    )
    return [AuditEventRead.model_validate(row, from_attributes=True) for row in rows], cursor, total
