"""P4: the 3 chủ động verdict of every grassroots unit of a year vs B5, the SQL oracle.

    python -m bench.verdicts --database-url postgresql+psycopg://postgres@127.0.0.1:5432/<db> \\
        --units 5000 [--runs 3] [--reuse] [--workers N]

Use a throwaway PostgreSQL database: it is migrated, then filled set-based (generate_series,
seeded random) with a national-scale-ish year — `--units` grassroots units under provinces and
districts, 6 branches each, 20 members per branch, ~1,000,000 activities, plans, welfare cases
with support actions, transfers, referrals, registrations and C1.7 scores. Then, interleaved,
`--runs` times each: A = `recompute` as `doan3cd recompute --output` runs it (batch loader + pure
evaluate for every grassroots unit, in `--workers` processes, default the number of CPUs, each
verdict written as a JSON line), B = `bench.oracle` (one SQL statement, which PostgreSQL runs with
parallel workers). A's time ends with the verdicts' JSON lines written; reading them back into
comparable indicator values happens after the timing, as does the oracle's equivalent. `--reuse`
skips generation when the database already holds a generated set (generating 5,000 units takes
minutes). Checks every unit's indicator values are identical, prints the medians and the ratio A/B
(target ≤ 2), and writes bench/out/verdicts-<time>.json.
"""

import argparse
import asyncio
import io
import json
import os
import statistics
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.oracle import json_values, oracle_values
from doan3cd.assessments.recompute import recompute
from doan3cd.config import Settings
from doan3cd.db.engine import make_async_engine
from doan3cd.db.migrations import upgrade
from doan3cd.db.session import make_sessionmaker

YEAR = 2023
OUT = Path("bench/out")
BRANCHES_PER_UNIT = 6
MEMBERS_PER_BRANCH = 20
ACTIVITIES_PER_UNIT = 140
UNITS_PER_DISTRICT = 20
DISTRICTS_PER_PROVINCE = 10

KINDS = (
    "'situation_report','rights_protection','welfare_register_review','youth_project',"
    "'inspection','self_criticism','exemplary_model','advisory_document','dialogue',"
    "'resource_mobilisation','other'"
)

