"""The outbound change feed, snapshots to start from, and compaction of old history.

Guarantee (R11): `seq` is handed out in commit order (sync/changes.py), so a reader that has seen
seq n never later finds a newly committed change below n. A snapshot reads the highest seq S
BEFORE reading any record and answers `resume_cursor` = S: every change committed after that
moment has a seq above S and shows in the feed from S. A record changed while the snapshot pages
may show in both; clients apply by (resource, id, version) — keep the higher `data.version`,
drop a record on a tombstone — so the copy ends equal to the database, nothing missed and
nothing applied twice.
"""

import uuid
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from doan3cd.api.i18n import Text
from doan3cd.api.pagination import decode_cursor, encode_cursor
from doan3cd.api.problems import ProblemError
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import WHOLE_TREE_PATH, Principal
from doan3cd.auth.scope import in_scope
from doan3cd.db.types import utcnow
from doan3cd.domain.hierarchy import is_within
from doan3cd.models.change import Change
from doan3cd.models.member import Member
from doan3cd.models.unit import Unit
from doan3cd.models.webhook import SyncMark
from doan3cd.sync import records
from doan3cd.sync.schemas import ChangeItem, ChangePage, SnapshotPage

LOW_WATER = "low_water"
LEFT_SCOPE = "left_scope"


def encode_seq(seq: int) -> str:
    return encode_cursor(["seq", seq])


def decode_seq(cursor: str) -> int:
    values = decode_cursor(cursor)
    if len(values) != 2 or values[0] != "seq" or not isinstance(values[1], int):
        raise _invalid_cursor()
    return values[1]


def _invalid_cursor() -> ProblemError:
    return ProblemError(
        422,
        "invalid_cursor",
        Text(
            "Con trỏ đồng bộ không hợp lệ; hãy dùng next_cursor hoặc resume_cursor đã nhận.",
            "The sync cursor is invalid; pass a next_cursor or resume_cursor you received.",
        ),
    )


def cursor_expired() -> ProblemError:
    return ProblemError(
        410,
        "cursor_expired",
        Text(
            "Lịch sử thay đổi sau con trỏ này đã được thu gọn; hãy lấy lại ảnh chụp "
            "(GET /sync/snapshot) rồi theo dõi từ resume_cursor.",
            "The change history after this cursor was compacted; take a new snapshot "
            "(GET /sync/snapshot) and follow the feed from its resume_cursor.",
        ),
    )


def unknown_resources(names: list[str]) -> ProblemError:
    return ProblemError(
        422,
        "sync_resource_unknown",
        Text(
            "Tài nguyên đồng bộ không hỗ trợ: {names}. Hỗ trợ: {known}.",
            "Unsupported sync resources: {names}. Supported: {known}.",
        ).format(names=", ".join(names), known=", ".join(records.RESOURCES)),
    )


def parse_resources(raw: str | None) -> list[str]:
    names = [n.strip() for n in (raw or ",".join(records.RESOURCES)).split(",") if n.strip()]
    if unknown := sorted(set(names) - set(records.RESOURCES)):
        raise unknown_resources(unknown)
    return sorted(set(names)) or list(records.RESOURCES)


async def low_water(session: AsyncSession) -> int:
    return await session.scalar(select(SyncMark.seq).where(SyncMark.name == LOW_WATER)) or 0


def _op_for(principal: Principal, change: Change) -> str:
    """The change as the caller sees it: a move from inside its scope to outside is
    `left_scope` (a tombstone for this caller: drop the record, it is no longer yours)."""
    roots = principal.paths_for(Permission.sync_read)
    if change.previous_unit_path is None or WHOLE_TREE_PATH in roots:
        return change.op
    now_inside = change.unit_path is not None and any(
        is_within(change.unit_path, root) for root in roots
    )
    return change.op if now_inside else LEFT_SCOPE


