"""Swagger UI and ReDoc served from installed package assets, so the docs work offline."""

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.params import Depends
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs-assets"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"


OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"


def install_docs(app: FastAPI, policy: list[Depends]) -> None:
    """`policy`: the access policy of the docs pages (they are public). The handlers are module
    functions that read the app from the request: FastAPI caches what it learns about each
    endpoint function, so handlers made per app (closures over it) kept every app ever built
    alive — in the test suite, one per test, gigabytes by its end."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    app.get("/docs", include_in_schema=False, dependencies=policy)(swagger_ui)
    app.get(OAUTH2_REDIRECT_URL, include_in_schema=False, dependencies=policy)(swagger_ui_redirect)
    app.get("/redoc", include_in_schema=False, dependencies=policy)(redoc)


def _openapi_url(request: Request) -> str:
    app: FastAPI = request.app
    return str(request.scope.get("root_path", "")) + (app.openapi_url or "/openapi.json")


async def swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} — Swagger UI",
        oauth2_redirect_url=root + OAUTH2_REDIRECT_URL,
        swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        swagger_ui_parameters={"persistAuthorization": True},
    )


async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


async def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_redoc_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} — ReDoc",
        redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        with_google_fonts=False,
    )
