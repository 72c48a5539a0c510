"""Listing members: accent-free search, Vietnamese order, scope, deep keyset pages, one query."""

from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from doan3cd.auth.principal import Role
from tests.conftest import AuthHeaders
from tests.members.conftest import MEMBERS, Tree, create_member

NAMES = ["Trần Thị Bình", "Nguyễn Văn An", "Lê Văn An", "Phạm Thị Ánh", "Đỗ Minh Đức"]


async def all_items(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        body = (await client.get(MEMBERS, params=query, headers=headers)).json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_search_sort_and_scope(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    auth_headers: AuthHeaders,
    tree: Tree,
) -> None:
    for i, name in enumerate(NAMES):
        branch = tree.hamlet if i == 4 else tree.class_a
        await create_member(client, admin_headers, branch, full_name=name, member_code=f"TV{i}")
    found = await all_items(client, admin_headers, q="nguyen van an")
    assert [m["full_name"] for m in found] == ["Nguyễn Văn An"]
    assert [m["full_name"] for m in await all_items(client, admin_headers, q="ANH")] == [
        "Phạm Thị Ánh"
    ]
    assert [m["member_code"] for m in await all_items(client, admin_headers, q="tv3")] == ["TV3"]
    # Given name first: An, An, Ánh, Bình, Đức; ties by family name (Lê before Nguyễn).
    ordered = await all_items(client, admin_headers, limit=2)
    assert [m["full_name"] for m in ordered] == [
        "Lê Văn An",
        "Nguyễn Văn An",
        "Phạm Thị Ánh",
        "Trần Thị Bình",
        "Đỗ Minh Đức",
    ]
    school = await auth_headers(Role.viewer, tree.school)
    assert len(await all_items(client, school)) == 4
    within = await all_items(client, admin_headers, within=str(tree.commune.id))
    assert [m["full_name"] for m in within] == ["Đỗ Minh Đức"]
    counted = await client.get(
        MEMBERS, params={"include_total": "true", "limit": 1}, headers=school
    )
    assert counted.json()["total"] == 4


async def test_sort_by_joined_on_newest_first(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tree: Tree
) -> None:
    for year in (2018, 2020, 2019):
        await create_member(client, admin_headers, tree.class_a, joined_on=f"{year}-01-01")
    await create_member(client, admin_headers, tree.class_a, joined_on=None)
    items = await all_items(client, admin_headers, sort="-joined_on", limit=1)
    assert [m["joined_on"] for m in items] == ["2020-01-01", "2019-01-01", "2018-01-01", None]


async def test_deep_cursor_page(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tree: Tree
) -> None:
    for i in range(12):
        await create_member(
            client, admin_headers, tree.class_a, full_name=f"Nguyễn Văn {chr(65 + i)}"
        )
    items = await all_items(client, admin_headers, limit=1)
    assert len(items) == 12
    assert len({m["id"] for m in items}) == 12
    assert items[-1]["full_name"] == "Nguyễn Văn L"


@pytest.fixture
def statements(engine: AsyncEngine) -> Any:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if (
            not statement.lstrip()
            .upper()
            .startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))
        ):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_get_is_two_round_trips_with_auth(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    auth_headers: AuthHeaders,
    tree: Tree,
    statements: list[str],
) -> None:
    member = await create_member(client, admin_headers, tree.class_a)
    manager = await auth_headers(Role.manager, tree.school)
    statements.clear()
    response = await client.get(f"{MEMBERS}/{member['id']}", headers=manager)
    assert response.status_code == 200
    assert len(statements) <= 2, statements
