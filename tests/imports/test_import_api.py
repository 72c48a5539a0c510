"""POST /imports in the request: strategies, dry run, atomic and best effort, idempotent re-runs."""

import io

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.models.audit import AuditEvent
from doan3cd.models.change import Change
from doan3cd.models.member import Member, MemberExternalId, MembershipPeriod
from tests.helpers import act_as, admin_principal, assert_problem, scoped_principal
from tests.imports.conftest import HEADER, Tree, csv_of, member_row, poster


@pytest.fixture
def post(client: httpx.AsyncClient, app: FastAPI) -> object:
    act_as(app, admin_principal())
    return poster(client)


async def _count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_upsert_creates_then_reimport_changes_nothing(
    post, tree: Tree, session: AsyncSession
) -> None:
    content = csv_of(member_row(1), member_row(2, "CD-A2", name="trần thị bình"))
    first = await post(content)
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["state"], report["created"], report["updated"], report["errors"]) == (
        "succeeded", 2, 0, 0,
    )  # fmt: skip
    member = await session.scalar(select(Member).where(Member.member_code == "DV0002"))
    assert member is not None
    assert member.full_name == "trần thị bình" and member.name_folded == "tran thi binh"
    assert (member.phone == "+84912345678" and member.gender == "female") or member.gender == "male"
    assert member.branch_id == tree.a2.id
    assert await _count(session, MemberExternalId) == 2
    assert await _count(session, MembershipPeriod) == 2
    changes = await _count(session, Change)
    assert changes == 2
    assert (
        await session.scalar(
            select(func.count()).where(
                AuditEvent.action == "import", AuditEvent.resource == "members"
            )
        )
        == 1
    )

    again = (await post(content)).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    await session.refresh(member)
    assert member.row_version == 1
    assert await _count(session, Change) == changes


