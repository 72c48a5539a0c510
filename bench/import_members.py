"""P3: import N members on PostgreSQL through the real service path, against COPY (B4).

    .venv/bin/python -m bench.import_members --rows 1000000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/doan3cd_bench_imports

Migrates the database, establishes 500 branches, writes the file with bench/generate_members.py,
then alternates (interleaved runs, median): COPY of the file's members into a table identical to
`member` — same columns, all six indexes, its foreign key — fed the same derived columns (B4), and
a COPY of everything a created member is into copies of all four tables the import writes
(bench/copy_all_tables.py: how much of the gap to B4 is the schema), and the import of the same
file into empty member tables (`doan3cd import members` does exactly this).
Finally imports the file once more and checks that it changed 0 rows. Prints where the last
import's time went (seconds per kind of SQL statement, the remainder being parsing, checking and
staging), rows/s of both, their ratio (target ≥ 0.4) and peak RSS; writes a JSON report to
bench/out/.
"""

import argparse
import asyncio
import csv
import json
import re
import resource
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import copy_all_tables
from doan3cd.config import Mode, Settings
from doan3cd.db.engine import make_async_engine
from doan3cd.db.migrations import upgrade
from doan3cd.db.session import make_sessionmaker
from doan3cd.demo import SEED_PRINCIPAL
from doan3cd.domain.name_order import name_sort_key
from doan3cd.domain.text import fold
from doan3cd.imports.commands import import_file
from doan3cd.imports.member_merge import time_ordered_prefix
from doan3cd.imports.service import ImportOptions
from doan3cd.units.service import NewUnit, establish_units

OUT = Path(__file__).parent / "out"
BRANCHES = 500
SINCE = date(2000, 1, 1)
BASELINE_TABLE = "bench_member_copy"
MEMBER_TABLES = ("change", "membership_period", "member_external_id", "member")


async def seed_branches(engine: AsyncEngine) -> None:
    async with make_sessionmaker(engine)() as session, session.begin():
        if await session.scalar(text("SELECT count(*) FROM unit WHERE code = 'CD0001'")):
            return
        province = NewUnit("BENCH-P", "Tỉnh đoàn Đo tốc độ", "province", SINCE)
        school = NewUnit("BENCH-G", "Đoàn trường Đo tốc độ", "grassroots", SINCE, province.id)
        branches = [
            NewUnit(f"CD{n:04d}", f"Chi đoàn {n}", "branch", SINCE, school.id)
            for n in range(1, BRANCHES + 1)
        ]
        await establish_units(session, SEED_PRINCIPAL, [province, school, *branches])


async def reset_members(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(MEMBER_TABLES)}, import_job CASCADE"))


MEMBER_COPY_COLUMNS = ("id", "full_name", "name_folded", "name_sort_key", "date_of_birth", "gender",
                       "phone", "member_code", "joined_on", "branch_id", "status",
                       "status_changed_on", "is_cadre", "row_version", "created_at",
                       "updated_at")  # fmt: skip


async def member_payload(engine: AsyncEngine, path: Path) -> Path:
    """The file as member rows (ids, derived name keys, branch ids) in COPY text format, written
    once beside it outside the timing: B4 measures only what the database does to load them. The
    ids ascend like the import's (member_merge._new_id), so B4's primary key is appended to as
    the import's is, not written all over: random ids made B4 slower at a million rows (69 s
    against 49 s in one run), which would lower the bar. Streamed line by line, so the bench's
    peak RSS is the import's."""
    async with engine.connect() as conn:
        branches = dict((await conn.execute(text("SELECT code, id::text FROM unit"))).all())
    today, now = date.today().isoformat(), datetime.now(UTC).isoformat()
    prefix = time_ordered_prefix()
    target = path.with_suffix(".b4.tsv")
    with path.open(newline="", encoding="utf-8") as file, target.open("w") as out:
        for row_no, row in enumerate(csv.DictReader(file), start=1):
            name = row["full_name"]
            member_id = str(uuid.UUID(prefix + f"{row_no:012x}"))
            out.write("\t".join((member_id, name, fold(name), name_sort_key(name),
                                 row["date_of_birth"], row["gender"] or "\\N",
                                 row["phone"] or "\\N", row["member_code"],
                                 row["joined_on"] or "\\N", branches[row["branch_code"]],
                                 "active", today, "f", "1", now, now)) + "\n")  # fmt: skip
    return target


async def baseline_copy(engine: AsyncEngine, payload: Path) -> float:
    """B4: COPY of the file's members into a table identical to `member` (LIKE … INCLUDING ALL:
    the same columns, defaults, checks and all six indexes, plus its foreign key to unit). A table
    with fewer indexes would measure a cheaper job than the import must do, not a ceiling for it."""
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP TABLE IF EXISTS {BASELINE_TABLE}"))
        await conn.execute(
            text(f"CREATE TABLE {BASELINE_TABLE} (LIKE member INCLUDING ALL, "
                 "FOREIGN KEY (branch_id) REFERENCES unit (id))")
        )  # fmt: skip
    started = time.perf_counter()
    async with engine.begin() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        columns = ", ".join(MEMBER_COPY_COLUMNS)
        async with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {BASELINE_TABLE} ({columns}) FROM STDIN") as copy,
        ):
            with payload.open("rb") as file:
                while block := file.read(1 << 20):
                    await copy.write(block)
    return time.perf_counter() - started


