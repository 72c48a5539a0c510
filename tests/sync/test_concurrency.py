"""PostgreSQL: writers commit concurrently while a client snapshots, then follows the feed;
webhook workers claim disjoint deliveries.

The client's final copy must equal the database: no change missed, none applied twice. Rows are
really committed here (separate sessions), and deleted again afterwards (except the audit
events, which are append-only and reference no rows).
"""

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Grant, Principal, Role
from doan3cd.config import Settings
from doan3cd.db.session import make_sessionmaker
from doan3cd.domain.hierarchy import path_upper
from doan3cd.main import create_app
from doan3cd.models.change import Change
from doan3cd.models.member import Member
from doan3cd.models.unit import LineageEvent, LineageEventUnit, Unit, UnitVersion
from doan3cd.models.webhook import WebhookDelivery, WebhookSubscription
from doan3cd.sync import records
from doan3cd.sync.feed import decode_seq
from doan3cd.sync.inbound import upsert_members
from doan3cd.sync.schemas import MemberBatch, MemberSyncItem
from doan3cd.sync.webhooks import claim
from doan3cd.units.schemas import UnitUpdate
from doan3cd.units.service import update_unit
from tests.factories import UnitRef, add_unit
from tests.helpers import act_as, admin_principal
from tests.sync.conftest import CHANGES, SNAPSHOT

WRITERS = 4
WRITES_PER_WRITER = 12


@pytest_asyncio.fixture
async def committed_tree(engine: AsyncEngine) -> AsyncIterator[list[UnitRef]]:
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent commits are a PostgreSQL matter")
    sessions = make_sessionmaker(engine)
    suffix = uuid.uuid4().hex[:6]
    async with sessions() as session, session.begin():
        province = await add_unit(session, f"CP-{suffix}", kind="province")
        branches = [
            await add_unit(session, f"CB{i}-{suffix}", province, kind="branch") for i in range(3)
        ]
    yield [province, *branches]
    unit_ids = [province.id, *(b.id for b in branches)]
    async with sessions() as session, session.begin():
        members = list(
            await session.scalars(select(Member.id).where(Member.branch_id.in_(unit_ids)))
        )
        ids = [*members, *unit_ids]
        events = select(LineageEventUnit.event_id).where(LineageEventUnit.unit_id.in_(unit_ids))
        event_ids = list(await session.scalars(events))
        event_ids += list(
            await session.scalars(
                select(UnitVersion.event_id).where(
                    UnitVersion.unit_id.in_(unit_ids), UnitVersion.event_id.is_not(None)
                )
            )
        )
        await session.execute(delete(Change).where(Change.resource_id.in_(ids)))
        await session.execute(delete(Member).where(Member.id.in_(members)))
        await session.execute(
            delete(LineageEventUnit).where(LineageEventUnit.unit_id.in_(unit_ids))
        )
        await session.execute(delete(UnitVersion).where(UnitVersion.unit_id.in_(unit_ids)))
        await session.execute(delete(LineageEvent).where(LineageEvent.id.in_(event_ids)))
        await session.execute(delete(Unit).where(Unit.id.in_(unit_ids)))


def _moment(n: int) -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)


async def _member_writer(
    engine: AsyncEngine, settings: Settings, branches: list[UnitRef], writer: int
) -> None:
    sessions = make_sessionmaker(engine)
    rng = random.Random(writer)
    for n in range(WRITES_PER_WRITER):
        target = rng.randrange(max(n, 1))
        item = MemberSyncItem(
            external_id=f"W{writer}-{target if n % 3 else n}",
            updated_at=_moment(n),
            full_name=f"Nguyễn Văn {chr(65 + n % 26)}",
            date_of_birth=datetime(2000, 1, 1 + n % 28).date(),
            joined_on=datetime(2018, 1, 1).date(),
            branch_code=rng.choice(branches).code,
        )
        async with sessions() as session, session.begin():
            await upsert_members(
                session,
                admin_principal(),
                settings,
                MemberBatch(source=f"conc-{branches[0].code}", items=[item]),
                "en",
            )
        await asyncio.sleep(rng.random() / 100)


async def _unit_writer(engine: AsyncEngine, branches: list[UnitRef]) -> None:
    sessions = make_sessionmaker(engine)
    for n in range(WRITES_PER_WRITER):
        async with sessions() as session, session.begin():
            await update_unit(
                session,
                admin_principal(),
                branches[n % len(branches)].id,
                UnitUpdate(name=f"Chi đoàn {n}"),
                lambda _: None,
            )
        await asyncio.sleep(0.005)


