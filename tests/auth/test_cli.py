"""`doan3cd users|tokens|demo-admin` on a fresh database of each backend; the secret-key rule."""

import asyncio
import io
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth import commands
from doan3cd.auth.tokens import api_token_hash
from doan3cd.cli import main
from doan3cd.config import Mode, Settings, get_settings
from doan3cd.db.migrations import upgrade
from doan3cd.models.audit import AuditEvent
from doan3cd.models.user import ApiToken, RoleAssignment, User
from tests.conftest import _backends, fresh_database_url
from tests.factories import add_unit

T = TypeVar("T")
REAL_SECRET = "0123456789abcdef0123456789abcdef"


@pytest.fixture(params=_backends())
def cli_settings(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    url = fresh_database_url(request.param, tmp_path, "cli")
    upgrade(url)
    monkeypatch.setenv("DOAN3CD_DATABASE_URL", url)
    monkeypatch.setenv("DOAN3CD_MODE", "demo")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def run_cli(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def query(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    return asyncio.run(commands.in_transaction(settings, work))


def test_users_and_tokens_commands(
    cli_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    query(cli_settings, lambda s: add_unit(s, "HCM"))
    assert (
        run_cli(
            monkeypatch,
            "users",
            "create",
            "Root",
            "--role",
            "admin",
            "--password-stdin",
            stdin="a long enough password\n",
        )
        == 0
    )
    assert (
        run_cli(
            monkeypatch,
            "users",
            "create",
            "hcm-officer",
            "--role",
            "manager",
            "--unit",
            "HCM",
            "--password-stdin",
            stdin="another long password\n",
        )
        == 0
    )
    assert (
        run_cli(
            monkeypatch,
            "users",
            "create",
            "nobody",
            "--role",
            "viewer",
            "--unit",
            "NOPE",
            "--password-stdin",
            stdin="another long password\n",
        )
        == 1
    )
    assert (
        run_cli(
            monkeypatch,
            "users",
            "create",
            "shorty",
            "--role",
            "admin",
            "--password-stdin",
            stdin="short\n",
        )
        == 1
    )
    out = capsys.readouterr()
    assert "created user root" in out.out and "hcm-officer" in out.out
    assert "No unit has code NOPE" in out.err and "password" in out.err
    assert "a long enough password" not in out.out + out.err

    assert (
        run_cli(
            monkeypatch,
            "tokens",
            "create",
            "sync",
            "--scope",
            "units:read",
            "--scope",
            "sync:read",
            "--unit",
            "HCM",
            "--expires-on",
            "2999-01-01",
        )
        == 0
    )
    out = capsys.readouterr()
    secret = out.out.strip().splitlines()[-1]
    assert secret.startswith("d3cd_") and "shown only now" in out.err
    token = query(cli_settings, lambda s: s.scalar(select(ApiToken)))
    assert token is not None and token.secret_hash == api_token_hash(secret)
    assert token.scopes == ["sync:read", "units:read"]
    assert run_cli(monkeypatch, "tokens", "revoke", str(token.id)) == 0
    assert "is revoked" in capsys.readouterr().out
    assert run_cli(monkeypatch, "tokens", "revoke", str(uuid.uuid4())) == 1

    roles = query(
        cli_settings,
        lambda s: s.execute(
            select(User.username, RoleAssignment.role).join(RoleAssignment).order_by(User.username)
        ),
    )
    assert [tuple(r) for r in roles] == [("hcm-officer", "manager"), ("root", "admin")]
    actors = query(cli_settings, lambda s: s.scalars(select(AuditEvent.actor_key).distinct()))
    assert list(actors) == ["system:cli"]


def test_demo_admin_once_and_only_in_demo_mode(
    cli_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    production = cli_settings.model_copy(update={"mode": Mode.production})
    assert query(production, lambda s: commands.ensure_demo_admin(s, production)) is None
    assert query(cli_settings, lambda s: s.scalar(select(User.id))) is None

    assert run_cli(monkeypatch, "demo-admin") == 0
    first = capsys.readouterr().out
    assert "demo admin created: username 'admin' password '" in first
    assert run_cli(monkeypatch, "demo-admin") == 0
    assert "nothing created" in capsys.readouterr().out
    users = query(cli_settings, lambda s: s.scalars(select(User.username)))
    assert list(users) == ["admin"]


@pytest.mark.parametrize("secret", ["change-me", "", "too-short-for-production"])
def test_production_refuses_a_placeholder_or_short_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="DOAN3CD_SECRET_KEY"):
        Settings(mode=Mode.production, secret_key=secret)


def test_production_accepts_a_real_secret_and_demo_keeps_the_placeholder() -> None:
    assert Settings(mode=Mode.production, secret_key=REAL_SECRET).secret_key == REAL_SECRET
    assert Settings(mode=Mode.demo).secret_key == "change-me"
