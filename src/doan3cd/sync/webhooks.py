"""Webhook subscriptions and the delivery worker.

Deliveries are made outside the writing transaction: the worker scans the change log from each
subscription's cursor (lossless: the log is in commit order), turns changes into delivery rows,
then CLAIMS due deliveries with `FOR UPDATE SKIP LOCKED` and a short lease, so several worker
processes never send the same attempt twice at once. Delivery is at-least-once: a receiver
de-duplicates by `X-Doan3cd-Seq` and can replay anything from the feed.
"""

import asyncio
import contextlib
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from doan3cd.api.i18n import Text
from doan3cd.api.pagination import PageParams, keyset_page
from doan3cd.api.problems import ProblemError
from doan3cd.audit.service import record
from doan3cd.auth.principal import WHOLE_TREE_PATH, WHOLE_TREE_UNIT_ID, Grant, Principal, Role
from doan3cd.config import Settings
from doan3cd.db.session import begin_write
from doan3cd.db.types import utcnow
from doan3cd.models.change import Change
from doan3cd.models.webhook import WebhookDelivery, WebhookSubscription
from doan3cd.sync.feed import items_for
from doan3cd.sync.schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead
from doan3cd.sync.signing import DELIVERY_HEADER, SEQ_HEADER, SIGNATURE_HEADER, sign

logger = logging.getLogger(__name__)

# Subscriptions are made by admins, so their deliveries carry what a whole-tree reader sees.
WEBHOOK_READER = Principal(
    id=WHOLE_TREE_UNIT_ID,
    kind="token",
    name="webhooks",
    grants=(Grant(Role.admin, WHOLE_TREE_UNIT_ID, WHOLE_TREE_PATH),),
)
ENQUEUE_BATCH = 500
CLAIM_BATCH = 50
LEASE_MARGIN_S = 30.0
ERROR_LENGTH = 500


def webhook_not_found() -> ProblemError:
    return ProblemError(
        404,
        "webhook_not_found",
        Text("Không tìm thấy đăng ký webhook.", "Webhook subscription not found."),
    )


def _read(sub: WebhookSubscription) -> WebhookRead:
    return WebhookRead.model_validate(sub, from_attributes=True)


async def create_subscription(
    session: AsyncSession, principal: Principal, body: WebhookCreate
) -> WebhookCreated:
    """A new subscription starts at the current end of the log: it receives later changes."""
    secret = body.secret or secrets.token_urlsafe(32)
    sub = WebhookSubscription(
        id=uuid.uuid4(),
        url=str(body.url),
        resources=sorted(set(body.resources)),
        secret=secret,
        active=body.active,
        cursor=await session.scalar(select(Change.seq).order_by(Change.seq.desc()).limit(1)) or 0,
        created_at=utcnow(),
    )
    session.add(sub)
    await session.flush()
    record(session, principal, "create", "webhooks", sub.id, fields=body.model_fields_set)
    return WebhookCreated(**_read(sub).model_dump(), secret=secret)


async def _get(session: AsyncSession, subscription_id: uuid.UUID) -> WebhookSubscription:
    sub = await session.get(WebhookSubscription, subscription_id)
    if sub is None:
        raise webhook_not_found()
    return sub


async def get_subscription(session: AsyncSession, subscription_id: uuid.UUID) -> WebhookRead:
    return _read(await _get(session, subscription_id))


async def list_subscriptions(
    session: AsyncSession, page: PageParams
) -> tuple[list[WebhookRead], str | None, int | None]:
    stmt = select(WebhookSubscription)
    rows, cursor, total = await keyset_page(
        session, stmt, [WebhookSubscription.id.expression], page, cursor_types=[uuid.UUID]
    )
    return [_read(row[0]) for row in rows], cursor, total


async def delete_subscription(
    session: AsyncSession, principal: Principal, subscription_id: uuid.UUID
) -> None:
    await session.delete(await _get(session, subscription_id))
    await session.flush()
    record(session, principal, "delete", "webhooks", subscription_id)


async def list_deliveries(
    session: AsyncSession, subscription_id: uuid.UUID, page: PageParams
) -> tuple[list[DeliveryRead], str | None, int | None]:
    """Newest first."""
    await _get(session, subscription_id)
    stmt = select(*(getattr(WebhookDelivery, name) for name in DeliveryRead.model_fields)).where(
        WebhookDelivery.subscription_id == subscription_id
    )
    rows, cursor, total = await keyset_page(
        session,
        stmt,
        [WebhookDelivery.seq.expression, WebhookDelivery.id.expression],
        page,
        descending=[True, True],
        cursor_types=[int, uuid.UUID],
    )
    return [DeliveryRead.model_validate(r, from_attributes=True) for r in rows], cursor, total


# --- the worker ----------------------------------------------------------------------------


