"""HTTP layer of /sync (feed, snapshot, inbound batches) and /webhooks."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from doan3cd.api.i18n import request_language
from doan3cd.api.idempotency import IdempotencyDep
from doan3cd.api.pagination import Page, PageDep, page_of, page_params
from doan3cd.api.problems import problem_responses
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.db.session import SessionDep
from doan3cd.sync import feed, inbound, webhooks
from doan3cd.sync.schemas import (
    BatchResponse,
    ChangePage,
    DeliveryRead,
    MemberBatch,
    SnapshotPage,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
)

router = APIRouter(prefix="/sync", tags=["sync"])
webhooks_router = APIRouter(prefix="/webhooks", tags=["webhooks"])

Reader = Annotated[Principal, Depends(require(Permission.sync_read))]
Writer = Annotated[Principal, Depends(require(Permission.sync_write))]
Admin = Annotated[Principal, Depends(require(Permission.users_admin))]
WebhookId = Annotated[uuid.UUID, Path(description="The subscription's id.")]
Cursor = Annotated[str | None, Query(description="Opaque cursor from the previous page.")]


def _limit(request: Request, limit: int | None) -> int:
    """The shared `limit` rules (default, cap → 422 limit_too_large)."""
    return page_params(request, limit, None, False).limit


@router.get(
    "/changes",
    name="changes",
    response_model=ChangePage,
    responses=problem_responses(401, 403, 410),
)
async def list_changes(
    request: Request,
    session: SessionDep,
    principal: Reader,
    cursor: Cursor = None,
    resources: Annotated[
        str | None, Query(description="Comma-separated: members, units (default both).")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, description="Page size (default 50).")] = None,
) -> ChangePage:
    """Changes in commit order within your subtree. Persist `next_cursor` and call again; a
    cursor into compacted history answers 410 `cursor_expired`: take a snapshot."""
    names = feed.parse_resources(resources)
    return await feed.list_changes(session, principal, cursor, names, _limit(request, limit))


@router.get(
    "/snapshot",
    name="snapshot",
    response_model=SnapshotPage,
    responses=problem_responses(401, 403),
)
async def snapshot(
    request: Request,
    session: SessionDep,
    principal: Reader,
    resource: Annotated[Literal["members", "units"], Query()] = "members",
    cursor: Cursor = None,
    limit: Annotated[int | None, Query(ge=1, description="Page size (default 50).")] = None,
) -> SnapshotPage:
    """The current set within your subtree, paged by id. Keep the first page's `resume_cursor`
    and follow `/sync/changes` from it once every page is read; apply by `data.version`."""
    return await feed.snapshot(session, principal, resource, cursor, _limit(request, limit))


@router.post(
    "/members:batch",
    name="members-batch",
    status_code=207,
    response_model=BatchResponse,
    responses=problem_responses(401, 403, 409, 413),
)
async def members_batch(
    request: Request,
    session: SessionDep,
    principal: Writer,
    idempotency: IdempotencyDep,
    body: MemberBatch,
) -> Response:
    """Upsert members by (source, external_id); one result per item (207 Multi-Status)."""
    if (replay := await idempotency.replay()) is not None:
        return replay
    settings = request.app.state.settings
    result = await inbound.upsert_members(
        session, principal, settings, body, request_language(request)
    )
    return await idempotency.remember(JSONResponse(result.model_dump(mode="json"), status_code=207))


@webhooks_router.post(
    "",
    name="create",
    status_code=201,
    response_model=WebhookCreated,
    responses=problem_responses(401, 403),
)
async def create_webhook(
    request: Request, session: SessionDep, principal: Admin, body: WebhookCreate
) -> Response:
    """Subscribe a URL to changes. The `secret` is in this response only."""
    created = await webhooks.create_subscription(session, principal, body)
    return JSONResponse(
        created.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"{request.url.path}/{created.id}", "Cache-Control": "no-store"},
    )


@webhooks_router.get(
    "", name="list", response_model=Page[WebhookRead], responses=problem_responses(401, 403)
)
async def list_webhooks(
    request: Request, response: Response, session: SessionDep, principal: Admin, page: PageDep
) -> Page[WebhookRead]:
    items, cursor, total = await webhooks.list_subscriptions(session, page)
    return page_of(request, response, items, cursor, total)


@webhooks_router.get(
    "/{webhook_id}",
    name="get",
    response_model=WebhookRead,
    responses=problem_responses(401, 403, 404),
)
async def get_webhook(session: SessionDep, principal: Admin, webhook_id: WebhookId) -> WebhookRead:
    return await webhooks.get_subscription(session, webhook_id)


@webhooks_router.delete(
    "/{webhook_id}", name="delete", status_code=204, responses=problem_responses(401, 403, 404)
)
async def delete_webhook(session: SessionDep, principal: Admin, webhook_id: WebhookId) -> Response:
    await webhooks.delete_subscription(session, principal, webhook_id)
    return Response(status_code=204)


@webhooks_router.get(
    "/{webhook_id}/deliveries",
    name="deliveries",
    response_model=Page[DeliveryRead],
    responses=problem_responses(401, 403, 404),
)
async def list_deliveries(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Admin,
    webhook_id: WebhookId,
    page: PageDep,
) -> Page[DeliveryRead]:
    """The delivery log, newest first."""
    items, cursor, total = await webhooks.list_deliveries(session, webhook_id, page)
    return page_of(request, response, items, cursor, total)