# Each statement is set-based; :units is the number of grassroots units.
GENERATE = [
    "SELECT setseed(0.42)",
    # The tree: one root, provinces, districts, grassroots units, branches (ids from md5).
    """
    CREATE TEMP TABLE gen_unit AS
    WITH n AS (SELECT :units AS units),
    root AS (SELECT md5('root')::uuid AS id, NULL::uuid AS parent, 'central' AS kind, 'BR' AS code),
    g AS (
      SELECT i, md5('g' || i)::uuid AS id,
             (i - 1) / :per_district AS d, (i - 1) / (:per_district * :per_province) AS p
      FROM n, generate_series(1, n.units) AS i
    ),
    d AS (SELECT DISTINCT d, p FROM g),
    p AS (SELECT DISTINCT p FROM g)
    SELECT id, parent, kind, code FROM root
    UNION ALL SELECT md5('p' || p)::uuid, md5('root')::uuid, 'province', 'BP' || p FROM p
    UNION ALL SELECT md5('d' || d)::uuid, md5('p' || p)::uuid, 'district', 'BD' || d FROM d
    UNION ALL SELECT id, md5('d' || d)::uuid, 'grassroots', 'BG' || i FROM g
    UNION ALL
    SELECT md5('b' || g.i || '-' || k)::uuid, g.id, 'branch', 'BB' || g.i || '-' || k
    FROM g, generate_series(1, :branches) AS k
    """,
    "INSERT INTO unit (id, code, row_version, created_at, updated_at) "
    "SELECT id, code, 1, now(), now() FROM gen_unit",
    # Paths: root, then each level appends its id's hex.
    """
    INSERT INTO unit_version (id, unit_id, name, name_folded, kind, parent_id, valid_from,
                              path, depth)
    WITH RECURSIVE t AS (
      SELECT id, parent, kind, code, '/' || replace(id::text, '-', '') || '/' AS path, 0 AS depth
      FROM gen_unit WHERE parent IS NULL
      UNION ALL
      SELECT u.id, u.parent, u.kind, u.code,
             t.path || replace(u.id::text, '-', '') || '/', t.depth + 1
      FROM gen_unit u JOIN t ON u.parent = t.id
    )
    SELECT gen_random_uuid(), id, 'Đoàn ' || code, lower(code), kind, parent, DATE '2015-01-01',
           path, depth
    FROM t
    """,
    # Members: 20 per branch; ~3 % without a member code; ~3 % matured in 2023.
    """
    INSERT INTO member (id, full_name, name_folded, name_sort_key, date_of_birth, member_code,
                        joined_on, branch_id, status, row_version, is_cadre, created_at,
                        updated_at)
    SELECT gen_random_uuid(), 'Nguyễn Văn An', 'nguyen van an', 'an nguyen van',
           DATE '1995-01-01' + (random() * 3000)::int,
           CASE WHEN random() < 0.97 THEN 'BM' || u.code || '-' || k END,
           CASE WHEN random() < 0.05 THEN DATE '2023-01-01' + (random() * 364)::int
                ELSE DATE '2016-01-01' + (random() * 2000)::int END,
           u.id, CASE WHEN random() < 0.03 THEN 'matured' ELSE 'active' END, 1, false, now(),
           now()
    FROM gen_unit u, generate_series(1, :members) AS k
    WHERE u.kind = 'branch'
    """,
    "INSERT INTO membership_period (id, member_id, branch_id, valid_from, reason) "
    "SELECT gen_random_uuid(), id, branch_id, LEAST(joined_on, DATE '2016-01-01'), 'import' "
    "FROM member",
    # Activities: ~11 branch meetings per branch; ~140 other activities per grassroots unit.
    """
    INSERT INTO activity (id, unit_id, kind, occurred_on, title, details, attachments,
                          verification, row_version, created_at, updated_at)
    SELECT gen_random_uuid(), u.id, 'branch_meeting',
           DATE '2023-01-01' + (k * 30) + (random() * 20)::int,
           'Sinh hoạt chi đoàn', '{}', '[]',
           CASE WHEN random() < 0.03 THEN 'rejected' ELSE 'verified' END, 1, now(), now()
    FROM gen_unit u, generate_series(0, 11) AS k
    WHERE u.kind = 'branch' AND random() < 0.93
    """,
    f"""
    INSERT INTO activity (id, unit_id, kind, occurred_on, title, details, attachments,
                          verification, completed_on, value_vnd, row_version, created_at,
                          updated_at)
    SELECT gen_random_uuid(), s.id, s.kind, s.on_day, 'Hoạt động', '{{}}', '[]',
           CASE WHEN random() < 0.05 THEN 'rejected' WHEN random() < 0.5 THEN 'submitted'
                ELSE 'verified' END,
           CASE WHEN s.kind = 'youth_project' AND random() < 0.8 THEN s.on_day + 60 END,
           CASE WHEN s.kind = 'resource_mobilisation' AND random() < 0.9
                THEN (random() * 50000000)::bigint END,
           1, now(), now()
    FROM (
      SELECT u.id, (ARRAY[{KINDS}])[1 + (random() * 10)::int] AS kind,
             DATE '2022-09-01' + (random() * 540)::int AS on_day
      FROM gen_unit u, generate_series(1, :activities) AS k
      WHERE u.kind = 'grassroots'
    ) AS s
    """,
    """
    INSERT INTO plan (id, unit_id, year, kind, title, adopted_on, row_version, created_at,
                      updated_at)
    SELECT gen_random_uuid(), u.id, 2023, k.kind, k.kind,
           CASE WHEN random() < 0.9 THEN DATE '2023-01-05' + (random() * 40)::int END, 1,
           now(), now()
    FROM gen_unit u, (VALUES ('annual_programme'), ('action_programme')) AS k(kind)
    WHERE u.kind = 'grassroots'
    """,
    """
    INSERT INTO welfare_case (id, unit_id, person_name, categories, identified_on, state,
                              closed_on, row_version, created_at, updated_at)
    SELECT gen_random_uuid(), u.id, 'Trần Thị Bình', '["poor_household"]',
           DATE '2021-06-01' + (random() * 900)::int, 'open',
           CASE WHEN random() < 0.2 THEN DATE '2022-01-01' + (random() * 700)::int END, 1,
           now(), now()
    FROM gen_unit u, generate_series(1, 3) AS k
    WHERE u.kind = 'grassroots'
    """,
    "INSERT INTO support_action (id, case_id, acted_on, kind, value_vnd, created_at) "
    "SELECT gen_random_uuid(), id, identified_on + (random() * 500)::int, 'gift', 500000, now() "
    "FROM welfare_case WHERE random() < 0.85",
    """
    INSERT INTO transfer (id, member_id, from_branch_id, to_branch_id, state, requested_on,
                          completed_on, row_version, created_at)
    SELECT gen_random_uuid(), m.id, m.branch_id, m.branch_id,
           (ARRAY['requested','sent','received','received','rejected'])[1 + (random() * 4)::int],
           r.on_day, r.on_day + (random() * 45)::int, 1, now()
    FROM member m, LATERAL (SELECT DATE '2022-10-01' + (random() * 450)::int AS on_day) r
    WHERE random() < 0.01
    """,
    """
    INSERT INTO party_referral (id, member_id, unit_id, year, stage, stage_changed_on,
                                row_version, created_at, updated_at)
    SELECT gen_random_uuid(), m.id, g.parent, 2023, 'handed_to_party', DATE '2023-04-01', 1,
           now(), now()
    FROM member m JOIN gen_unit g ON g.id = m.branch_id
    WHERE random() < 0.012
    """,
    "INSERT INTO referral_transition (id, referral_id, to_stage, effective_on, recorded_at) "
    "SELECT gen_random_uuid(), id, 'handed_to_party', "
    "DATE '2022-12-01' + (random() * 420)::int, now() FROM party_referral",
    """
    INSERT INTO assessment (id, unit_id, year, state, registered_on, new_members_target,
                            referrals_target, return_reasons, locked, row_version, created_at,
                            updated_at)
    SELECT gen_random_uuid(), id, 2023, 'registered', DATE '2022-10-01' + (random() * 60)::int,
           1 + (random() * 4)::int, 1 + (random() * 2)::int, '[]', false, 1, now(), now()
    FROM gen_unit WHERE kind = 'grassroots' AND random() < 0.9
    """,
    """
    INSERT INTO criterion_score (id, unit_id, year, indicator_key, self_score, review_score,
                                 evidence_ids, row_version, created_at, updated_at)
    SELECT gen_random_uuid(), id, 2023, 'C1.7', (random() * 10)::int,
           CASE WHEN random() < 0.3 THEN (random() * 10)::int END, '[]', 1, now(), now()
    FROM gen_unit WHERE kind = 'grassroots' AND random() < 0.8
    """,
    "ANALYZE",
]


