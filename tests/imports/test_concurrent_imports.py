"""Two overlapping imports at once on PostgreSQL end as if run one after the other (R6).

Real commits on a fresh sibling database, two app instances (two engines, two pools), so the two
imports really are two transactions racing for the same member codes.
"""

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from doan3cd.config import Mode, Settings
from doan3cd.db.engine import sync_url
from doan3cd.db.migrations import upgrade
from doan3cd.db.session import make_sessionmaker
from doan3cd.main import create_app
from doan3cd.models.member import Member
from tests.conftest import _backends, fresh_database_url
from tests.factories import add_unit
from tests.helpers import act_as, admin_principal
from tests.imports.conftest import csv_of, member_row, poster


@pytest.mark.skipif("postgresql" not in _backends(), reason="PostgreSQL only")
async def test_overlapping_imports_serialise(tmp_path: Path) -> None:
    url = fresh_database_url("postgresql", tmp_path, "concurrent_imports")
    upgrade(url)
    settings = Settings(mode=Mode.dev, database_url=url, secret_key="x" * 32)
    apps = [create_app(settings), create_app(settings)]
    try:
        async with make_sessionmaker(apps[0].state.engine)() as session:
            province = await add_unit(session, "TV", kind="province")
            school = await add_unit(session, "THPT1", province, kind="grassroots")
            await add_unit(session, "CD-A1", school, kind="branch")
            await session.commit()
        first = csv_of(*(member_row(n, phone="0912345678") for n in range(1, 301)))
        second = csv_of(*(member_row(n, phone="0987654321") for n in range(150, 451)))
        clients = []
        for app in apps:
            act_as(app, admin_principal())
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            clients.append(httpx.AsyncClient(transport=transport, base_url="http://test"))
        responses = await asyncio.gather(poster(clients[0])(first), poster(clients[1])(second))
        for client in clients:
            await client.aclose()
        reports = [r.json() for r in responses]
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
        assert all(r["state"] == "succeeded" for r in reports), reports

        async with make_sessionmaker(apps[0].state.engine)() as session:
            codes = list(await session.scalars(select(Member.member_code)))
            overlap = set(
                await session.scalars(
                    select(Member.phone).where(Member.member_code.between("DV0150", "DV0300"))
                )
            )
            total = await session.scalar(select(func.count()).select_from(Member))
        assert total == len(set(codes)) == 450
        # Whichever ran second saw the first one's rows and updated the 151 shared members.
        later = next(r for r in reports if r["updated"])
        earlier = next(r for r in reports if r is not later)
        assert later["updated"] == 151 and earlier["updated"] == 0
        assert earlier["created"] + later["created"] == 450
        assert overlap == {"+84987654321" if later is reports[1] else "+84912345678"}
    finally:
        for app in apps:
            await app.state.engine.dispose()
        base = make_url(url)
        admin_url = sync_url(base.set(database="postgres").render_as_string(hide_password=False))
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
        admin.dispose()