async def _get(client: httpx.AsyncClient, url: str, **params: Any) -> dict[str, Any]:
    response = await client.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _apply(
    copy: dict[tuple[str, str], dict[str, Any]], resource: str, data: dict[str, Any]
) -> None:
    known = copy.get((resource, data["id"]))
    if known is None or data["version"] >= known["version"]:
        copy[(resource, data["id"])] = data


async def test_snapshot_then_feed_equals_the_database(
    committed_tree: list[UnitRef], engine: AsyncEngine, settings: Settings
) -> None:
    province, *branches = committed_tree
    reader = Principal(
        id=uuid.uuid4(),
        kind="token",
        name="sync-client",
        grants=(Grant(Role.integration, province.id, province.path),),
        token_scopes=frozenset({Permission.sync_read.value}),
    )
    app = create_app(settings)
    act_as(app, reader)
    transport = httpx.ASGITransport(app=app)
    writers = [
        asyncio.create_task(_member_writer(engine, settings, branches, w)) for w in range(WRITERS)
    ]
    writers.append(asyncio.create_task(_unit_writer(engine, branches)))
    copy: dict[tuple[str, str], dict[str, Any]] = {}
    seen: set[int] = set()
    applied: set[tuple[str, str, int]] = set()
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        await asyncio.sleep(0.05)  # let the writers start
        cursors = []
        for resource in ("members", "units"):
            cursor = None
            first = True
            while first or cursor:
                params = {"resource": resource, "limit": 3} | ({"cursor": cursor} if cursor else {})
                page = await _get(client, SNAPSHOT, **params)
                if first:
                    cursors.append(page["resume_cursor"])
                    first = False
                for data in page["items"]:
                    _apply(copy, resource, data)
                cursor = page["next_cursor"]
                await asyncio.sleep(0.005)
        feed_cursor = cursors[0]  # members' snapshot began first: follow from the earlier one
        finished = False
        while True:
            done = all(w.done() for w in writers)
            page = await _get(client, CHANGES, cursor=feed_cursor, limit=7)
            for item in page["items"]:
                assert item["seq"] not in seen, "a change delivered twice"
                seen.add(item["seq"])
                key = (item["resource"], item["id"], item["version"])
                assert key not in applied, "a version applied twice"
                applied.add(key)
                if item["op"] == "delete":
                    copy.pop((item["resource"], item["id"]), None)
                elif item["data"] is not None:
                    _apply(copy, item["resource"], item["data"])
            feed_cursor = page["next_cursor"]
            if finished and not page["has_more"]:
                break
            finished = done and not page["has_more"]
            await asyncio.sleep(0.01)
        for writer in writers:
            await writer  # surface any writer failure

    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        truth: dict[tuple[str, str], dict[str, Any]] = {}
        for resource, select_for in records.SELECTS.items():
            for row in await session.execute(select_for(reader, Permission.sync_read)):
                data = records.representation(resource, row)
                truth[(resource, str(data["id"]))] = data
        expected_seqs = set(
            await session.scalars(
                select(Change.seq).where(
                    Change.unit_path >= province.path,
                    Change.unit_path < path_upper(province.path),
                    Change.seq > decode_seq(cursors[0]),
                )
            )
        )
    as_json = {k: _jsonable(v) for k, v in truth.items()}
    assert copy == as_json
    assert expected_seqs <= seen, "a committed change was missed"
    members = [k for k in copy if k[0] == "members"]
    assert len(members) >= WRITERS * 4
    assert any(v["version"] > 1 for v in copy.values())


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (str(v) if isinstance(v, uuid.UUID) or hasattr(v, "isoformat") else v)
        for k, v in data.items()
    }


async def test_workers_claim_disjoint_deliveries(engine: AsyncEngine, settings: Settings) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is a PostgreSQL matter")
    sessions = make_sessionmaker(engine)
    hook_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        session.add(
            WebhookSubscription(
                id=hook_id, url="http://127.0.0.1:9/none", resources=["members"], secret="x" * 20
            )
        )
        await session.flush()
        session.add_all(
            WebhookDelivery(subscription_id=hook_id, seq=n, body="{}") for n in range(1, 21)
        )
    try:
        async with sessions() as first, first.begin(), sessions() as second, second.begin():
            mine = await claim(first, settings, limit=12)
            theirs = await claim(second, settings, limit=12)  # skips the rows `first` holds
        assert len(mine) == 12 and len(theirs) == 8
        assert not {c.id for c in mine} & {c.id for c in theirs}
        async with sessions() as third, third.begin():
            assert await claim(third, settings) == []  # leased: not due again until it ends
    finally:
        async with sessions() as session, session.begin():
            await session.execute(
                delete(WebhookSubscription).where(WebhookSubscription.id == hook_id)
            )
