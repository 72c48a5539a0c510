"""Migrations build the schema from empty, match the models, and round-trip down and up."""

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect

from doan3cd.db.engine import sync_url
from doan3cd.db.migrations import alembic_config, downgrade, head_revisions, upgrade
from tests.conftest import _backends, fresh_database_url


@pytest.mark.parametrize("backend", _backends())
def test_upgrade_check_downgrade_round_trip(backend: str, tmp_path: Path) -> None:
    url = fresh_database_url(backend, tmp_path, "migration_check")
    upgrade(url)
    command.check(alembic_config(url))  # raises when models and migrations drift apart
    downgrade(url, "base")
    engine = create_engine(sync_url(url))
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade(url)
    with engine.connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    engine.dispose()
    assert set(version) == head_revisions()


def test_single_head_and_dated_file_names() -> None:
    assert len(head_revisions()) == 1
    files = sorted(Path("migrations/versions").glob("*.py"))
    assert files
    for file in files:
        assert file.name[:4].isdigit() and file.name[4] == "_", file.name
