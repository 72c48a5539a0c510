"""`/healthz` (the process answers) and `/readyz` (database reachable, schema at head)."""

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError, problem_responses
from doan3cd.auth.dependencies import public
from doan3cd.db.migrations import current_revisions, head_revisions

router = APIRouter(tags=["health"], dependencies=[Depends(public())])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    database: str
    revision: str


@router.get("/healthz", name="live", response_model=Health)
async def live() -> Health:
    """The process is up. Does not touch the database."""
    return Health()


@router.get("/readyz", name="ready", response_model=Readiness, responses=problem_responses(503))
async def ready(request: Request) -> Readiness:
    """The database answers and its schema is at the newest migration."""
    engine = request.app.state.engine
    try:
        async with engine.connect() as conn:
            current = await current_revisions(conn)
    except SQLAlchemyError as exc:
        raise ProblemError(
            503,
            "database_unavailable",
            Text("Không kết nối được cơ sở dữ liệu.", "The database cannot be reached."),
            headers={"Retry-After": "5"},
        ) from exc
    heads = head_revisions()
    if current != heads:
        raise ProblemError(
            503,
            "migrations_pending",
            Text(
                "Cơ sở dữ liệu chưa được nâng cấp; chạy `doan3cd migrate`.",
                "The database schema is behind; run `doan3cd migrate`.",
            ),
            headers={"Retry-After": "5"},
        )
    return Readiness(database=engine.dialect.name, revision=",".join(sorted(current)))
