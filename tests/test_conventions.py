"""Each HTTP convention of design/api.md, exercised through a small test-only router."""

import gc
import uuid
import weakref
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from doan3cd.api.etag import check_if_match, etag_response
from doan3cd.api.idempotency import IdempotencyDep
from doan3cd.api.pagination import Page, PageDep, keyset_page, set_link_header
from doan3cd.api.problems import ProblemError
from doan3cd.config import Settings
from doan3cd.db.session import SessionDep
from doan3cd.main import create_app
from doan3cd.models.idempotency import IdempotencyRecord

pytestmark = pytest.mark.usefixtures("connection")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=50)
    stars: int = Field(ge=0, le=5)


class NoteOut(BaseModel):
    id: uuid.UUID
    key: str


def build_router() -> APIRouter:
    """Uses the idempotency table as a convenient scratch table for notes."""
    router = APIRouter(prefix="/api/v1/_test", tags=["test"])

    async def load(session: SessionDep, note_id: uuid.UUID) -> NoteOut:
        row = await session.get(IdempotencyRecord, note_id)
        if row is None:
            raise ProblemError(404, "note_not_found")
        return NoteOut(id=row.id, key=row.key)

    @router.get("/notes", response_model=Page[NoteOut])
    async def list_notes(
        request: Request, response: Response, session: SessionDep, page: PageDep
    ) -> Page[NoteOut]:
        stmt = select(IdempotencyRecord.id, IdempotencyRecord.key).where(
            IdempotencyRecord.principal == "notes"
        )
        rows, cursor, total = await keyset_page(
            session,
            stmt,
            [IdempotencyRecord.key, IdempotencyRecord.id],
            page,
            cursor_types=[str, uuid.UUID],
        )
        set_link_header(request, response, cursor)
        items = [NoteOut(id=r.id, key=r.key) for r in rows]
        return Page(items=items, next_cursor=cursor, total=total)

    @router.post("/notes", status_code=201)
    async def create_note(body: NoteIn, session: SessionDep, idem: IdempotencyDep) -> Response:
        if (replay := await idem.replay()) is not None:
            return replay
        row = IdempotencyRecord(
            principal="notes", key=body.title, method="-", path="-", request_hash="-"
        )
        session.add(row)
        await session.flush()
        out = NoteOut(id=row.id, key=row.key)
        return await idem.remember(
            Response(
                out.model_dump_json(),
                status_code=201,
                media_type="application/json",
                headers={"Location": f"/api/v1/_test/notes/{row.id}"},
            )
        )

    @router.get("/notes/{note_id}")
    async def get_note(
        request: Request, session: SessionDep, note_id: Annotated[uuid.UUID, Path()]
    ) -> Response:
        return etag_response(request, await load(session, note_id))

    @router.patch("/notes/{note_id}")
    async def patch_note(
        request: Request, session: SessionDep, note_id: uuid.UUID, body: NoteIn
    ) -> Response:
        check_if_match(request, await load(session, note_id))
        row = await session.get(IdempotencyRecord, note_id)
        assert row is not None
        row.key = body.title
        await session.flush()
        return etag_response(request, NoteOut(id=row.id, key=row.key))

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail: password=hunter2")

    return router


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    app.include_router(build_router())
    return app


async def create(client: httpx.AsyncClient, title: str, **headers: str) -> httpx.Response:
    return await client.post(
        "/api/v1/_test/notes", json={"title": title, "stars": 3}, headers=headers
    )


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    assert body["title"]
    return body


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/api/v1/nothing-here"), 404, "not_found")
    assert body["instance"] == "/api/v1/nothing-here"


async def test_wrong_method_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/_test/notes")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


