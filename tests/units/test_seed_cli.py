"""`doan3cd seed-demo` on a fresh SQLite file: seeds once, then `--if-empty` leaves it alone."""

from pathlib import Path

import pytest

from doan3cd.cli import main
from doan3cd.config import get_settings
from doan3cd.db.migrations import upgrade


def test_seed_demo_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}"
    upgrade(url)
    monkeypatch.setenv("DOAN3CD_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert main(["seed-demo", "--if-empty"]) == 0
        out = capsys.readouterr().out
        assert "9 district unions, 3 affiliated unions, 169 grassroots units" in out
        assert "10 unions merged into Tỉnh đoàn Vĩnh Long" in out
        assert main(["seed-demo", "--if-empty"]) == 0
        assert "not seeded" in capsys.readouterr().out
        assert main(["seed-demo"]) == 1
    finally:
        get_settings.cache_clear()
