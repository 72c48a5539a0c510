"""Large member files are checked in worker processes and staged through one COPY: the outcome
is the same as checking in a thread, row for row."""

import io
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.imports import member_pipeline, service, source
from doan3cd.imports.worker import run_one
from doan3cd.models.member import Member, MemberExternalId, MembershipPeriod
from tests.helpers import act_as, admin_principal
from tests.imports.conftest import HEADER, Tree, csv_of, member_row, poster


@pytest.fixture
def post(client: httpx.AsyncClient, app: FastAPI) -> object:
    act_as(app, admin_principal())
    return poster(client)


def in_processes(monkeypatch: pytest.MonkeyPatch, *, errors_held: int = 10_000) -> None:
    """Batches of 3 rows, the first two in the thread and the rest in two worker processes."""
    monkeypatch.setattr(service, "CHUNK_ROWS", 3)
    monkeypatch.setattr(member_pipeline, "POOL_AFTER_ROWS", 6)
    monkeypatch.setattr(service, "ERRORS_HELD", errors_held)


def mixed_file() -> bytes:
    """Good rows, rows broken in Python (phone, date, incomplete external id) and in SQL
    (unknown branch, duplicates), spread over several batches."""
    rows = [member_row(n, "CD-A2" if n % 2 else "CD-A1") for n in range(1, 25)]
    rows[3] = member_row(4, phone="12")
    rows[8] = member_row(9).replace("01/02/2000", "31/02/2000")
    rows[12] = member_row(13, "NOPE")
    rows[15] = member_row(2)  # duplicate code of row 2, in a later batch
    rows[19] = member_row(20).replace(",qg,X0020", ",qg,")
    return csv_of(*rows)


async def dry_run(post: Any, content: bytes, filename: str = "members.csv") -> dict[str, Any]:
    response = await post(content, filename=filename, dry_run=True, atomic=False)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    report.pop("id"), report.pop("errors_csv", None), report.pop("created_at", None)
    report.pop("started_at", None), report.pop("finished_at", None)
    return report


async def count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_processes_check_like_the_thread(
    post: Any, tree: Tree, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_thread = await dry_run(post, mixed_file())
    in_processes(monkeypatch, errors_held=2)
    assert await dry_run(post, mixed_file()) == in_thread
    codes = sorted({p["code"] for p in in_thread["problems"]})
    assert codes == [
        "branch_not_found", "duplicate_in_file", "external_id_incomplete", "invalid_date",
        "phone_invalid",
    ]  # fmt: skip
    assert in_thread["created"] == 19


async def test_a_large_import_lands_every_good_row(
    post: Any, tree: Tree, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_processes(monkeypatch, errors_held=1)
    report = (await post(mixed_file(), atomic=False)).json()
    assert (report["state"], report["created"], report["errors"]) == ("succeeded", 19, 5)
    assert [p["row"] for p in report["problems"]] == [5, 10, 14, 17, 21]
    assert await count(session, Member) == 19
    assert await count(session, MemberExternalId) == 19
    assert await count(session, MembershipPeriod) == 19
    again = (await post(mixed_file(), atomic=False)).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 19)


async def test_an_atomic_large_import_with_errors_writes_nothing(
    post: Any, tree: Tree, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_processes(monkeypatch)
    report = (await post(mixed_file())).json()
    assert (report["state"], report["error_code"], report["errors"]) == (
        "failed", "import_rows_invalid", 5,
    )  # fmt: skip
    assert await count(session, Member) == 0


async def test_xlsx_rows_convert_in_processes(
    post: Any, tree: Tree, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    for line in mixed_file().decode().splitlines()[1:]:
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    in_thread = await dry_run(post, buffer.getvalue(), "members.xlsx")
    in_processes(monkeypatch)
    assert await dry_run(post, buffer.getvalue(), "members.xlsx") == in_thread
    assert in_thread["created"] == 19


async def test_a_file_unreadable_half_way_fails_its_job_with_the_reason(
    post: Any,
    client: httpx.AsyncClient,
    app: FastAPI,
    tree: Tree,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bytes that are not UTF-8 past the part read to detect the encoding surface while rows
    are being staged: the job fails as unreadable, nothing written (on PostgreSQL the stage's
    COPY was left aborting the transaction, and the job failed as a system error)."""
    monkeypatch.setattr(service, "CHUNK_ROWS", 100)
    app.state.settings = app.state.settings.model_copy(update={"import_inline_rows": 10})
    rows = [member_row(n, phone=f"09{n:08d}") for n in range(1, 4001)]
    content = csv_of(*rows) + b"DV9999,Nguy\xff\xfe,01/02/2000,Nam,,26/03/2018,CD-A1,,\n"
    assert len(content) > source.HEAD_SIZE
    queued = await post(content, atomic=False)
    assert queued.status_code == 202, queued.text
    await run_one(app.state.sessionmaker)
    job = (await client.get(queued.headers["Location"])).json()
    assert (job["state"], job["error_code"]) == ("failed", "import_file_unreadable")
    assert await count(session, Member) == 0
