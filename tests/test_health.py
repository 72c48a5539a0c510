"""Liveness and readiness."""

import httpx
import pytest
from fastapi import FastAPI

from doan3cd.config import Settings
from doan3cd.main import create_app


async def test_healthz_without_database() -> None:
    app = create_app(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/healthz")).json() == {"status": "ok"}
        response = await c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"


@pytest.mark.usefixtures("connection")
async def test_readyz_reports_head(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["database"] == app.state.engine.dialect.name