async def enqueue(session: AsyncSession) -> int:
    """Turn new changes into deliveries for every active subscription; returns how many."""
    subs = await session.scalars(
        select(WebhookSubscription)
        .where(WebhookSubscription.active.is_(True))
        .order_by(WebhookSubscription.id)
        .with_for_update(skip_locked=True)
    )
    created = 0
    now = utcnow()
    for sub in subs:
        changes = list(
            await session.scalars(
                select(Change)
                .where(Change.seq > sub.cursor, Change.resource.in_(sub.resources))
                .order_by(Change.seq)
                .limit(ENQUEUE_BATCH)
            )
        )
        if not changes:
            continue
        items = await items_for(session, WEBHOOK_READER, changes)
        await session.execute(
            insert(WebhookDelivery),
            [
                {
                    "id": uuid.uuid4(),
                    "subscription_id": sub.id,
                    "seq": item.seq,
                    "body": json.dumps(
                        {"items": [item.model_dump(mode="json")]},
                        ensure_ascii=False,
                        separators=(",", ":"),
                    ),
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for item in items
            ],
        )
        sub.cursor = changes[-1].seq
        created += len(items)
    await session.flush()
    return created


@dataclass(frozen=True, slots=True)
class Claimed:
    id: uuid.UUID
    url: str
    secret: str
    seq: int
    body: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Outcome:
    id: uuid.UUID
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def claim(
    session: AsyncSession, settings: Settings, limit: int = CLAIM_BATCH
) -> list[Claimed]:
    """Lease due deliveries to this worker; another worker skips them until the lease ends."""
    now = utcnow()
    ids = list(
        await session.scalars(
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.seq)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    lease = now + timedelta(seconds=settings.webhooks_timeout_s + LEASE_MARGIN_S)
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .values(next_attempt_at=lease)
        .execution_options(synchronize_session=False)
    )
    rows = await session.execute(
        select(
            WebhookDelivery.id,
            WebhookSubscription.url,
            WebhookSubscription.secret,
            WebhookDelivery.seq,
            WebhookDelivery.body,
            WebhookDelivery.attempts,
        )
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.id.in_(ids))
        .order_by(WebhookDelivery.seq)
    )
    return [Claimed(*row) for row in rows]


async def send(client: httpx.AsyncClient, delivery: Claimed, timeout_s: float) -> Outcome:
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "doan3cd-webhooks/1",
        SIGNATURE_HEADER: sign(delivery.secret, int(time.time()), body),
        SEQ_HEADER: str(delivery.seq),
        DELIVERY_HEADER: str(delivery.id),
    }
    try:
        response = await client.post(delivery.url, content=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as failure:
        return Outcome(delivery.id, None, f"{type(failure).__name__}: {failure}"[:ERROR_LENGTH])
    problem = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return Outcome(delivery.id, response.status_code, problem)


def backoff(settings: Settings, attempts: int) -> timedelta:
    """Delay before the next attempt after `attempts` failures: base · 2^(attempts-1), capped."""
    seconds = settings.webhooks_backoff_base_s * 2 ** (attempts - 1)
    return timedelta(seconds=min(seconds, settings.webhooks_backoff_cap_s))


async def record_outcomes(
    session: AsyncSession, settings: Settings, claimed: list[Claimed], outcomes: list[Outcome]
) -> None:
    now = utcnow()
    attempts = {c.id: c.attempts + 1 for c in claimed}
    rows: list[dict[str, Any]] = []
    for outcome in outcomes:
        tried = attempts[outcome.id]
        values: dict[str, Any] = {
            "id": outcome.id,
            "attempts": tried,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
        }
        if outcome.ok:
            values |= {"status": "delivered", "delivered_at": now, "next_attempt_at": now}
        elif tried >= settings.webhooks_max_attempts:
            values |= {"status": "failed", "next_attempt_at": now}
        else:
            values |= {"status": "pending", "next_attempt_at": now + backoff(settings, tried)}
        rows.append(values)
    if rows:
        await session.execute(update(WebhookDelivery), rows)


async def run_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    client: httpx.AsyncClient,
) -> dict[str, int]:
    """One pass: enqueue new changes, claim due deliveries, send them, record the outcomes."""
    async with sessionmaker() as session, session.begin():
        await begin_write(session)
        enqueued = await enqueue(session)
    async with sessionmaker() as session, session.begin():
        await begin_write(session)
        claimed = await claim(session, settings)
    outcomes = list(
        await asyncio.gather(*(send(client, c, settings.webhooks_timeout_s) for c in claimed))
    )
    async with sessionmaker() as session, session.begin():
        await begin_write(session)
        await record_outcomes(session, settings, claimed, outcomes)
    delivered = sum(o.ok for o in outcomes)
    return {"enqueued": enqueued, "sent": len(outcomes), "delivered": delivered}


async def work(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
) -> None:
    """Deliver until `stop` is set, sleeping `webhooks_poll_s` when there was nothing to send."""
    stop = stop or asyncio.Event()
    async with httpx.AsyncClient() as client:
        while not stop.is_set():
            try:
                counts = await run_once(sessionmaker, settings, client)
            except Exception:  # a worker outlives one bad pass; the next pass retries
                logger.exception("webhook delivery pass failed")
                counts = {"sent": 0}
            if counts["sent"] == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), settings.webhooks_poll_s)
