"""Importing activities: per-row outcomes, set-based unit lookup, atomic, dry run, duplicates."""

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.evidence.imports import import_activities
from doan3cd.imports import ACTIVITIES, open_rows
from doan3cd.models.evidence import Activity
from tests.evidence.tree import Tree
from tests.helpers import admin_principal, scoped_principal

HEADER = (
    "STT,Mã đơn vị,Loại hoạt động,Ngày,Tên hoạt động,Số người tham gia,Giá trị (VNĐ),Đối tác,"
    "Tài liệu\n"
)
GOOD = (
    "1,B1,branch_meeting,05/03/2023,Sinh hoạt chi đoàn tháng 3,18,,,\n"
    "2,G1,resource_mobilisation,20/11/2023,Vận động nhà nhân ái,,50000000,Công ty Mekong,\n"
    "3,G1,advisory_document,03/02/2023,Tờ trình tham mưu,,,,15-TTr/ĐTN\n"
    "4,g1,dialogue,12/08/2023,Đối thoại với lãnh đạo,80,,Bí thư Đảng ủy; Chủ tịch UBND,\n"
)
BAD = (
    "5,XX,other,01/01/2023,Không rõ đơn vị,,,,\n"
    "6,G1,party,01/01/2023,Loại lạ,,,,\n"
    "7,G1,branch_meeting,01/01/2023,Sinh hoạt ở xã đoàn,10,,,\n"
    "8,G1,resource_mobilisation,01/01/2023,Thiếu giá trị,,,Công ty,\n"
    "9,G1,other,31/02/2023,Ngày sai,,,,\n"
)


async def run(session: AsyncSession, text: str, **options: object):  # type: ignore[no-untyped-def]
    principal = options.pop("principal", admin_principal())
    with open_rows((HEADER + text).encode(), ACTIVITIES) as reader:
        return await import_activities(session, principal, reader, **options)  # type: ignore[arg-type]


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Activity)) or 0)


async def test_good_rows_are_created_with_kind_fields(session: AsyncSession, tree: Tree) -> None:
    report = await run(session, GOOD)
    assert [r.action for r in report.rows] == ["create"] * 4
    assert report.written
    activities = {a.kind: a for a in await session.scalars(select(Activity))}
    assert activities["branch_meeting"].details["attendance"] == 18
    assert activities["resource_mobilisation"].value_vnd == 50_000_000
    assert activities["advisory_document"].details["document_ref"] == "15-TTr/ĐTN"
    assert activities["dialogue"].details["leaders_present"] == ["Bí thư Đảng ủy", "Chủ tịch UBND"]
    again = await run(session, GOOD)
    assert [r.action for r in again.rows] == ["unchanged"] * 4
    forced = await run(session, GOOD[: GOOD.index("\n") + 1], strategy="create_all")
    assert [r.action for r in forced.rows] == ["create"]
    assert await count(session) == 5


async def test_errors_per_row_and_atomicity(session: AsyncSession, tree: Tree) -> None:
    report = await run(session, GOOD + BAD)
    assert [r.action for r in report.rows] == ["create"] * 4 + ["error"] * 5
    codes = {r.row: [(e.column, e.code) for e in r.errors] for r in report.rows if r.errors}
    assert codes[6] == [("unit_code", "unit_not_found")]
    assert codes[7] == [("kind", "activity_kind_unknown")]
    assert codes[8] == [("unit_code", "activity_unit_not_branch")]
    assert codes[9] == [("value_vnd", "invalid_value")]
    assert codes[10][0][0] == "occurred_on"
    assert not report.written and await count(session) == 0
    partial = await run(session, GOOD + BAD, atomic=False)
    assert partial.written and await count(session) == 4


async def test_dry_run_and_scope(session: AsyncSession, tree: Tree) -> None:
    dry = await run(session, GOOD, dry_run=True)
    assert dry.count("create") == 4 and not dry.written and await count(session) == 0
    manager = scoped_principal(Role.manager, tree["G2"].id, tree["G2"].path)
    scoped = await run(session, GOOD, principal=manager, atomic=False)
    assert {e.code for r in scoped.rows for e in r.errors} == {"unit_not_found"}
    assert await count(session) == 0


async def test_activities_import_through_post_imports(
    client: httpx.AsyncClient, tree: Tree, admin_headers: dict[str, str]
) -> None:
    content = (HEADER + GOOD).encode("utf-8-sig")
    files = {"file": ("hoat-dong.csv", content, "text/csv")}
    dry = await client.post(
        "/api/v1/imports",
        files=files,
        data={"resource": "activities", "dry_run": "true"},
        headers=admin_headers,
    )
    assert dry.status_code == 200, dry.text
    assert (dry.json()["created"], dry.json()["errors"]) == (4, 0)
    assert (await client.get("/api/v1/activities?year=2023", headers=admin_headers)).json()[
        "items"
    ] == []

    landed = await client.post(
        "/api/v1/imports", files=files, data={"resource": "activities"}, headers=admin_headers
    )
    assert landed.status_code == 200, landed.text
    assert landed.json()["state"] == "succeeded"
    listed = await client.get("/api/v1/activities?year=2023", headers=admin_headers)
    assert len(listed.json()["items"]) == 4
    again = await client.post(
        "/api/v1/imports", files=files, data={"resource": "activities"}, headers=admin_headers
    )
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 4)