async def test_validation_errors_point_at_fields(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/_test/notes", json={"title": "", "stars": 9, "x": 1})
    body = assert_problem(response, 422, "validation_failed")
    pointers = {e["pointer"] for e in body["errors"]}  # type: ignore[union-attr]
    assert pointers == {"/title", "/stars", "/x"}


async def test_titles_follow_accept_language(client: httpx.AsyncClient) -> None:
    vi = (await client.get("/api/v1/nothing")).json()
    en = (await client.get("/api/v1/nothing", headers={"Accept-Language": "en-GB,en;q=0.9"})).json()
    assert vi["title"] == "Không tìm thấy"
    assert en["title"] == "Not found"
    assert en["code"] == vi["code"]


async def test_body_over_limit_is_413(client: httpx.AsyncClient, app: FastAPI) -> None:
    big = "x" * (app.state.settings.max_body_bytes + 1)
    response = await client.post(
        "/api/v1/_test/notes", content=big, headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "request_too_large")


async def test_streamed_body_over_limit_is_413(client: httpx.AsyncClient, app: FastAPI) -> None:
    limit = app.state.settings.max_body_bytes

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536

    response = await client.post(
        "/api/v1/_test/notes", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "request_too_large")


async def test_server_error_hides_internals_and_carries_request_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await client.get("/api/v1/_test/boom", headers={"X-Request-ID": "req-500-check"})
    body = assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert body["request_id"] == "req-500-check"
    assert response.headers["x-request-id"] == "req-500-check"


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["x-request-id"]) == 32


async def test_pagination_round_trip_and_link(client: httpx.AsyncClient) -> None:
    titles = [f"note-{i:02d}" for i in range(7)]
    for title in reversed(titles):
        assert (await create(client, title)).status_code == 201
    seen: list[str] = []
    url: str | None = "/api/v1/_test/notes?limit=3&include_total=true"
    pages = 0
    while url:
        response = await client.get(url)
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == 7
        seen += [item["key"] for item in body["items"]]
        pages += 1
        url = None
        if body["next_cursor"]:
            link = response.headers["link"]
            assert link.endswith('rel="next"') and body["next_cursor"] in link
            url = link[1 : link.index(">")]
        else:
            assert "link" not in response.headers
    assert seen == titles
    assert pages == 3


async def test_limit_cap_and_bad_cursor(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/_test/notes?limit=501"), 422, "limit_too_large")
    assert_problem(await client.get("/api/v1/_test/notes?limit=0"), 422, "validation_failed")
    assert_problem(await client.get("/api/v1/_test/notes?cursor=%%%"), 422, "invalid_cursor")
    assert_problem(await client.get("/api/v1/_test/notes?cursor=WzFd"), 422, "invalid_cursor")


async def test_etag_304_and_412(client: httpx.AsyncClient) -> None:
    location = (await create(client, "etag")).headers["location"]
    first = await client.get(location)
    etag = first.headers["etag"]
    cached = await client.get(location, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    changed = await client.patch(
        location, json={"title": "etag-2", "stars": 1}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    stale = await client.patch(
        location, json={"title": "etag-3", "stars": 1}, headers={"If-Match": etag}
    )
    assert_problem(stale, 412, "precondition_failed")
    assert (await client.get(location)).json()["key"] == "etag-2"


async def test_idempotent_replay_and_reuse(client: httpx.AsyncClient) -> None:
    first = await create(client, "idem", **{"Idempotency-Key": "k-1"})
    again = await create(client, "idem", **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotency-replayed"] == "true"
    listed = (await client.get("/api/v1/_test/notes")).json()["items"]
    assert [n["key"] for n in listed].count("idem") == 1
    reused = await create(client, "other body", **{"Idempotency-Key": "k-1"})
    assert_problem(reused, 422, "idempotency_key_reused")


async def test_docs_work_offline(client: httpx.AsyncClient) -> None:
    for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = (await client.get(page)).text
        assert f"/docs-assets/{asset}" in html
        assert "cdn" not in html.lower() and "googleapis" not in html
        served = await client.get(f"/docs-assets/{asset}")
        assert served.status_code == 200 and len(served.content) > 100_000


def test_an_app_is_freed_once_dropped(settings: Settings) -> None:
    """FastAPI caches what it learns about endpoint functions for good; an app whose handlers
    were closures over it was never freed (the test suite, an app per test, grew to gigabytes)."""
    app = create_app(settings)
    dropped = weakref.ref(app)
    del app
    gc.collect()
    assert dropped() is None


async def test_unreadable_body_is_a_declared_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/_test/notes",
        content=b'{"title": "\x80\x81"}',
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 400, "request_body_unreadable")
