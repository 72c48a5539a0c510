"""`doan3cd import members FILE` and `doan3cd worker`: the same service as the API."""

import sys
import time
import uuid
from pathlib import Path
from typing import TextIO

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd import clock
from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError
from doan3cd.auth.principal import WHOLE_TREE_PATH, WHOLE_TREE_UNIT_ID, Grant, Principal, Role
from doan3cd.imports import service
from doan3cd.models.job import ImportJob
from doan3cd.models.unit import Unit, UnitVersion

CLI_PRINCIPAL_ID = uuid.UUID(int=0)
BAR_WIDTH = 30


async def cli_principal(session: AsyncSession, unit_code: str | None) -> Principal:
    """The command line acts over the whole tree, or as a manager of one unit's subtree."""
    name = "doan3cd command line"
    if unit_code is None:
        grant = Grant(Role.admin, WHOLE_TREE_UNIT_ID, WHOLE_TREE_PATH)
        return Principal(CLI_PRINCIPAL_ID, "user", name, (grant,))
    today = clock.today()
    row = (
        await session.execute(
            select(Unit.id, UnitVersion.path)
            .join(UnitVersion, UnitVersion.unit_id == Unit.id)
            .where(
                Unit.code == unit_code,
                UnitVersion.valid_from <= today,
                or_(UnitVersion.valid_to.is_(None), and_(UnitVersion.valid_to > today)),
            )
        )
    ).first()
    if row is None:
        raise ProblemError(404, "unit_not_found", Text("Không có đơn vị này.", "No such unit."))
    return Principal(CLI_PRINCIPAL_ID, "user", name, (Grant(Role.manager, row[0], row[1]),))


def estimate_rows(path: Path) -> int | None:
    """Lines of a CSV file less the header (a guess: quoted cells may hold line breaks)."""
    if path.suffix.lower() not in (".csv", ".txt"):
        return None
    with path.open("rb") as file:
        lines = sum(block.count(b"\n") for block in iter(lambda: file.read(1 << 20), b""))
    return max(lines - 1, 1)


class ProgressBar:
    """A plain-text progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int | None, out: TextIO = sys.stderr) -> None:
        self.total = total
        self.out = out
        self.started = self.drawn = time.monotonic()

    def draw(self, rows: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.drawn < 0.1:
            return
        self.drawn = now
        rate = rows / max(now - self.started, 1e-9)
        if self.total:
            done = min(rows / self.total, 1.0)
            filled = int(done * BAR_WIDTH)
            bar = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:4.0%} "
        else:
            bar = ""
        self.out.write(f"\r{bar}{rows:,} rows, {rate:,.0f} rows/s")
        if final:
            self.out.write("\n")
        self.out.flush()

    async def __call__(self, rows: int) -> None:
        self.draw(rows)


async def import_file(
    session: AsyncSession,
    path: Path,
    options: service.ImportOptions,
    unit_code: str | None,
    bar: ProgressBar | None = None,
) -> ImportJob:
    principal = await cli_principal(session, unit_code)
    job = await service.create_job(session, principal, options, state="running")
    job = await service.run_job(session, job, path, bar or service.no_progress)
    if bar is not None:
        bar.draw(job.rows_done, final=True)
    return job
