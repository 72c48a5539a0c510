"""Frameworks as data: versions stored as JSON, validated by the pure engine, locked once used."""

import functools
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.problems import FieldError
from doan3cd.assessments import problems
from doan3cd.db.types import utcnow
from doan3cd.domain.codec import canonical_json
from doan3cd.domain.framework import Framework, framework_from_dict, validate_framework
from doan3cd.models.assessment import FrameworkVersion

F = FrameworkVersion


def _row(row: FrameworkVersion) -> dict[str, Any]:
    return {
        "code": row.code,
        "version": row.version,
        "first_year": row.first_year,
        "last_year": row.last_year,
        "created_at": row.created_at,
        "locked_at": row.locked_at,
        "data": row.data,
    }


@functools.lru_cache(maxsize=32)
def _decode(document: str) -> Framework:
    return framework_from_dict(json.loads(document))


def decode(row: FrameworkVersion) -> Framework:
    """The engine's Framework for a stored version (decoded once per distinct document)."""
    return _decode(canonical_json(row.data))


async def list_frameworks(session: AsyncSession) -> list[dict[str, Any]]:
    rows = (await session.scalars(select(F).order_by(F.code, F.version))).all()
    return [_row(row) for row in rows]


async def _versions(session: AsyncSession, code: str) -> list[FrameworkVersion]:
    rows = (await session.scalars(select(F).where(F.code == code).order_by(F.version))).all()
    if not rows:
        raise problems.not_found("framework", "bảng tiêu chí")
    return list(rows)


async def get_framework(session: AsyncSession, code: str) -> dict[str, Any]:
    rows = await _versions(session, code)
    latest = _row(rows[-1])
    latest["versions"] = [
        {"version": r.version, "created_at": r.created_at, "locked_at": r.locked_at} for r in rows
    ]
    return latest


async def get_version(session: AsyncSession, code: str, version: int) -> FrameworkVersion:
    row = await session.scalar(select(F).where(F.code == code, F.version == version))
    if row is None:
        raise problems.not_found("framework", "phiên bản bảng tiêu chí")
    return row


def _validated(data: dict[str, Any]) -> Framework:
    found = validate_framework(data)
    if found:
        raise problems.invalid(
            "framework_invalid",
            "Bảng tiêu chí không hợp lệ.",
            "The framework is not valid.",
            [FieldError(pointer=p.pointer, code=p.code, message=p.message.en) for p in found],
        )
    return framework_from_dict(data)


async def create_version(session: AsyncSession, data: dict[str, Any]) -> FrameworkVersion:
    """A new version of a framework: its number is the next free one for the code."""
    latest = await session.scalar(
        select(F.version).where(F.code == data.get("code")).order_by(F.version.desc()).limit(1)
    )
    data = {**data, "version": (latest or 0) + 1}
    framework = _validated(data)
    row = F(
        code=framework.code,
        version=framework.version,
        data=data,
        first_year=framework.first_year,
        last_year=framework.last_year,
    )
    session.add(row)
    await session.flush()
    return row


async def replace_version(
    session: AsyncSession, code: str, version: int, data: dict[str, Any]
) -> FrameworkVersion:
    """Rewrite a version no decision has used yet; a used one answers 409 framework_locked."""
    row = await get_version(session, code, version)
    if row.locked_at is not None:
        raise problems.framework_locked()
    framework = _validated({**data, "code": code, "version": version})
    row.data = {**data, "code": code, "version": version}
    row.first_year, row.last_year = framework.first_year, framework.last_year
    await session.flush()
    return row


async def for_year(session: AsyncSession, year: int) -> FrameworkVersion:
    """The framework version that applies to a year: the newest version covering it."""
    row = await session.scalar(
        select(F)
        .where(F.first_year <= year, F.last_year >= year)
        .order_by(F.created_at.desc(), F.version.desc())
        .limit(1)
    )
    if row is None:
        raise problems.framework_missing(year)
    return row


async def lock(session: AsyncSession, row: FrameworkVersion) -> None:
    if row.locked_at is None:
        row.locked_at = utcnow()
        await session.flush()


def as_document(row: FrameworkVersion) -> dict[str, Any]:
    return _row(row)
