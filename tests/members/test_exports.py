"""Member exports: CSV (BOM, headers in either language) and XLSX, scoped, sensitive on request."""

import csv
import io

import httpx
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.models.audit import AuditEvent
from tests.conftest import AuthHeaders
from tests.helpers import assert_problem
from tests.members.conftest import Tree, create_member

EXPORTS = "/api/v1/exports"


async def test_csv_and_xlsx(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    auth_headers: AuthHeaders,
    tree: Tree,
    session: AsyncSession,
) -> None:
    await create_member(
        client,
        admin_headers,
        tree.class_a,
        full_name="Trần Thị Bình",
        member_code="TV2",
        sensitive={"ethnicity": "Khmer"},
    )
    await create_member(client, admin_headers, tree.class_b, member_code="TV1")
    await create_member(client, admin_headers, tree.hamlet, member_code="TV3")
    viewer = await auth_headers(Role.viewer, tree.school)
    response = await client.get(f"{EXPORTS}/members.csv", headers=viewer)
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["member_code"], r["full_name"], r["branch_code"]) for r in rows] == [
        ("TV1", "Nguyễn Văn An", "TV.THPT.B"),
        ("TV2", "Trần Thị Bình", "TV.THPT.A"),
    ]
    assert "ethnicity" not in rows[0]
    vi = await client.get(f"{EXPORTS}/members.csv", params={"headers": "vi"}, headers=viewer)
    assert vi.content.decode("utf-8-sig").splitlines()[0].startswith("Mã đoàn viên,Họ và tên")
    refused = await client.get(
        f"{EXPORTS}/members.csv", params={"include_sensitive": "true"}, headers=viewer
    )
    assert_problem(refused, 403, "sensitive_forbidden")
    welfare = await auth_headers(Role.welfare_officer, tree.school)
    full = await client.get(
        f"{EXPORTS}/members.xlsx", params={"include_sensitive": "true"}, headers=welfare
    )
    assert full.status_code == 200, full.text
    sheet = load_workbook(io.BytesIO(full.content)).active
    assert sheet is not None
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][:2] == ["member_code", "full_name"]
    assert table[0][-1] == "national_id"
    assert [r[0] for r in table[1:]] == ["TV1", "TV2"]
    assert table[2][-3] == "Khmer"
    events = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "export"))).all()
    assert len(events) == 3
    assert "ethnicity" in events[-1].fields
