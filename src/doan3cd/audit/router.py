"""`GET /audit-events`: the trail, for admins. There is no way to change or remove an event."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AwareDatetime

from doan3cd.api.pagination import Page, PageDep, page_of
from doan3cd.api.problems import problem_responses
from doan3cd.audit import service
from doan3cd.audit.schemas import AuditEventFilters, AuditEventRead
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.db.session import SessionDep

router = APIRouter(
    prefix="/audit-events",
    tags=["audit-events"],
    responses=problem_responses(401, 403),
    dependencies=[Depends(require(Permission.audit_read))],
)


@router.get("", name="list", response_model=Page[AuditEventRead])
async def list_audit_events(
    request: Request,
    response: Response,
    session: SessionDep,
    page: PageDep,
    actor: Annotated[
        str | None, Query(description='Actor key, e.g. "user:<id>" or "token:<id>".')
    ] = None,
    resource: Annotated[str | None, Query(description='e.g. "users", "members".')] = None,
    resource_id: str | None = None,
    action: Annotated[str | None, Query(description='e.g. "create", "read_sensitive".')] = None,
    occurred_from: Annotated[
        AwareDatetime | None, Query(alias="from", description="At or after this instant.")
    ] = None,
    occurred_to: Annotated[
        AwareDatetime | None, Query(alias="to", description="Before this instant.")
    ] = None,
) -> Page[AuditEventRead]:
    """Audit events, newest first."""
    filters = AuditEventFilters(
        actor=actor,
        resource=resource,
        resource_id=resource_id,
        action=action,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )
    items, cursor, total = await service.list_events(session, filters, page)
    return page_of(request, response, items, cursor, total)
