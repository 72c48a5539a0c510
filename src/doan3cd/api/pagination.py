"""Keyset pagination with opaque cursors, a `limit` cap and an RFC 8288 `Link` header."""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list. Follow `next_cursor` (or the `Link: rel="next"` header) until null."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="Opaque; pass as `cursor`.")
    total: int | None = Field(default=None, description="Only with `include_total=true`.")


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    cursor: list[Any] | None
    include_total: bool


def _json_default(value: Any) -> str:
    if isinstance(value, UUID | date | datetime):
        return str(value) if isinstance(value, UUID) else value.isoformat()
    raise TypeError(type(value).__name__)


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), default=_json_default, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise _invalid_cursor() from exc
    if not isinstance(values, list):
        raise _invalid_cursor()
    return values


def _invalid_cursor() -> ProblemError:
    return ProblemError(
        422,
        "invalid_cursor",
        Text(
            "Con trỏ phân trang không hợp lệ; hãy dùng next_cursor của trang trước.",
            "The cursor is invalid; pass the previous page's next_cursor.",
        ),
    )


def page_params(
    request: Request, limit: int | None, cursor: str | None, include_total: bool
) -> PageParams:
    settings = request.app.state.settings
    if limit is not None and limit > settings.page_max:
        raise ProblemError(
            422,
            "limit_too_large",
            Text("limit tối đa là {max}.", "limit must not exceed {max}.").format(
                max=settings.page_max
            ),
        )
    return PageParams(
        limit=limit or settings.page_default,
        cursor=decode_cursor(cursor) if cursor else None,
        include_total=include_total,
    )


async def page_query(
    request: Request,
    limit: Annotated[
        int | None, Query(ge=1, description="Page size (default 50, at most 500).")
    ] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    include_total: Annotated[bool, Query(description="Also count all matching rows.")] = False,
) -> PageParams:
    """The paging query parameters. `async` although it does no I/O: FastAPI runs a plain `def`
    dependency in a worker thread, a hop every list request would pay."""
    return page_params(request, limit, cursor, include_total)


PageDep = Annotated[PageParams, Depends(page_query)]


def after_cursor(
    keys: Sequence[ColumnElement[Any]], values: Sequence[Any], descending: Sequence[bool]
) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order given by `keys` (mixed directions allowed)."""
    clauses = []
    for i, key in enumerate(keys):
        equal_prefix = [keys[j] == values[j] for j in range(i)]
        step = key < values[i] if descending[i] else key > values[i]
        clauses.append(and_(*equal_prefix, step))
    return or_(*clauses)


async def keyset_page(
    session: AsyncSession,
    stmt: Select[Any],
    keys: Sequence[ColumnElement[Any]],
    params: PageParams,
    *,
    descending: Sequence[bool] | None = None,
    cursor_types: Sequence[type] | None = None,
) -> tuple[list[Any], str | None, int | None]:
    """Run a keyset-paged select. The last key must be unique (the id) for a stable order.

    Returns the rows, the next cursor and, when asked, the total of the unpaged select.
    """
    directions = list(descending or [False] * len(keys))
    total = None
    if params.include_total:
        total = await session.scalar(
            select(func.count()).select_from(stmt.order_by(None).subquery())
        )
    paged = stmt
    if params.cursor is not None:
        if len(params.cursor) != len(keys):
            raise _invalid_cursor()
        values = _coerce(params.cursor, cursor_types)
        paged = paged.where(after_cursor(keys, values, directions))
    ordering = [k.desc() if d else k.asc() for k, d in zip(keys, directions, strict=True)]
    rows = list((await session.execute(paged.order_by(*ordering).limit(params.limit + 1))).all())
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        last = rows[-1]._mapping
        next_cursor = encode_cursor([last.get(k.key) for k in keys])
    return rows, next_cursor, total


def _coerce(values: list[Any], types: Sequence[type] | None) -> list[Any]:
    if types is None:
        return values
    try:
        return [
            v if v is None else (t.fromisoformat(v) if t in (date, datetime) else t(v))
            for v, t in zip(values, types, strict=True)
        ]
    except (TypeError, ValueError) as exc:
        raise _invalid_cursor() from exc


def set_link_header(request: Request, response: Response, next_cursor: str | None) -> None:
    if next_cursor is not None:
        url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'


def page_of(
    request: Request, response: Response, items: list[T], cursor: str | None, total: int | None
) -> Page[T]:
    """The list body, with the `Link` header pointing at the next page."""
    set_link_header(request, response, cursor)
    return Page(items=items, next_cursor=cursor, total=total)