STATEMENT_KIND = re.compile(r"^\s*(INSERT INTO \w+|UPDATE \w+|DELETE FROM \w+|ANALYZE \w+|SELECT)")


class StatementTimes:
    """Seconds per kind of SQL statement ("INSERT INTO member", …) while attached: where an
    import's time goes. The stage's COPY bypasses these events; it and parsing are the rest."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.sync_engine
        self.seconds: dict[str, float] = {}
        self._started: dict[int, float] = {}

    def _before(self, conn: Any, *_: Any) -> None:
        self._started[id(conn)] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        match = STATEMENT_KIND.match(statement)
        kind = match.group(1) if match else statement.split(None, 1)[0]
        elapsed = time.perf_counter() - self._started.pop(id(conn))
        self.seconds[kind] = self.seconds.get(kind, 0.0) + elapsed

    def __enter__(self) -> "StatementTimes":
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


async def service_import(engine: AsyncEngine, path: Path) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    async with make_sessionmaker(engine)() as session, session.begin():
        job = await import_file(session, path, ImportOptions("members", filename=path.name), None)
        counts = {"created": job.created, "updated": job.updated, "unchanged": job.unchanged,
                  "errors": job.errors}  # fmt: skip
    return time.perf_counter() - started, counts


async def run(args: argparse.Namespace) -> dict[str, Any]:
    upgrade(args.database_url)
    settings = Settings(mode=Mode.dev, database_url=args.database_url, statement_timeout_ms=0)
    engine = make_async_engine(settings)
    try:
        await seed_branches(engine)
        path = args.file
        if not path.exists():
            from bench.generate_members import main as generate

            generate([str(args.rows), str(path), "--seed", "1", "--branch-count", str(BRANCHES)])
        payload = await member_payload(engine, path)
        all_tables = await copy_all_tables.payloads(engine, path)
        copies_all: list[float] = []
        copies: list[float] = []
        imports: list[float] = []
        counts: dict[str, int] = {}
        breakdown: dict[str, float] = {}
        for run_number in range(args.runs):
            copies.append(await baseline_copy(engine, payload))
            copies_all.append(await copy_all_tables.copy_all(engine, all_tables))
            await copy_all_tables.drop(engine)
            await reset_members(engine)
            with StatementTimes(engine) as statements:
                seconds, counts = await service_import(engine, path)
            imports.append(seconds)
            breakdown = statements.seconds | {"rest: parse, check, stage": 0.0}
            breakdown["rest: parse, check, stage"] = seconds - sum(breakdown.values())
            print(f"run {run_number + 1}: COPY {copies[-1]:.2f} s, COPY into all four tables "
                  f"{copies_all[-1]:.2f} s, import {seconds:.2f} s {counts}",
                  file=sys.stderr)  # fmt: skip
        payload.unlink()
        for file in all_tables.values():
            file.unlink()
        reimport_seconds, reimport = await service_import(engine, path)
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP TABLE IF EXISTS {BASELINE_TABLE}"))
    finally:
        await engine.dispose()
    copy_rate = args.rows / statistics.median(copies)
    import_rate = args.rows / statistics.median(imports)
    all_tables_rate = args.rows / statistics.median(copies_all)
    return {
        "benchmark": "P3 import members",
        "rows": args.rows,
        "runs": args.runs,
        "copy_seconds": copies,
        "import_seconds": imports,
        "copy_rows_per_s": round(copy_rate),
        "import_rows_per_s": round(import_rate),
        "ratio": round(import_rate / copy_rate, 3),
        "target_ratio": 0.4,
        "copy_all_tables_seconds": copies_all,
        "copy_all_tables_rows_per_s": round(all_tables_rate),
        "ratio_to_copy_all_tables": round(import_rate / all_tables_rate, 3),
        "first_import_counts": counts,
        "last_import_seconds_by_statement": {
            kind: round(value, 3)
            for kind, value in sorted(breakdown.items(), key=lambda item: -item[1])
            if value >= 0.005
        },
        "reimport_seconds": round(reimport_seconds, 2),
        "reimport_changed_rows": reimport["created"] + reimport["updated"],
        "reimport_counts": reimport,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_members", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--file", type=Path, help="default: var/bench_members_<rows>.csv")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        parser.error("the import bench runs on PostgreSQL")
    args.file = args.file or Path(f"var/bench_members_{args.rows}.csv")
    report = asyncio.run(run(args))
    median_copy = statistics.median(report["copy_seconds"])
    print(f"last import, seconds by statement (× median COPY {median_copy:.2f} s):")
    for kind, value in report["last_import_seconds_by_statement"].items():
        print(f"  {value:7.2f} s  {value / median_copy:5.2f} ×  {kind}")
    print(
        f"COPY   {report['copy_rows_per_s']:>9,} rows/s (B4)\n"
        f"import {report['import_rows_per_s']:>9,} rows/s\n"
        f"ratio  {report['ratio']:.2f} (target ≥ {report['target_ratio']})\n"
        f"COPY into all four tables {report['copy_all_tables_rows_per_s']:>9,} rows/s; "
        f"import/that {report['ratio_to_copy_all_tables']:.2f}\n"
        f"re-import changed {report['reimport_changed_rows']} rows\n"
        f"peak RSS {report['peak_rss_mib']} MiB"
    )
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (OUT / f"import_members-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
