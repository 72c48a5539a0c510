"""Member exports: one keyset-paged query per batch, rows scoped like `GET /members`."""

import csv
import io
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import in_scope, subtree_of
from doan3cd.members.queries import BranchNow, M, scoped
from doan3cd.models.unit import Unit

BATCH = 2000
COLUMNS: dict[str, str] = {
    "member_code": "Mã đoàn viên",
    "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh",
    "gender": "Giới tính",
    "phone": "Số điện thoại",
    "email": "Email",
    "address": "Địa chỉ",
    "occupation": "Nghề nghiệp",
    "education": "Trình độ học vấn",
    "card_number": "Số thẻ đoàn viên",
    "joined_on": "Ngày vào Đoàn",
    "branch_code": "Mã chi đoàn",
    "branch_name": "Chi đoàn",
    "status": "Trạng thái",
    "status_changed_on": "Ngày đổi trạng thái",
    "party_admitted_on": "Ngày vào Đảng",
    "is_cadre": "Cán bộ Đoàn",
}
SENSITIVE_COLUMNS: dict[str, str] = {
    "ethnicity": "Dân tộc",
    "religion": "Tôn giáo",
    "national_id": "Số định danh cá nhân",
}


def columns(include_sensitive: bool) -> dict[str, str]:
    return COLUMNS | SENSITIVE_COLUMNS if include_sensitive else COLUMNS


def header(include_sensitive: bool, vietnamese: bool) -> list[str]:
    cols = columns(include_sensitive)
    return list(cols.values()) if vietnamese else list(cols)


def export_statement(
    principal: Principal,
    on: date,
    *,
    within_path: str | None,
    status: str | None,
    include_sensitive: bool,
) -> Any:
    stmt = select(
        *(getattr(M, name) for name in COLUMNS if hasattr(M, name)),
        Unit.code.label("branch_code"),
        BranchNow.name.label("branch_name"),
        *(getattr(M, name) for name in SENSITIVE_COLUMNS if include_sensitive),
        in_scope(principal, Permission.members_sensitive, BranchNow.path.expression).label(
            "may_see_sensitive"
        ),
        M.name_sort_key,
        M.id,
    ).join(Unit, Unit.id == M.branch_id)
    stmt = scoped(stmt, principal, Permission.members_read, on)
    if within_path is not None:
        stmt = stmt.where(subtree_of([within_path], BranchNow.path.expression))
    if status is not None:
        stmt = stmt.where(M.status == status)
    return stmt


def cells(row: Any, include_sensitive: bool) -> list[Any]:
    values = dict(row._mapping)
    if include_sensitive and not values["may_see_sensitive"]:
        values.update(dict.fromkeys(SENSITIVE_COLUMNS))
    return [values[name] for name in columns(include_sensitive)]


async def batches(session: AsyncSession, stmt: Any) -> AsyncIterator[Sequence[Any]]:
    """The rows in name order, BATCH at a time (keyset, so deep batches cost the same)."""
    after: tuple[str, uuid.UUID] | None = None
    while True:
        page = stmt
        if after is not None:
            page = page.where(
                (M.name_sort_key > after[0]) | ((M.name_sort_key == after[0]) & (M.id > after[1]))
            )
        rows = (await session.execute(page.order_by(M.name_sort_key, M.id).limit(BATCH))).all()
        if not rows:
            return
        yield rows
        after = (rows[-1].name_sort_key, rows[-1].id)


def _csv_line(values: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(["" if v is None else v for v in values])
    return buffer.getvalue()


async def csv_stream(
    sessionmaker: async_sessionmaker[AsyncSession],
    stmt: Any,
    include_sensitive: bool,
    vietnamese: bool,
) -> AsyncIterator[bytes]:
    """UTF-8 with a BOM (Excel opens Vietnamese text correctly), read in its own session."""
    yield ("\ufeff" + _csv_line(header(include_sensitive, vietnamese))).encode()
    async with sessionmaker() as session:
        async for rows in batches(session, stmt):
            yield "".join(_csv_line(cells(r, include_sensitive)) for r in rows).encode()


async def xlsx_bytes(
    session: AsyncSession, stmt: Any, include_sensitive: bool, vietnamese: bool
) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Đoàn viên")
    sheet.append(header(include_sensitive, vietnamese))
    async for rows in batches(session, stmt):
        for row in rows:
            sheet.append(cells(row, include_sensitive))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
