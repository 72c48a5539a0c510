"""Large files become jobs: 202 + Location, a worker runs them, progress and errors.csv."""

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.imports.worker import run_one
from doan3cd.models.member import Member
from tests.helpers import act_as, admin_principal, scoped_principal
from tests.imports.conftest import Tree, csv_of, member_row, poster


@pytest.fixture
def small_inline(app: FastAPI) -> None:
    app.state.settings = app.state.settings.model_copy(update={"import_inline_rows": 2})


async def test_large_file_runs_as_a_job(
    client: httpx.AsyncClient, app: FastAPI, tree: Tree, session: AsyncSession, small_inline: None
) -> None:
    act_as(app, admin_principal())
    content = csv_of(*(member_row(n) for n in range(1, 6)), member_row(6, phone="1"))
    response = await poster(client)(content, atomic=False)
    assert response.status_code == 202, response.text
    location = response.headers["Location"]
    queued = (await client.get(location)).json()
    assert (queued["state"], queued["rows_done"]) == ("queued", 0)
    assert await session.scalar(select(func.count()).select_from(Member)) == 0

    job_id = await run_one(app.state.sessionmaker)
    assert str(job_id) == queued["id"]
    assert await run_one(app.state.sessionmaker) is None

    done = (await client.get(location)).json()
    assert (done["state"], done["rows_total"], done["rows_done"]) == ("succeeded", 6, 6)
    assert (done["created"], done["errors"]) == (5, 1)
    assert done["finished_at"] is not None
    assert await session.scalar(select(func.count()).select_from(Member)) == 5
    errors = (await client.get(done["errors_csv"], headers={"Accept-Language": "en"})).text
    assert "7,phone,phone_invalid" in errors

    other = scoped_principal(Role.admin, tree.province.id, "/")
    act_as(app, other)
    assert (await client.get(location)).status_code == 404