async def generated(session: AsyncSession) -> bool:
    root = await session.scalar(text("SELECT count(*) FROM unit WHERE code = 'BR'"))
    return bool(root)


async def generate(session: AsyncSession, units: int) -> None:
    params = {
        "units": units,
        "per_district": UNITS_PER_DISTRICT,
        "per_province": DISTRICTS_PER_PROVINCE,
        "branches": BRANCHES_PER_UNIT,
        "members": MEMBERS_PER_BRANCH,
        "activities": ACTIVITIES_PER_UNIT,
    }
    for statement in GENERATE:
        started = time.perf_counter()
        used = {k: v for k, v in params.items() if f":{k}" in statement}
        await session.execute(text(statement), used)
        print(f"  {statement.split()[0:3]} {time.perf_counter() - started:.1f} s", flush=True)


async def row_counts(session: AsyncSession) -> dict[str, int]:
    counts = {}
    for table in ("unit", "member", "activity", "welfare_case", "transfer", "party_referral"):
        counts[table] = int(await session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
    return counts


async def engine_run(session: AsyncSession, settings: Settings, workers: int) -> str:
    """The verdicts' JSON lines, exactly as `doan3cd recompute --output` writes them."""
    output = io.StringIO()
    await recompute(session, YEAR, output=output, workers=workers, settings=settings)
    return output.getvalue()


def engine_values(lines: str) -> dict[uuid.UUID, Any]:
    verdicts = (json.loads(line) for line in lines.splitlines())
    return {uuid.UUID(v["unit_id"]): json_values(v) for v in verdicts}


async def run(url: str, units: int, runs: int, reuse: bool, workers: int) -> dict[str, Any]:
    upgrade(url)
    settings = Settings(database_url=url, statement_timeout_ms=0)
    engine = make_async_engine(settings)
    sessions = make_sessionmaker(engine)
    try:
        generation = None
        async with sessions() as session, session.begin():
            if not (reuse and await generated(session)):
                print(f"generating {units} grassroots units …", flush=True)
                started = time.perf_counter()
                await generate(session, units)
                generation = round(time.perf_counter() - started, 1)
            counts = await row_counts(session)
            print(f"generated in {generation} s: {counts}", flush=True)
        times: dict[str, list[float]] = {"engine": [], "oracle": []}
        lines = ""
        results: dict[str, dict[uuid.UUID, Any]] = {}
        for k in range(runs):
            for name in ("engine", "oracle") if k % 2 == 0 else ("oracle", "engine"):
                async with sessions() as session:
                    started = time.perf_counter()
                    if name == "engine":
                        lines = await engine_run(session, settings, workers)
                    else:
                        results[name] = await oracle_values(session, YEAR)
                    times[name].append(time.perf_counter() - started)
                print(f"  run {k + 1} {name}: {times[name][-1]:.2f} s", flush=True)
    finally:
        await engine.dispose()
    results["engine"] = engine_values(lines)
    differing = [u for u in results["oracle"] if results["engine"].get(u) != results["oracle"][u]]
    engine_median = statistics.median(times["engine"])
    oracle_median = statistics.median(times["oracle"])
    return {
        "benchmark": "P4 verdicts of every grassroots unit vs B5 SQL oracle",
        "year": YEAR,
        "units": len(results["oracle"]),
        "workers": workers,
        "rows": counts,
        "generation_s": generation,
        "engine_s": [round(t, 3) for t in times["engine"]],
        "oracle_s": [round(t, 3) for t in times["oracle"]],
        "engine_median_s": round(engine_median, 3),
        "oracle_median_s": round(oracle_median, 3),
        "ratio": round(engine_median / oracle_median, 2),
        "target_ratio": 2.0,
        "identical": not differing and len(results["engine"]) == len(results["oracle"]),
        "differing_units": len(differing),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="a throwaway PostgreSQL database")
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--reuse", action="store_true", help="keep a set generated by an earlier run"
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="recompute's processes"
    )
    args = parser.parse_args()
    report = asyncio.run(run(args.database_url, args.units, args.runs, args.reuse, args.workers))
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"verdicts-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        f"engine {report['engine_median_s']} s, oracle {report['oracle_median_s']} s, "
        f"ratio {report['ratio']} (target ≤ 2), identical: {report['identical']} → {path}"
    )


if __name__ == "__main__":
    main()
