"""A test-only scoped resource over the unit tables, standing in until the units endpoints land.

Each query narrows by `auth.scope.in_scope(...)` inside the SQL, the way every scoped resource
must; out-of-scope ids answer exactly like missing ones.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd import clock
from doan3cd.api.i18n import Text
from doan3cd.api.pagination import Page, PageDep, keyset_page, set_link_header
from doan3cd.api.problems import ProblemError
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import in_scope
from doan3cd.db.session import SessionDep
from doan3cd.domain.hierarchy import child_path, is_within, path_upper
from doan3cd.domain.text import fold, nfc
from doan3cd.models.unit import UnitVersion

PREFIX = "/api/v1/_scoped/units"
Reader = Annotated[Principal, Depends(require(Permission.units_read))]
Writer = Annotated[Principal, Depends(require(Permission.units_write))]


class UnitOut(BaseModel):
    id: uuid.UUID
    name: str
    path: str


class Rename(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


class Move(BaseModel):
    model_config = ConfigDict(extra="forbid")
    parent_id: uuid.UUID


def _current() -> Any:
    today = clock.today()
    return and_(
        UnitVersion.valid_from <= today,
        or_(UnitVersion.valid_to.is_(None), UnitVersion.valid_to > today),
    )


async def _visible(
    session: AsyncSession, principal: Principal, permission: Permission, unit_id: uuid.UUID
) -> UnitVersion:
    version = await session.scalar(
        select(UnitVersion).where(
            UnitVersion.unit_id == unit_id,
            _current(),
            in_scope(principal, permission, UnitVersion.path.expression),
        )
    )
    if version is None:
        raise ProblemError(404, "unit_not_found", Text("Không tìm thấy.", "No such unit."))
    return version


def _out(version: UnitVersion) -> UnitOut:
    return UnitOut(id=version.unit_id, name=version.name, path=version.path)


router = APIRouter(prefix=PREFIX)


@router.get("", response_model=Page[UnitOut])
async def list_units(
    request: Request,
    response: Response,
    session: SessionDep,
    page: PageDep,
    principal: Reader,
    q: str | None = None,
) -> Page[UnitOut]:
    stmt = select(UnitVersion.unit_id, UnitVersion.name, UnitVersion.path).where(
        _current(), in_scope(principal, Permission.units_read, UnitVersion.path.expression)
    )
    if q:
        stmt = stmt.where(UnitVersion.name_folded.contains(fold(q), autoescape=True))
    rows, cursor, total = await keyset_page(
        session, stmt, [UnitVersion.unit_id.expression], page, cursor_types=[uuid.UUID]
    )
    set_link_header(request, response, cursor)
    items = [UnitOut(id=r.unit_id, name=r.name, path=r.path) for r in rows]
    return Page(items=items, next_cursor=cursor, total=total)


@router.get("/{unit_id}", response_model=UnitOut)
async def get_unit(unit_id: uuid.UUID, session: SessionDep, principal: Reader) -> UnitOut:
    return _out(await _visible(session, principal, Permission.units_read, unit_id))


@router.patch("/{unit_id}", response_model=UnitOut)
async def rename_unit(
    unit_id: uuid.UUID, body: Rename, session: SessionDep, principal: Writer
) -> UnitOut:
    version = await _visible(session, principal, Permission.units_write, unit_id)
    version.name = nfc(body.name)
    version.name_folded = fold(body.name)
    await session.flush()
    return _out(version)


@router.post("/{unit_id}/move", response_model=UnitOut)
async def move_unit(
    unit_id: uuid.UUID, body: Move, session: SessionDep, principal: Writer
) -> UnitOut:
    """Move within today's tree, in place (the real endpoint keeps history; this one need not)."""
    version = await _visible(session, principal, Permission.units_write, unit_id)
    parent = await _visible(session, principal, Permission.units_write, body.parent_id)
    if is_within(parent.path, version.path):
        raise ProblemError(
            409, "unit_move_cycle", Text("Vòng lặp.", "A unit cannot go below itself.")
        )
    old, new = version.path, child_path(parent.path, unit_id)
    await session.execute(
        update(UnitVersion)
        .where(_current(), UnitVersion.path >= old, UnitVersion.path < path_upper(old))
        .values(
            path=new + func.substr(UnitVersion.path, len(old) + 1),
            depth=UnitVersion.depth + (new.count("/") - old.count("/")),
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(UnitVersion)
        .where(UnitVersion.id == version.id)
        .values(parent_id=parent.unit_id)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return UnitOut(id=unit_id, name=version.name, path=new)
