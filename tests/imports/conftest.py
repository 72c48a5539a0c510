"""A small tree with branches, and helpers to post files to /imports."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import UnitRef, add_unit

IMPORTS = "/api/v1/imports"

HEADER = "member_code,full_name,date_of_birth,gender,phone,joined_on,branch_code,source,external_id"


@dataclass(frozen=True)
class Tree:
    province: UnitRef
    school: UnitRef
    other: UnitRef
    a1: UnitRef
    a2: UnitRef
    b1: UnitRef


@pytest_asyncio.fixture
async def tree(session: AsyncSession) -> Tree:
    province = await add_unit(session, "TV", kind="province")
    school = await add_unit(session, "THPT1", province, kind="grassroots")
    other = await add_unit(session, "THPT2", province, kind="grassroots")
    a1 = await add_unit(session, "CD-A1", school, kind="branch")
    a2 = await add_unit(session, "CD-A2", school, kind="branch")
    b1 = await add_unit(session, "CD-B1", other, kind="branch")
    await session.commit()
    return Tree(province, school, other, a1, a2, b1)


def csv_of(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode()


def member_row(n: int, branch: str = "CD-A1", *, name: str = "Nguyễn Văn An",
               phone: str = "0912345678") -> str:  # fmt: skip
    return f"DV{n:04d},{name},01/02/2000,Nam,{phone},26/03/2018,{branch},qg,X{n:04d}"


PostImport = Callable[..., Awaitable[httpx.Response]]


def poster(client: httpx.AsyncClient) -> PostImport:
    async def post(
        content: bytes,
        filename: str = "members.csv",
        headers: dict[str, str] | None = None,
        **form: Any,
    ) -> httpx.Response:
        data = {"resource": "members", **{k: str(v).lower() for k, v in form.items()}}
        return await client.post(
            IMPORTS, files={"file": (filename, content)}, data=data, headers=headers or {}
        )

    return post
