"""Checked member rows → the member tables, set-based: stage, resolve, then one merge.

    stage (COPY on PostgreSQL, executemany on SQLite)
    → resolve: one INSERT … SELECT matches every row (member_code, else (source, external_id)),
      finds its branch, checks scope and the strategy, and lists the fields that would change
    → merge: UPDATE … FROM for changed members, INSERT … SELECT for new ones, their external ids
      and membership periods, and the change-log rows — each one statement for the whole file.

Concurrent imports of one resource serialise on a transaction-scoped advisory lock taken before
resolving (PostgreSQL; SQLite has a single writer anyway): each import then sees the committed
result of the one before, so the end state is the serial one, no member code is created twice, and
no two imports can deadlock — each holds one lock, always taken first. Parsing and staging still
run in parallel; only resolve + merge are serial.
"""

import contextlib
import re
import secrets
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    and_,
    case,
    delete,
    false,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from doan3cd.auth.scope import subtree_of
from doan3cd.db.types import binary_string, utcnow
from doan3cd.domain.units import UnitKind
from doan3cd.imports.member_rows import STAGE_FIELDS
from doan3cd.models.change import Change
from doan3cd.models.job import ImportJobError, ImportJobRow
from doan3cd.models.member import Member, MemberExternalId, MembershipPeriod
from doan3cd.models.unit import Unit, UnitVersion
from doan3cd.sync.changes import CHANGE_LOG_LOCK_KEY

MEMBER = cast(Table, Member.__table__)
EXTERNAL_ID = cast(Table, MemberExternalId.__table__)
PERIOD = cast(Table, MembershipPeriod.__table__)
CHANGE = cast(Table, Change.__table__)
IMPORT_LOCK_KEY = 0x696D_706F_7274_6D62  # "importmb": one member import merges at a time
BRANCH_KINDS = (UnitKind.branch.value, UnitKind.grassroots_branch.value)

