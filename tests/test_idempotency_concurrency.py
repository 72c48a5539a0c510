"""R5: the same Idempotency-Key sent concurrently has one effect and identical answers."""

import asyncio
import uuid

import httpx
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from doan3cd.config import Settings
from doan3cd.db.session import make_sessionmaker
from doan3cd.main import create_app
from doan3cd.models.idempotency import IdempotencyRecord
from tests.test_conventions import build_router


async def test_concurrent_replays_have_one_effect(settings: Settings, engine: AsyncEngine) -> None:
    app = create_app(settings)
    app.state.sessionmaker = make_sessionmaker(engine)  # real, committing transactions
    app.include_router(build_router())
    title = f"concurrent-{uuid.uuid4().hex[:8]}"
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            responses = await asyncio.gather(
                *(
                    client.post(
                        "/api/v1/_test/notes",
                        json={"title": title, "stars": 1},
                        headers={"Idempotency-Key": title},
                    )
                    for _ in range(6)
                )
            )
        answered = [r for r in responses if r.status_code == 201]
        # A retry that arrives while the first is still running may be told to retry later.
        assert all(r.status_code in (201, 409) for r in responses), [r.text for r in responses]
        assert answered and len({r.content for r in answered}) == 1
        async with engine.connect() as conn:
            notes = await conn.scalar(
                select(func.count())
                .select_from(IdempotencyRecord)
                .where(IdempotencyRecord.principal == "notes", IdempotencyRecord.key == title)
            )
        assert notes == 1
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                delete(IdempotencyRecord).where(
                    (IdempotencyRecord.key == title) | (IdempotencyRecord.principal == "notes")
                )
            )
