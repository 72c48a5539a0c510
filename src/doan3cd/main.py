"""The application factory: settings → engine → routers, conventions, docs."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from doan3cd.api.docs import install_docs
from doan3cd.api.handlers import install_handlers
from doan3cd.api.middleware import BodyLimitMiddleware, LoadSheddingMiddleware, RequestIdMiddleware
from doan3cd.api.problems import PROBLEM_MEDIA_TYPE, problem_responses
from doan3cd.assessments.router import routers as assessment_routers
from doan3cd.audit.router import router as audit_router
from doan3cd.auth.dependencies import public
from doan3cd.auth.router import routers as auth_routers
from doan3cd.config import Mode, Settings, get_settings
from doan3cd.db.engine import make_async_engine
from doan3cd.db.session import make_sessionmaker
from doan3cd.evidence.router import routers as evidence_routers
from doan3cd.exports.router import router as exports_router
from doan3cd.imports.router import jobs_router
from doan3cd.imports.router import router as imports_router
from doan3cd.imports.worker import job_lease, run_forever
from doan3cd.logging_setup import configure_logging
from doan3cd.members.positions_router import router as positions_router
from doan3cd.members.router import router as members_router
from doan3cd.members.transfers_router import router as transfers_router
from doan3cd.referrals.router import router as referrals_router
from doan3cd.sync.router import router as sync_router
from doan3cd.sync.router import webhooks_router
from doan3cd.sync.worker import in_process_worker
from doan3cd.system.router import router as system_router
from doan3cd.units.router import router as units_router
from doan3cd.welfare.router import routers as welfare_routers

API_PREFIX = "/api/v1"

DESCRIPTION = """\
REST API for the Hồ Chí Minh Communist Youth Union's **Đoàn cơ sở "3 chủ động"** model: units and
their history, members, evidence, welfare cases, Party referrals and the yearly explained verdict.

Errors are RFC 9457 problem details with a stable `code`; send `Accept-Language: en` for English
titles. Lists are keyset-paged (`limit`, `cursor`, `Link`).
"""


def operation_id(route: APIRoute) -> str:
    """Stable `<tag>-<action>` ids, so generated clients keep their method names."""
    tag = str(route.tags[0]) if route.tags else "default"
    return f"{tag}-{route.name}"


def api_router() -> APIRouter:
    """Every resource router, mounted under /api/v1."""
    router = APIRouter(prefix=API_PREFIX, responses=problem_responses(400, 422, 500, 503))
    for feature in (
        *auth_routers,
        audit_router,
        units_router,
        members_router,
        positions_router,
        transfers_router,
        exports_router,
        imports_router,
        jobs_router,
        *evidence_routers,
        referrals_router,
        *welfare_routers,
        *assessment_routers,
        sync_router,
        webhooks_router,
    ):
        router.include_router(feature)
    return router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    engine = make_async_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        in_app = settings.import_worker_in_app
        if in_app or (in_app is None and settings.mode is not Mode.production):
            worker = asyncio.create_task(
                run_forever(app.state.sessionmaker, job_lease(settings), settings)
            )
        async with in_process_worker(app):
            yield
        if worker is not None:
            worker.cancel()
            with suppress(asyncio.CancelledError):
                await worker
        await engine.dispose()

    app = FastAPI(
        title="doan3cd",
        version="1.0.0",
        summary='Đoàn cơ sở "3 chủ động" — units, members, evidence and verdicts',
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        separate_input_output_schemas=False,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)

    install_handlers(app)
    app.include_router(system_router)
    app.include_router(api_router())
    install_docs(app, [Depends(public())])
    _problem_only_content(app)

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "Link", "Location", "X-Request-ID", "Retry-After"],
        )
    app.add_middleware(LoadSheddingMiddleware, max_in_flight=settings.max_concurrent_requests)
    app.add_middleware(RequestIdMiddleware)
    return app


def _problem_only_content(app: FastAPI) -> None:
    """Error responses are `application/problem+json` only; drop the JSON twin FastAPI adds."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    for response in operation.get("responses", {}).values():
                        content = response.get("content", {})
                        if PROBLEM_MEDIA_TYPE in content:
                            content.pop("application/json", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
