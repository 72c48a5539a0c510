"""A second baseline for P3: COPY of everything a created member is, into copies of all four
tables the import writes (the member, its external id, its membership period, its change-log
row), each `LIKE … INCLUDING ALL` with the same foreign keys, in one transaction.

B4 loads the member rows only; this shows how far the import is from the database's bulk-load
speed for the same work, and so how much of the gap to B4 is the schema rather than the import.
"""

import csv
import json
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from doan3cd.domain.name_order import name_sort_key
from doan3cd.domain.text import fold
from doan3cd.imports.member_merge import time_ordered_prefix

TABLES: dict[str, tuple[str, ...]] = {
    "member": ("id", "full_name", "name_folded", "name_sort_key", "date_of_birth", "gender",
               "phone", "member_code", "joined_on", "branch_id", "status", "status_changed_on",
               "is_cadre", "row_version", "created_at", "updated_at"),
    "member_external_id": ("id", "member_id", "source", "external_id"),
    "membership_period": ("id", "member_id", "branch_id", "valid_from", "reason"),
    "change": ("resource", "resource_id", "op", "version", "unit_path", "external_ids",
               "changed_at"),
}  # fmt: skip
FOREIGN_KEYS = {
    "member": ["(branch_id) REFERENCES unit (id)"],
    "member_external_id": ["(member_id) REFERENCES bench_member_all (id)"],
    "membership_period": [
        "(member_id) REFERENCES bench_member_all (id)",
        "(branch_id) REFERENCES unit (id)",
    ],
    "change": [],
}


def copy_of(table: str) -> str:
    return f"bench_{table}_all"


async def payloads(engine: AsyncEngine, path: Path) -> dict[str, Path]:
    """The file's rows for each table in COPY text format, ids ascending as the import's."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT u.code, u.id::text, v.path FROM unit u JOIN unit_version v"
                " ON v.unit_id = u.id AND v.valid_to IS NULL"
            )
        )
        branches = {code: (unit_id, unit_path) for code, unit_id, unit_path in rows.all()}
    today, now = date.today().isoformat(), datetime.now(UTC).isoformat()
    prefixes = {table: time_ordered_prefix() for table in TABLES}
    targets = {table: path.with_suffix(f".{table}.tsv") for table in TABLES}
    outs = {table: target.open("w") for table, target in targets.items()}
    try:
        with path.open(newline="", encoding="utf-8") as file:
            for row_no, row in enumerate(csv.DictReader(file), start=1):
                ids = {t: str(uuid.UUID(prefixes[t] + f"{row_no:012x}")) for t in TABLES}
                member_id = ids["member"]
                name = row["full_name"]
                branch_id, unit_path = branches[row["branch_code"]]
                pair = [{"source": row["source"], "external_id": row["external_id"]}]
                lines = {
                    "member": (member_id, name, fold(name), name_sort_key(name),
                               row["date_of_birth"], row["gender"] or "\\N",
                               row["phone"] or "\\N", row["member_code"],
                               row["joined_on"] or "\\N", branch_id, "active", today, "f", "1",
                               now, now),
                    "member_external_id": (ids["member_external_id"], member_id, row["source"],
                                           row["external_id"]),
                    "membership_period": (ids["membership_period"], member_id, branch_id,
                                          row["joined_on"] or today, "import"),
                    "change": ("members", member_id, "upsert", "1", unit_path,
                               json.dumps(pair, ensure_ascii=False), now),
                }  # fmt: skip
                for table, values in lines.items():
                    outs[table].write("\t".join(values) + "\n")
    finally:
        for out in outs.values():
            out.close()
    return targets


async def copy_all(engine: AsyncEngine, files: dict[str, Path]) -> float:
    """Seconds to COPY every table's rows, member first, in one transaction."""
    async with engine.begin() as conn:
        for table in reversed(TABLES):
            await conn.execute(text(f"DROP TABLE IF EXISTS {copy_of(table)}"))
        for table in TABLES:
            keys = "".join(f", FOREIGN KEY {key}" for key in FOREIGN_KEYS[table])
            await conn.execute(
                text(f"CREATE TABLE {copy_of(table)} (LIKE {table} INCLUDING ALL{keys})")
            )
    started = time.perf_counter()
    async with engine.begin() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        for table, columns in TABLES.items():
            statement = f"COPY {copy_of(table)} ({', '.join(columns)}) FROM STDIN"
            async with driver.cursor() as cursor, cursor.copy(statement) as copy:
                with files[table].open("rb") as file:
                    while block := file.read(1 << 20):
                        await copy.write(block)
    return time.perf_counter() - started


async def drop(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for table in reversed(TABLES):
            await conn.execute(text(f"DROP TABLE IF EXISTS {copy_of(table)}"))
