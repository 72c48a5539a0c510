"""`doan3cd sync compact` and `doan3cd webhooks work --once` on a fresh SQLite file."""

from pathlib import Path

import pytest

from doan3cd.cli import main
from doan3cd.config import get_settings
from doan3cd.db.migrations import upgrade


def test_compact_and_work_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sync.sqlite3'}"
    upgrade(url)
    monkeypatch.setenv("DOAN3CD_DATABASE_URL", url)
    monkeypatch.setenv("DOAN3CD_SYNC_RETENTION_DAYS", "7")
    get_settings.cache_clear()
    try:
        assert main(["sync", "compact"]) == 0
        assert "0 entries deleted, low-water mark 0" in capsys.readouterr().out
        assert main(["webhooks", "work", "--once"]) == 0
        assert "enqueued 0, sent 0, delivered 0" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
