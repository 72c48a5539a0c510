"""Print PostgreSQL's plan for the subtree query behind `GET /units?within=…&as_of=…`.

    DOAN3CD_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python -m bench.explain_units [--provinces 40]

Migrates the database, seeds the demo when it has no units, optionally adds synthetic provinces
(each 1 province, 200 grassroots units and 1,000 branches) so the table is big enough for the
planner to prefer the index on its own, then prints EXPLAIN ANALYZE of the exact statement the
service runs — with the planner's default settings and with `enable_seqscan=off`.
"""

import argparse
import asyncio
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.config import get_settings
from doan3cd.db.engine import make_async_engine
from doan3cd.db.migrations import upgrade
from doan3cd.db.session import make_sessionmaker
from doan3cd.demo import SEED_PRINCIPAL, has_units, seed_demo
from doan3cd.models.unit import Unit, UnitVersion
from doan3cd.units.queries import LIST_KEYS, list_statement
from doan3cd.units.service import NewUnit, establish_units
from doan3cd.units.store import V, valid_on

AS_OF = date(2023, 12, 31)
DISTRICT_CODE = "TV-TIEUCAN"


async def add_provinces(session: AsyncSession, count: int) -> None:
    central = await session.scalar(select(Unit.id).where(Unit.code == "TW"))
    existing = await session.scalar(select(func.count()).where(Unit.code.like("SYN%-P")))
    for k in range(existing or 0, count):
        province = NewUnit(
            f"SYN{k}-P", f"Tỉnh đoàn Tổng hợp {k}", "province", date(2020, 1, 1), central
        )
        units = [province]
        for g in range(200):
            grassroots = NewUnit(
                f"SYN{k}-G{g}",
                f"Xã đoàn Tổng hợp {k}-{g}",
                "grassroots",
                date(2020, 1, 1),
                province.id,
            )
            units.append(grassroots)
            units += [
                NewUnit(
                    f"SYN{k}-G{g}-B{b}",
                    f"Chi đoàn ấp {b}",
                    "branch",
                    date(2020, 1, 1),
                    grassroots.id,
                )
                for b in range(5)
            ]
        await establish_units(session, SEED_PRINCIPAL, units)


async def explain(provinces: int) -> None:
    settings = get_settings()
    upgrade(settings.database_url)
    engine = make_async_engine(settings)
    async with make_sessionmaker(engine)() as session:
        async with session.begin():
            if not await has_units(session):
                await seed_demo(session)
            await add_provinces(session, provinces)
        async with session.begin():
            await session.execute(text("ANALYZE unit_version"))
        await session.begin()
        versions = await session.scalar(select(func.count()).select_from(UnitVersion))
        path = await session.scalar(
            select(V.path)
            .join(Unit, Unit.id == V.unit_id)
            .where(Unit.code == DISTRICT_CODE, valid_on(AS_OF))
        )
        stmt = (
            list_statement(SEED_PRINCIPAL, AS_OF, within_path=path, kind="grassroots")
            .order_by(*LIST_KEYS)
            .limit(51)
        )
        sql = str(
            stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
        )
        await session.commit()
        print(f"unit_version rows: {versions}\n\n{sql}\n")
        for label, setting in (("default planner", None), ("enable_seqscan=off", "off")):
            async with session.begin():
                if setting:
                    await session.execute(text(f"SET LOCAL enable_seqscan = {setting}"))
                plan = await session.scalars(text("EXPLAIN (ANALYZE, COSTS) " + sql))
                print(f"--- {label} ---")
                print("\n".join(plan))
                print()
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--provinces", type=int, default=0, help="synthetic provinces to add")
    asyncio.run(explain(parser.parse_args().provinces))


if __name__ == "__main__":
    main()