async def test_dry_run_reports_per_row_and_writes_nothing(
    post, tree: Tree, session: AsyncSession
) -> None:
    assert (await post(csv_of(member_row(1), member_row(2)))).status_code == 200
    content = csv_of(
        member_row(1),  # unchanged
        member_row(2, phone="0987654321"),  # phone changes
        member_row(3),  # new
        member_row(4, "NOPE"),  # unknown branch
        member_row(5).replace("01/02/2000", "31/02/2000"),  # invalid date
    )
    response = await post(content, dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    rows = {r["row"]: r for r in report["rows"]}
    assert rows[2]["action"] == "unchanged"
    assert rows[3]["action"] == "update" and rows[3]["changed"] == ["phone"]
    assert rows[4]["action"] == "create"
    assert rows[5]["action"] == "error"
    assert rows[5]["errors"][0]["code"] == "branch_not_found"
    assert rows[5]["errors"][0]["column"] == "branch_code"
    assert rows[6]["action"] == "error" and rows[6]["errors"][0]["code"] == "invalid_date"
    assert report["state"] == "failed" and report["error_code"] == "import_rows_invalid"
    assert await _count(session, Member) == 2
    member = await session.scalar(select(Member).where(Member.member_code == "DV0002"))
    assert member is not None and member.phone == "+84912345678"

    jobs = await post(content, dry_run=True, atomic=False)
    job_id = jobs.json()["id"]
    page = await post.__closure__[0].cell_contents.get(  # type: ignore[attr-defined]
        f"/api/v1/jobs/{job_id}/rows", params={"limit": 2}
    )
    assert [r["row"] for r in page.json()["items"]] == [2, 3]


async def test_strategies(post, tree: Tree, session: AsyncSession) -> None:
    await post(csv_of(member_row(1)))
    created = (await post(csv_of(member_row(1), member_row(2)), strategy="create")).json()
    assert created["error_code"] == "import_rows_invalid"
    assert [p["code"] for p in created["problems"]] == ["member_exists"]
    assert await _count(session, Member) == 1

    updated = (
        await post(csv_of(member_row(1, name="Nguyễn Văn Anh"), member_row(2)), strategy="update")
    ).json()
    assert [p["code"] for p in updated["problems"]] == ["member_not_found"]

    best = (
        await post(
            csv_of(member_row(1, name="Nguyễn Văn Anh"), member_row(2)),
            strategy="update",
            atomic=False,
        )
    ).json()
    assert (best["state"], best["updated"], best["errors"]) == ("succeeded", 1, 1)
    member = await session.scalar(select(Member).where(Member.member_code == "DV0001"))
    assert member is not None
    await session.refresh(member)
    assert member.full_name == "Nguyễn Văn Anh" and member.row_version == 2


async def test_atomic_rollback_and_best_effort_with_errors_csv(
    post, client: httpx.AsyncClient, tree: Tree, session: AsyncSession
) -> None:
    content = csv_of(member_row(1), member_row(2, phone="12"), member_row(3))
    atomic = (await post(content)).json()
    assert atomic["state"] == "failed" and atomic["created"] == 0
    assert await _count(session, Member) == 0

    best = (await post(content, atomic=False)).json()
    assert (best["state"], best["created"], best["errors"]) == ("succeeded", 2, 1)
    assert await _count(session, Member) == 2
    csv_vi = await client.get(best["errors_csv"])
    assert csv_vi.status_code == 200
    text = csv_vi.content.decode("utf-8-sig")
    assert text.startswith("Dòng,Cột,Mã lỗi,Thông báo")
    assert '3,phone,phone_invalid,"Số điện thoại không hợp lệ' in text
    csv_en = await client.get(best["errors_csv"], headers={"Accept-Language": "en"})
    assert '3,phone,phone_invalid,"Invalid phone number' in csv_en.content.decode("utf-8-sig")


async def test_duplicates_within_file_are_errors(post, tree: Tree, session: AsyncSession) -> None:
    report = (await post(csv_of(member_row(1), member_row(1)), atomic=False)).json()
    assert report["created"] == 1
    assert [(p["row"], p["code"]) for p in report["problems"]] == [(3, "duplicate_in_file")]


async def test_vietnamese_headers_bom_and_windows_1258(
    post, tree: Tree, session: AsyncSession
) -> None:
    header = "STT,Mã đoàn viên,Họ và tên,Ngày sinh,Giới tính,Ngày vào Đoàn,Chi đoàn"
    body = f"{header}\n1,DV0001,Lê Thị Hoa,05/06/2001,Nữ,26/03/2019,CD-A1\n"
    assert (await post(b"\xef\xbb\xbf" + body.encode())).json()["created"] == 1
    utf16 = body.replace("DV0001", "DV0002").encode("utf-16")
    assert (await post(utf16)).json()["created"] == 1
    names = set(await session.scalars(select(Member.full_name)))
    assert names == {"Lê Thị Hoa"}
    member = await session.scalar(select(Member).where(Member.member_code == "DV0002"))
    assert member is not None and member.gender == "female"


async def test_xlsx(post, tree: Tree, session: AsyncSession) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append(member_row(7).split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = (await post(buffer.getvalue(), filename="ds.xlsx")).json()
    assert report["created"] == 1, report


@pytest.mark.parametrize(
    ("content", "filename", "status", "code"),
    [
        (b"", "m.csv", 422, "import_file_empty"),
        (HEADER.encode() + b"\n", "m.csv", 422, "import_file_no_rows"),
        (b"full_name,colour\nAn,red\n", "m.csv", 422, "import_unknown_column"),
        (b"\x00\x01\x02\x03binary" * 10, "m.bin", 415, "import_format_unknown"),
    ],
)
async def test_malformed_files_write_nothing(
    post, tree: Tree, session: AsyncSession, content: bytes, filename: str, status: int, code: str
) -> None:
    assert_problem(await post(content, filename=filename), status, code)
    assert await _count(session, Member) == 0


async def test_rows_outside_scope_are_rejected(
    client: httpx.AsyncClient, app: FastAPI, tree: Tree, session: AsyncSession
) -> None:
    act_as(app, scoped_principal(Role.manager, tree.school.id, tree.school.path))
    post = poster(client)
    report = (await post(csv_of(member_row(1), member_row(2, "CD-B1")), atomic=False)).json()
    assert report["created"] == 1
    assert [(p["row"], p["code"]) for p in report["problems"]] == [(3, "branch_out_of_scope")]
    viewer = scoped_principal(Role.viewer, tree.school.id, tree.school.path)
    act_as(app, viewer)
    assert_problem(await post(csv_of(member_row(3))), 403, "forbidden")


async def test_idempotency_key_replays(post, tree: Tree, session: AsyncSession) -> None:
    content = csv_of(member_row(1))
    first = await post(content, headers={"Idempotency-Key": "k1"})
    second = await post(content, headers={"Idempotency-Key": "k1"})
    assert second.headers.get("Idempotency-Replayed") == "true"
    assert first.json() == second.json()
    assert await _count(session, Member) == 1


async def test_empty_optional_cells_import_as_empty(
    post, tree: Tree, session: AsyncSession
) -> None:
    """A member without a gender, phone or external id in the file (was a 500)."""
    content = csv_of("DV0001,Nguyễn Văn An,01/02/2000,,,26/03/2018,CD-A1,,")
    response = await post(content)
    assert response.status_code == 200, response.text
    assert (response.json()["created"], response.json()["errors"]) == (1, 0)
    member = await session.scalar(select(Member).where(Member.member_code == "DV0001"))
    assert member is not None and (member.gender, member.phone) == (None, None)
    assert await _count(session, MemberExternalId) == 0


async def test_imports_apply_the_configured_admission_ages(
    post, app: FastAPI, tree: Tree, session: AsyncSession
) -> None:
    """An import checks ages at admission against the deployment's limits, as the members API
    does (it used the built-in 16–30 whatever the settings said)."""
    aged_32 = "DV0001,Lê Văn Tâm,01/02/1990,Nam,0912345678,26/03/2022,CD-A1,qg,X0001"
    refused = (await post(csv_of(aged_32))).json()
    assert [p["code"] for p in refused["problems"]] == ["member_too_old_at_admission"]
    settings = app.state.settings
    app.state.settings = settings.model_copy(update={"admission_max_age": 35})
    try:
        accepted = (await post(csv_of(aged_32))).json()
    finally:
        app.state.settings = settings
    assert (accepted["state"], accepted["created"]) == ("succeeded", 1)