_temp = MetaData()
STAGE = Table(
    "import_member_stage",
    _temp,
    Column("row_no", Integer, primary_key=True, autoincrement=False),
    Column("member_code", String(32)),
    Column("full_name", String(200)),
    Column("name_folded", String(200)),
    Column("name_sort_key", binary_string(600)),
    Column("date_of_birth", Date),
    Column("gender", String(10)),
    Column("phone", String(20)),
    Column("email", String(254)),
    Column("address", String(500)),
    Column("occupation", String(200)),
    Column("education", String(200)),
    Column("card_number", String(32)),
    Column("joined_on", Date),
    Column("branch_code", String(64)),
    Column("status", String(16)),
    Column("party_admitted_on", Date),
    Column("ethnicity", String(60)),
    Column("religion", String(60)),
    Column("national_id", String(12)),
    Column("source", String(40)),
    Column("external_id", String(100)),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
RESOLVED = Table(
    "import_member_resolved",
    _temp,
    Column("row_no", Integer, primary_key=True, autoincrement=False),
    Column("member_id", Uuid),
    Column("branch_id", Uuid),
    Column("branch_path", binary_string(1100)),
    Column("action", String(10)),
    Column("error_code", String(64)),
    Column("error_column", String(64)),
    Column("changed", String(400)),
    Column("moved", Boolean),
    Column("new_external_id", Boolean),
    Column("home_path", binary_string(1100)),  # where a matched member sits before the import
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
assert tuple(c.name for c in STAGE.columns) == STAGE_FIELDS
# The columns the merge statements join and filter on: statistics of the others would only cost
# time to gather (a third of resolving a fresh file).
STAGE_JOIN_KEYS = ("row_no", "member_code", "branch_code", "source", "external_id")
RESOLVED_KEYS = ("row_no", "member_id", "action", "moved", "new_external_id")

# Member columns a file writes as they are (the branch goes through its code, the name with its
# derived keys).
PLAIN_FIELDS = tuple(
    f
    for f in STAGE_FIELDS
    if f not in {"row_no", "full_name", "name_folded", "name_sort_key", "branch_code", "source",
                 "external_id"}
)  # fmt: skip

ERROR_MESSAGES = {
    "branch_not_found": ("Không có chi đoàn mã này.", "No branch has this code."),
    "branch_kind_invalid": (
        "Đơn vị này không phải là chi đoàn.",
        "This unit is not a branch (chi đoàn).",
    ),
    "branch_out_of_scope": (
        "Chi đoàn nằm ngoài phạm vi bạn được quản lý.",
        "The branch is outside the units you manage.",
    ),
    "duplicate_in_file": (
        "Trùng với một dòng trước trong tệp.",
        "Duplicates an earlier row of the file.",
    ),
    "external_id_conflict": (
        "Mã định danh ngoài đã thuộc về một đoàn viên khác.",
        "The external id already belongs to another member.",
    ),
    "member_exists": ("Đoàn viên đã tồn tại.", "The member already exists."),
    "member_not_found": ("Không tìm thấy đoàn viên.", "No such member."),
    "member_out_of_scope": (
        "Đoàn viên thuộc chi đoàn nằm ngoài phạm vi bạn được quản lý.",
        "The member belongs to a branch outside the units you manage.",
    ),
}


@dataclass(frozen=True, slots=True)
class MergePlan:
    job_id: uuid.UUID
    strategy: str
    present: frozenset[str]
    scope_paths: list[str]
    today: date


@dataclass(slots=True)
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0
    written: bool = False


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _new_uuid(postgres: bool) -> ColumnElement[Any]:
    if postgres:
        return func.gen_random_uuid()
    # SQLite stores a UUID as 32 hex digits; randomblob gives 128 random bits.
    return func.lower(func.hex(func.randomblob(16)))


def time_ordered_prefix() -> str:
    """The first 80 bits of UUIDv7-like ids: Unix milliseconds, version 7, random bits, variant."""
    value = (
        (time.time_ns() // 1_000_000) << 80
        | 0x7 << 76
        | secrets.randbits(12) << 64
        | 0b10 << 62
        | secrets.randbits(14) << 48
    )
    return f"{value:032x}"[:20]


def _new_id(postgres: bool, row_no: ColumnElement[int]) -> ColumnElement[Any]:
    """A new id per staged row. On PostgreSQL one statement's ids share a time-ordered prefix and
    end in the row number, so they ascend with the rows: each index on them (primary keys, foreign
    keys, the change log's) is appended to at its right edge instead of being written all over,
    which is what made inserting a file's rows slow. Built after the import lock is taken, so two
    imports' prefixes differ in their millisecond (and in 26 random bits besides)."""
    if not postgres:
        return _new_uuid(postgres)
    hex_digits = literal(time_ordered_prefix()) + func.lpad(func.to_hex(row_no), 12, "0")
    return hex_digits.cast(Uuid)


def _create(session: Any, table: Table) -> None:
    table.create(session.connection())


async def create_stage(session: AsyncSession) -> None:
    for table in (STAGE, RESOLVED):
        await session.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
        await session.run_sync(_create, table)


async def drop_stage(session: AsyncSession) -> None:
    for table in (STAGE, RESOLVED):
        await session.execute(text(f"DROP TABLE IF EXISTS {table.name}"))


# COPY text format: backslash, tab, newline and carriage return are escaped; NULL is \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_NULL = "\\N"


def _copy_column(values: Sequence[object]) -> Sequence[str]:
    """One column's cells as COPY text. A column at a time, so that the common cases (a column
    the file lacks, one with nothing to escape) cost a few C-level passes instead of a Python
    call per cell."""
    if values.count(None) == len(values):
        return [_COPY_NULL] * len(values)
    texts = [v if type(v) is str or v is None else str(v) for v in values]  # ints, ISO dates
    if _COPY_SPECIAL.search("".join(filter(None, texts))):
        texts = [t and t.translate(_COPY_ESCAPES) for t in texts]
    return [_COPY_NULL if t is None else t for t in texts]


def copy_text(columns: Sequence[Sequence[object]]) -> bytes:
    """Rows given column by column, as one COPY text payload (one write per chunk)."""
    if not columns or not columns[0]:
        return b""
    lines = map("\t".join, zip(*map(_copy_column, columns), strict=True))
    return ("\n".join(lines) + "\n").encode()


StagePayload = bytes | list[dict[str, object]]


def encode_stage(columns: Sequence[Sequence[object]], *, postgres: bool) -> StagePayload:
    """Checked rows (column by column) as the stager writes them: COPY text on PostgreSQL, row
    dicts elsewhere. No I/O, so it runs wherever the rows were checked."""
    if postgres:
        return copy_text(columns)
    return [dict(zip(STAGE_FIELDS, row, strict=True)) for row in zip(*columns, strict=True)]


class Stager:
    """Loads encoded rows into the stage: on PostgreSQL through one COPY that stays open across
    chunks, so the server loads a chunk while the next is being checked (a COPY per chunk waits
    for the server at each one); one executemany per chunk elsewhere. No other statement can
    run on the session while the COPY is open (psycopg would wait for it, forever): `pause()`
    ends it (the next write opens another), and leaving the `async with` ends it for good."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.postgres = is_postgres(session)
        self._copy: Any = None
        self._open = contextlib.AsyncExitStack()

    async def write(self, payload: StagePayload) -> None:
        if not payload:
            return
        if isinstance(payload, bytes):
            if self._copy is None:
                self._copy = await self._open_copy()
            await self._copy.write(payload)
        else:
            await self.session.execute(insert(STAGE), payload)

    async def _open_copy(self) -> Any:
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        cursor = await self._open.enter_async_context(driver.cursor())
        columns = ", ".join(STAGE_FIELDS)
        return await self._open.enter_async_context(
            cursor.copy(f"COPY {STAGE.name} ({columns}) FROM STDIN")
        )

    async def pause(self) -> None:
        self._copy = None
        await self._open.aclose()

    async def __aenter__(self) -> "Stager":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._copy = None
        await self._open.__aexit__(*exc_info)  # type: ignore[arg-type]


def _today_version(version: Any, today: date) -> ColumnElement[bool]:
    return and_(
        version.valid_from <= today,
        or_(version.valid_to.is_(None), version.valid_to > today),
    )


def _concat(parts: Iterable[ColumnElement[Any]]) -> ColumnElement[Any]:
    result: ColumnElement[Any] = literal("")
    for part in parts:
        result = result + part
    return result


def _resolve_select(plan: MergePlan, postgres: bool) -> Any:
    s = STAGE.c
    unit = aliased(Unit)
    branch = aliased(UnitVersion)
    by_code = aliased(Member)
    ext = aliased(MemberExternalId)
    member = aliased(Member)
    home = aliased(UnitVersion)

    matched_id = func.coalesce(by_code.id, ext.member_id)
    # Duplicate keys within the file, ranked over the narrow key columns only (sorting whole
    # joined rows would spill to disk at a million rows).
    ranks = select(
        s.row_no,
        case(
            (s.member_code.is_(None), 1),
            else_=func.row_number().over(partition_by=s.member_code, order_by=s.row_no),
        ).label("code_rank"),
        case(
            (s.external_id.is_(None), 1),
            else_=func.row_number().over(partition_by=(s.source, s.external_id), order_by=s.row_no),
        ).label("external_rank"),
    ).subquery("ranks")
    dup_code, dup_ext = ranks.c.code_rank, ranks.c.external_rank
    in_scope = subtree_of(plan.scope_paths, cast(ColumnElement[str], branch.path))
    home_in_scope = subtree_of(plan.scope_paths, cast(ColumnElement[str], home.path))
    checks: list[tuple[ColumnElement[bool], str, str]] = [
        (unit.id.is_(None), "branch_not_found", "branch_code"),
        (branch.id.is_(None), "branch_kind_invalid", "branch_code"),
        (~in_scope, "branch_out_of_scope", "branch_code"),
        (dup_code > 1, "duplicate_in_file", "member_code"),
        (dup_ext > 1, "duplicate_in_file", "external_id"),
        (
            and_(by_code.id.is_not(None), ext.member_id.is_not(None), by_code.id != ext.member_id),
            "external_id_conflict",
            "external_id",
        ),
    ]
    if plan.strategy == "create":
        checks.append((matched_id.is_not(None), "member_exists", "member_code"))
    if plan.strategy == "update":
        checks.append((matched_id.is_(None), "member_not_found", "member_code"))
    checks.append(
        (and_(matched_id.is_not(None), ~func.coalesce(home_in_scope, false())),
         "member_out_of_scope", "member_code")
    )  # fmt: skip
    error_code = case(*((cond, literal(code)) for cond, code, _ in checks), else_=null())
    error_column = case(*((cond, literal(col)) for cond, _, col in checks), else_=null())

    differences: list[ColumnElement[Any]] = []
    for field in PLAIN_FIELDS:
        if field in plan.present:
            stage_value: ColumnElement[Any] = s[field]
            if field == "member_code":
                stage_value = func.coalesce(s.member_code, member.member_code)
            differences.append(
                case((stage_value.is_distinct_from(getattr(member, field)), literal(field + " ")),
                     else_=literal(""))
            )  # fmt: skip
    if "full_name" in plan.present:
        differences.append(
            case((s.full_name.is_distinct_from(member.full_name), literal("full_name ")),
                 else_=literal(""))
        )  # fmt: skip
    differences.append(
        case((unit.id.is_distinct_from(member.branch_id), literal("branch_code ")),
             else_=literal(""))
    )  # fmt: skip
    new_external_id = and_(s.external_id.is_not(None), ext.member_id.is_(None))
    differences.append(case((new_external_id, literal("external_id ")), else_=literal("")))
    changed = _concat(differences)

    base = (
        select(
            s.row_no,
            matched_id.label("matched_id"),
            unit.id.label("branch_id"),
            branch.path.label("branch_path"),
            error_code.label("error_code"),
            error_column.label("error_column"),
            changed.label("changed"),
            unit.id.is_distinct_from(member.branch_id).label("moved"),
            new_external_id.label("new_external_id"),
            home.path.label("home_path"),
        )
        .select_from(STAGE)
        .join(ranks, ranks.c.row_no == s.row_no)
        .outerjoin(unit, unit.code == s.branch_code)
        .outerjoin(
            branch,
            and_(
                branch.unit_id == unit.id,
                branch.kind.in_(BRANCH_KINDS),
                _today_version(branch, plan.today),
            ),
        )
        .outerjoin(by_code, by_code.member_code == s.member_code)
        .outerjoin(ext, and_(ext.source == s.source, ext.external_id == s.external_id))
        .outerjoin(member, member.id == func.coalesce(by_code.id, ext.member_id))
        .outerjoin(home, and_(home.unit_id == member.branch_id, _today_version(home, plan.today)))
        .subquery("base")
    )
    b = base.c
    action = case(
        (b.error_code.is_not(None), literal("error")),
        (b.matched_id.is_(None), literal("create")),
        (b.changed != "", literal("update")),
        else_=literal("unchanged"),
    )
    member_id = case(
        (b.error_code.is_not(None), b.matched_id),
        else_=func.coalesce(b.matched_id, _new_id(postgres, b.row_no)),
    )
    return select(
        b.row_no,
        member_id,
        b.branch_id,
        b.branch_path,
        action,
        b.error_code,
        b.error_column,
        b.changed,
        and_(b.matched_id.is_not(None), b.moved),
        b.new_external_id,
        b.home_path,
    )


async def resolve(session: AsyncSession, plan: MergePlan) -> dict[str, int]:
    """Fill RESOLVED; return how many rows would be created, updated, unchanged, in error."""
    postgres = is_postgres(session)
    if postgres:
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
        await session.execute(text(f"ANALYZE {STAGE.name} ({', '.join(STAGE_JOIN_KEYS)})"))
        # Every statement from here joins whole sets: hash and merge joins are always right, and
        # statistics of freshly loaded tables must not tempt the planner into nested loops.
        await session.execute(text("SET LOCAL enable_nestloop = off"))
        await session.execute(text("SET LOCAL work_mem = '256MB'"))
    await session.execute(
        insert(RESOLVED).from_select(
            [c.name for c in RESOLVED.columns], _resolve_select(plan, postgres)
        )
    )
    if postgres:
        await session.execute(text(f"ANALYZE {RESOLVED.name} ({', '.join(RESOLVED_KEYS)})"))
    counts = await session.execute(
        select(RESOLVED.c.action, func.count()).group_by(RESOLVED.c.action)
    )
    return {str(action): int(count) for action, count in counts.all()}


async def record_sql_errors(session: AsyncSession, job_id: uuid.UUID) -> None:
    """Rows refused while resolving, as job errors (one statement)."""
    r = RESOLVED.c
    postgres = is_postgres(session)
    codes = list(ERROR_MESSAGES)
    message_vi = case(*((r.error_code == code, literal(ERROR_MESSAGES[code][0])) for code in codes))
    message_en = case(*((r.error_code == code, literal(ERROR_MESSAGES[code][1])) for code in codes))
    await session.execute(
        insert(ImportJobError).from_select(
            ["id", "job_id", "row", "column", "code", "message_vi", "message_en"],
            select(
                _new_uuid(postgres),
                literal(job_id, ImportJobError.job_id.type),
                r.row_no,
                r.error_column,
                r.error_code,
                message_vi,
                message_en,
            ).where(r.action == "error"),
        )
    )


async def record_row_results(session: AsyncSession, job_id: uuid.UUID) -> None:
    """Per-row results of a dry run (one statement)."""
    r = RESOLVED.c
    await session.execute(
        insert(ImportJobRow).from_select(
            ["job_id", "row", "action", "changed", "member_id"],
            select(
                literal(job_id, ImportJobRow.job_id.type),
                r.row_no,
                r.action,
                case((r.action == "update", func.rtrim(r.changed)), else_=null()),
                case((r.action.in_(("update", "unchanged")), r.member_id), else_=null()),
            ),
        )
    )


async def merge(session: AsyncSession, plan: MergePlan) -> None:
    """Write the resolved create/update rows (the caller decided that they should land)."""
    postgres = is_postgres(session)
    s, r = STAGE.c, RESOLVED.c
    now = utcnow()
    member_id, branch_id = r.member_id, r.branch_id
    member = MEMBER.c

    updates: dict[str, Any] = {f: s[f] for f in PLAIN_FIELDS if f in plan.present}
    if "member_code" in updates:
        updates["member_code"] = func.coalesce(s.member_code, member.member_code)
    if "status" in updates:
        updates["status"] = func.coalesce(s.status, member.status)
    if "full_name" in plan.present:
        updates |= {"full_name": s.full_name, "name_folded": s.name_folded,
                    "name_sort_key": s.name_sort_key}  # fmt: skip
    updates |= {
        "branch_id": branch_id,
        "row_version": member.row_version + 1,
        "updated_at": now,
    }
    await session.execute(
        update(MEMBER)
        .where(member.id == member_id, r.row_no == s.row_no, r.action == "update")
        .values(updates)
    )

    created = [
        "id", "full_name", "name_folded", "name_sort_key", *PLAIN_FIELDS, "branch_id",
        "status_changed_on", "is_cadre", "row_version", "created_at", "updated_at",
    ]  # fmt: skip
    created.remove("status")
    await session.execute(
        insert(MEMBER).from_select(
            [*created, "status"],
            select(
                member_id,
                s.full_name,
                s.name_folded,
                s.name_sort_key,
                *(s[f] for f in PLAIN_FIELDS if f != "status"),
                branch_id,
                literal(plan.today, Date()),
                false(),
                literal(1),
                literal(now, Member.created_at.type),
                literal(now, Member.updated_at.type),
                func.coalesce(s.status, literal("active")),
            )
            .select_from(STAGE)
            .join(RESOLVED, r.row_no == s.row_no)
            .where(r.action == "create")
            .order_by(r.row_no),
            include_defaults=False,
        )
    )

    await session.execute(
        insert(EXTERNAL_ID).from_select(
            ["id", "member_id", "source", "external_id"],
            select(_new_id(postgres, r.row_no), member_id, s.source, s.external_id)
            .select_from(STAGE)
            .join(RESOLVED, r.row_no == s.row_no)
            .where(r.action.in_(("create", "update")), r.new_external_id == true())
            .order_by(r.row_no),
            include_defaults=False,
        )
    )

    moved = select(member_id).where(r.action == "update", r.moved == true())
    period = PERIOD.c
    await session.execute(
        update(PERIOD)
        .where(period.member_id.in_(moved), period.valid_to.is_(None),
               period.valid_from < plan.today)
        .values(valid_to=plan.today)
    )  # fmt: skip
    await session.execute(
        delete(PERIOD).where(period.member_id.in_(moved), period.valid_from == plan.today)
    )
    await session.execute(
        insert(PERIOD).from_select(
            ["id", "member_id", "branch_id", "valid_from", "reason"],
            select(
                _new_id(postgres, r.row_no),
                member_id,
                branch_id,
                case(
                    (r.action == "create", func.coalesce(s.joined_on, literal(plan.today, Date()))),
                    else_=literal(plan.today, Date()),
                ),
                literal("import"),
            )
            .select_from(STAGE)
            .join(RESOLVED, r.row_no == s.row_no)
            .where(or_(r.action == "create", and_(r.action == "update", r.moved == true())))
            .order_by(r.row_no),
            include_defaults=False,
        )
    )
    await _log_changes(session, postgres, now)


def _json_pair(postgres: bool, source: Any, external_id: Any) -> ColumnElement[Any]:
    build = func.json_build_object if postgres else func.json_object
    return cast(ColumnElement[Any], build("source", source, "external_id", external_id))


def _updated_members(postgres: bool) -> Any:
    """The members this import updated: their version and all their external ids as a JSON
    array (one aggregate over the updated set only; a created member's are in its stage row)."""
    x, r, member = EXTERNAL_ID.c, RESOLVED.c, MEMBER.c
    pair = _json_pair(postgres, x.source, x.external_id)
    pairs = func.json_agg(pair) if postgres else func.json_group_array(pair)
    updated = select(r.member_id).where(r.action == "update")
    ids = (
        select(x.member_id, pairs.label("pairs"))
        .where(x.member_id.in_(updated))
        .group_by(x.member_id)
        .subquery("external_ids")
    )
    return (
        select(member.id, member.row_version, ids.c.pairs)
        .join(RESOLVED, and_(r.member_id == member.id, r.action == "update"))
        .outerjoin(ids, ids.c.member_id == member.id)
        .subquery("updated")
    )


CHANGE_COLUMNS = ("resource", "resource_id", "op", "version", "unit_path", "external_ids",
                  "changed_at", "previous_unit_path")  # fmt: skip


async def _log_changes(session: AsyncSession, postgres: bool, now: datetime) -> None:
    """One change row per member created or updated, numbered in commit order (see
    sync/changes.py: the change-log lock is held from here to the commit): the created ones in
    row order, then the updated ones. A created member is at version 1 with at most its staged
    external id, so its row comes from the stage alone, read in row order as the other inserts
    read it: the first import of a file neither reads back what it has just written nor sorts."""
    if postgres:
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK_KEY}
        )
    s, r = STAGE.c, RESOLVED.c
    empty: ColumnElement[Any] = literal_column("'[]'::json") if postgres else literal("[]")
    array = func.json_build_array if postgres else func.json_array
    changed_at = literal(now, Change.changed_at.type)
    created = (
        select(
            literal("members"),
            r.member_id,
            literal("upsert"),
            literal(1),
            r.branch_path,
            case(
                (s.external_id.is_(None), empty),
                else_=array(_json_pair(postgres, s.source, s.external_id)),
            ),
            changed_at,
            null(),
        )
        .select_from(STAGE)
        .join(RESOLVED, r.row_no == s.row_no)
        .where(r.action == "create")
        .order_by(r.row_no)
    )
    updated = _updated_members(postgres)
    updates = (
        select(
            literal("members"),
            r.member_id,
            literal("upsert"),
            updated.c.row_version,
            r.branch_path,
            func.coalesce(updated.c.pairs, empty),
            changed_at,
            case((r.moved, r.home_path), else_=null()),
        )
        .select_from(RESOLVED)
        .join(updated, updated.c.id == r.member_id)
        .where(r.action == "update")
        .order_by(r.row_no)
    )
    for rows in (created, updates):
        await session.execute(
            insert(CHANGE).from_select(CHANGE_COLUMNS, rows, include_defaults=False)
        )