async def items_for(
    session: AsyncSession, principal: Principal, changes: list[Change]
) -> list[ChangeItem]:
    """Feed items with current data, loaded with one query per resource on the page."""
    ops = [_op_for(principal, c) for c in changes]
    data: dict[str, dict[uuid.UUID, dict[str, Any]]] = {}
    for resource in {c.resource for c in changes}:
        ids = [
            c.resource_id
            for c, op in zip(changes, ops, strict=True)
            if c.resource == resource and op == "upsert"
        ]
        data[resource] = await records.load(session, principal, resource, ids)
    return [
        ChangeItem(
            seq=c.seq,
            resource=c.resource,
            id=c.resource_id,
            external_ids=c.external_ids or [],
            op=op,
            version=c.version,
            changed_at=c.changed_at,
            data=data[c.resource].get(c.resource_id) if op == "upsert" else None,
        )
        for c, op in zip(changes, ops, strict=True)
    ]


async def list_changes(
    session: AsyncSession,
    principal: Principal,
    cursor: str | None,
    resources: list[str],
    limit: int,
) -> ChangePage:
    after = decode_seq(cursor) if cursor else 0
    if after < await low_water(session):
        raise cursor_expired()
    # Read before the page: every seq up to it is committed and visible to the page query.
    high = await session.scalar(select(func.max(Change.seq))) or 0
    stmt = select(Change).where(Change.seq > after, Change.resource.in_(resources))
    scope = records.scope_filter(principal, Permission.sync_read, Change.unit_path.expression)
    if scope is not None:
        # Also the moves out of the caller's subtrees, which it sees as `left_scope`.
        previous = cast(ColumnElement[str], Change.previous_unit_path.expression)
        left = in_scope(principal, Permission.sync_read, previous)
        stmt = stmt.where(scope | (Change.previous_unit_path.is_not(None) & left))
    rows = list(await session.scalars(stmt.order_by(Change.seq).limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].seq if rows else after
    if not has_more:
        last = max(last, high)  # skip what the caller may not see, so polls stay cheap
    return ChangePage(
        items=await items_for(session, principal, rows),
        next_cursor=encode_seq(last),
        has_more=has_more,
    )


async def snapshot(
    session: AsyncSession,
    principal: Principal,
    resource: str,
    cursor: str | None,
    limit: int,
) -> SnapshotPage:
    """One page of the current set ordered by id; the first page also says where to resume."""
    resume = None
    if cursor is None:
        # Read BEFORE any record: whatever commits later has a higher seq (see module doc).
        resume = encode_seq(await session.scalar(select(func.max(Change.seq))) or 0)
    after = _snapshot_after(cursor) if cursor else None
    id_column = Member.id if resource == "members" else Unit.id
    stmt = records.SELECTS[resource](principal, Permission.sync_read)
    if after is not None:
        stmt = stmt.where(id_column > after)
    rows = list(await session.execute(stmt.order_by(id_column).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(["id", str(rows[-1].id)])
    return SnapshotPage(
        resource=resource,
        items=[records.representation(resource, row) for row in rows],
        next_cursor=next_cursor,
        resume_cursor=resume,
    )


def _snapshot_after(cursor: str) -> uuid.UUID:
    values = decode_cursor(cursor)
    try:
        if len(values) != 2 or values[0] != "id":
            raise ValueError(cursor)
        return uuid.UUID(values[1])
    except (TypeError, ValueError):
        raise _invalid_cursor() from None


async def compact(session: AsyncSession, retention_days: int) -> tuple[int, int]:
    """Delete changes older than the retention window, except each record's latest entry.

    Raises the low-water mark to the highest seq deleted, so cursors from before it answer 410.
    Returns (rows deleted, low-water mark).
    """
    horizon = utcnow() - timedelta(days=retention_days)
    newer = aliased(Change)
    doomed = select(Change.seq).where(
        Change.changed_at < horizon,
        exists().where(
            newer.resource == Change.resource,
            newer.resource_id == Change.resource_id,
            newer.seq > Change.seq,
        ),
    )
    highest = await session.scalar(select(func.max(doomed.subquery().c.seq)))
    mark = await low_water(session)
    if highest is None:
        return 0, mark
    result = await session.execute(
        delete(Change).where(Change.seq.in_(doomed)).execution_options(synchronize_session=False)
    )
    mark = max(mark, highest)
    existing = await session.get(SyncMark, LOW_WATER)
    if existing is None:
        session.add(SyncMark(name=LOW_WATER, seq=mark))
    else:
        existing.seq = mark
    await session.flush()
    return int(result.rowcount or 0), mark  # type: ignore[attr-defined]
