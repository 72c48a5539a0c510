"""A full year's recompute in several processes gives what one process gives, in path order.

Runs against a fresh database holding the committed demo year (worker processes open their own
connections, so they cannot see the rolled-back test connection's rows).
"""

import io
import uuid
from collections import Counter
from pathlib import Path

import pytest

from doan3cd.assessments.full_run import can_share, slices
from doan3cd.assessments.recompute import recompute
from doan3cd.config import Mode, Settings
from doan3cd.db.engine import make_async_engine
from doan3cd.db.migrations import upgrade
from doan3cd.db.session import make_sessionmaker
from doan3cd.demo import seed_demo
from tests.conftest import _backends, fresh_database_url

CHUNK = 40


async def recomputed(settings: Settings, workers: int) -> tuple[Counter[str], list[str]]:
    engine = make_async_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            output = io.StringIO()
            statuses = await recompute(
                session, 2023, chunk=CHUNK, output=output, workers=workers, settings=settings
            )
    finally:
        await engine.dispose()
    return statuses, output.getvalue().splitlines()


@pytest.mark.parametrize("backend", _backends())
async def test_parallel_recompute_matches_the_serial_one(backend: str, tmp_path: Path) -> None:
    url = fresh_database_url(backend, tmp_path, "full_run")
    upgrade(url)
    settings = Settings(mode=Mode.dev, database_url=url, secret_key="x" * 32)
    engine = make_async_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await seed_demo(session)
    finally:
        await engine.dispose()
    serial = await recomputed(settings, workers=1)
    parallel = await recomputed(settings, workers=2)
    assert len(serial[1]) > 2 * CHUNK  # several slices per worker
    assert parallel == serial


def test_slices_are_contiguous_equal_and_no_longer_than_a_chunk() -> None:
    ids = [uuid.UUID(int=i) for i in range(10)]
    assert [len(s) for s in slices(ids, 2, 4)] == [3, 3, 3, 1]
    assert [len(s) for s in slices(ids, 2, 100)] == [5, 5]
    assert [i for s in slices(ids, 3, 2) for i in s] == ids
    assert slices([], 2, 4) == []


@pytest.mark.parametrize(
    ("url", "shared"),
    [
        ("sqlite+aiosqlite:///var/doan3cd.sqlite3", True),
        ("sqlite+aiosqlite://", False),
        ("sqlite+aiosqlite:///:memory:", False),
        ("sqlite+aiosqlite:///file:x?mode=memory&uri=true", False),
        ("postgresql+psycopg://postgres@127.0.0.1:5432/doan3cd", True),
    ],
)
def test_only_a_database_other_processes_can_open_is_shared(url: str, shared: bool) -> None:
    assert can_share(Settings(database_url=url, secret_key="x" * 32)) is shared
