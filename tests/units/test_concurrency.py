"""Two concurrent PATCHes sent with the same ETag: one wins, the other gets 412 (R7).

Runs against a fresh database with real commits (not the rolled-back test connection), so the
two requests really are two transactions racing for the unit row lock.
"""

import asyncio
from pathlib import Path

import httpx
import pytest

from doan3cd.config import Mode, Settings
from doan3cd.db.migrations import upgrade
from doan3cd.main import create_app
from tests.conftest import _backends, fresh_database_url
from tests.helpers import act_as, admin_principal
from tests.units.conftest import UNITS


@pytest.mark.parametrize("backend", _backends())
async def test_concurrent_patches_with_one_etag(backend: str, tmp_path: Path) -> None:
    url = fresh_database_url(backend, tmp_path, "concurrent_patch")
    upgrade(url)
    app = create_app(Settings(mode=Mode.dev, database_url=url, secret_key="x" * 32))
    act_as(app, admin_principal())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        root = {"code": "TW", "name": "Trung ương Đoàn", "kind": "central"}
        created = await client.post(UNITS, json=root)
        location, etag = created.headers["location"], created.headers["etag"]
        responses = await asyncio.gather(
            *(
                client.patch(location, json={"name": f"Tên {i}"}, headers={"If-Match": etag})
                for i in range(2)
            )
        )
        final = await client.get(location)
    await app.state.engine.dispose()
    assert sorted(r.status_code for r in responses) == [200, 412], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200)
    assert final.json()["name"] == winner.json()["name"]
