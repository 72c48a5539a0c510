"""`doan3cd import members FILE`: the same service, a progress bar and a summary on stderr."""

from pathlib import Path

import pytest

from doan3cd.cli import main
from doan3cd.config import get_settings
from doan3cd.db.migrations import upgrade


def test_import_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'import.sqlite3'}"
    upgrade(url)
    monkeypatch.setenv("DOAN3CD_DATABASE_URL", url)
    get_settings.cache_clear()
    members = tmp_path / "members.csv"
    members.write_text(
        "Mã đoàn viên,Họ và tên,Ngày sinh,Giới tính,Ngày vào Đoàn,Chi đoàn\n"
        "DV1,Phạm Minh Tuấn,02/09/2002,Nam,26/03/2020,TV-TPTRAVINH-PHUONG4-KHOM1\n"
        "DV2,Võ Thị Lan,02/09/2002,Nữ,26/03/2020,NO-SUCH-BRANCH\n",
        encoding="utf-8",
    )
    try:
        assert main(["seed-demo"]) == 0
        capsys.readouterr()
        assert main(["import", "members", str(members), "--dry-run"]) == 1
        err = capsys.readouterr().err
        assert "100%" in err and "import_rows_invalid" in err
        assert "row 3 branch_code: branch_not_found" in err
        assert main(["import", "members", str(members), "--best-effort"]) == 0
        assert "succeeded: 2 rows, 1 created" in capsys.readouterr().err
        assert main(["import", "members", str(members), "--best-effort"]) == 0
        assert "0 created, 0 updated, 1 unchanged" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
