"""Whole ORM rows as plain dictionaries (for data-subject exports)."""

from typing import Any

from sqlalchemy import Select, inspect
from sqlalchemy.ext.asyncio import AsyncSession


async def rows_of(session: AsyncSession, stmt: Select[Any]) -> list[dict[str, Any]]:
    """Every column of every entity the select returns, keyed by attribute name."""
    result = []
    for entity in await session.scalars(stmt):
        mapper = inspect(entity).mapper
        result.append({attr.key: getattr(entity, attr.key) for attr in mapper.column_attrs})
    return result
