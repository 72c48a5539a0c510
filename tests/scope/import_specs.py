"""Imports in the randomised scope test: rows land only in the caller's branches, jobs are private.

A member import into a branch outside the caller's members:write scope answers 200 with the row
refused as `branch_out_of_scope` and nothing written; its job (and every other) can be read,
with its errors.csv and rows, only by whoever started it: to anyone else it answers like a job
that does not exist.
"""

import itertools
import uuid

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd import clock
from doan3cd.auth.permissions import Permission
from doan3cd.models.member import Member
from doan3cd.models.unit import Unit, UnitVersion
from tests.scope.harness import Caller, Ctx, ProbeOp, ScopedResource, SingleOp, Target, answer

IMPORTS = "/api/v1/imports"
JOBS = "/api/v1/jobs"
HEADER = "member_code,full_name,date_of_birth,gender,phone,joined_on,branch_code"
MEMBER_CODES = itertools.count(1)
JOBS_KEY = "import_jobs"  # [(job id, Authorization header of whoever started it)]


async def branch_paths(session: AsyncSession) -> dict[uuid.UUID, str]:
    """Every branch → its path today (the unit an import row names decides its scope)."""
    today = clock.today()
    rows = await session.execute(
        select(UnitVersion.unit_id, UnitVersion.path)
        .where(
            UnitVersion.kind == "branch",
            UnitVersion.valid_from <= today,
            (UnitVersion.valid_to.is_(None)) | (UnitVersion.valid_to > today),
        )
        .order_by(UnitVersion.unit_id)
    )
    return {row.unit_id: row.path for row in rows}


async def branch_snapshot(session: AsyncSession, branch_id: uuid.UUID) -> object:
    return await session.scalar(
        select(func.count()).select_from(Member).where(Member.branch_id == branch_id)
    )


async def import_into(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    """A best-effort import of one new member into the target branch (by its code)."""
    code = await ctx.session.scalar(select(Unit.code).where(Unit.id == target.record_id))
    row = (
        f"SC{next(MEMBER_CODES):06d},Nguyễn Văn Tâm,01/02/2000,Nam,0912345678,26/03/2018,"
        f"{code or 'NO-SUCH-BRANCH'}"
    )
    response = await ctx.client.post(
        IMPORTS,
        files={"file": ("members.csv", f"{HEADER}\n{row}\n".encode())},
        data={"resource": "members", "strategy": "create", "atomic": "false"},
        headers=headers,
    )
    if response.status_code == 200:
        started = (uuid.UUID(response.json()["id"]), headers["Authorization"])
        ctx.memo.setdefault(JOBS_KEY, []).append(started)
    return response


def row_refusal(response: httpx.Response) -> str | None:
    """The first row error's code; "not_created" when the row neither landed nor failed."""
    report = response.json()
    if report["problems"]:
        return str(report["problems"][0]["code"])
    return None if report["created"] == 1 else "not_created"


async def read_jobs(ctx: Ctx, caller: Caller) -> tuple[list[str], list[str]]:
    """The caller reads one of its own jobs (must work) and one of someone else's (must answer
    exactly like a job that does not exist), with its errors.csv and rows."""
    jobs: list[tuple[uuid.UUID, str]] = ctx.memo.get(JOBS_KEY, [])
    me = caller.headers["Authorization"]
    own = [job for job, owner in jobs if owner == me]
    others = [job for job, owner in jobs if owner != me]
    leaks: list[str] = []
    sides: list[str] = []
    if own and caller.holds(Permission.imports_write):
        job = ctx.rng.choice(own)
        for suffix in ("", "/errors.csv", "/rows"):
            got = await ctx.client.get(f"{JOBS}/{job}{suffix}", headers=caller.headers)
            if got.status_code != 200:
                leaks.append(f"own job {job}{suffix}: {got.status_code}")
        sides.append("in scope")
    if others:
        job = ctx.rng.choice(others)
        for suffix in ("", "/errors.csv", "/rows"):
            got = await ctx.client.get(f"{JOBS}/{job}{suffix}", headers=caller.headers)
            missing = await ctx.client.get(f"{JOBS}/{uuid.uuid4()}{suffix}", headers=caller.headers)
            want = (404, "job_not_found") if caller.holds(Permission.imports_write) else None
            if answer(got) != answer(missing) or (want and answer(got) != want):
                leaks.append(f"another's job {job}{suffix}: {answer(got)}")
        sides.append("out of scope")
    return leaks, sides


IMPORTS_RESOURCE = ScopedResource(
    name="imports",
    # A row lands only where the caller holds members:write (besides imports:write to import).
    read_permission=Permission.members_write,
    scope_paths=branch_paths,
    snapshot=branch_snapshot,
    singles=[
        SingleOp(
            "members",
            Permission.imports_write,
            import_into,
            refusal=row_refusal,
            refused_as="branch_out_of_scope",
        )
    ],
    collections=[],
    probes=[ProbeOp("jobs", Permission.imports_write, read_jobs)],
)
