"""The `doan3cd` command: serve, migrate, seed the demo, recompute verdicts, export the contract,
users and tokens, imports and the import worker."""

import argparse
import asyncio
import contextlib
import getpass
import json
import os
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.problems import ProblemError
from doan3cd.auth import commands
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Role
from doan3cd.config import get_settings
from doan3cd.imports.errors import RowError
from doan3cd.models.job import ImportJob

T = TypeVar("T")

OPENAPI_PATH = Path("openapi/openapi.json")


def openapi_document() -> str:
    """The contract as committed: sorted keys, UTF-8 kept, trailing newline."""
    from doan3cd.main import create_app

    schema = create_app().openapi()
    return json.dumps(schema, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def cmd_migrate(_: argparse.Namespace) -> int:
    from doan3cd.db.migrations import upgrade

    upgrade(get_settings().database_url)
    print("database is at the newest migration")
    return 0


def cmd_export_openapi(args: argparse.Namespace) -> int:
    path = Path(args.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(openapi_document(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_seed_demo(if_empty=args.if_empty))


async def _seed_demo(*, if_empty: bool) -> int:
    import time

    from doan3cd.db.engine import make_async_engine
    from doan3cd.db.session import make_sessionmaker
    from doan3cd.demo import has_units, seed_demo

    engine = make_async_engine(get_settings())
    started = time.perf_counter()
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            if await has_units(session):
                if if_empty:
                    print("units already exist: demo data not seeded")
                    return 0
                print("units already exist: seed-demo needs an empty database", file=sys.stderr)
                return 1
            lines = await seed_demo(session)
    finally:
        await engine.dispose()
    for line in lines:
        print(line)
    print(f"demo data seeded in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_recompute(args: argparse.Namespace) -> int:
    import time

    from doan3cd.assessments.recompute import recompute
    from doan3cd.assessments.verdicts import CHUNK

    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        rate = done / max(time.perf_counter() - started, 1e-9)
        print(f"\r{done}/{total} units ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)

    with contextlib.ExitStack() as stack:
        output = (
            stack.enter_context(open(args.output, "w", encoding="utf-8")) if args.output else None
        )
        statuses = _run(
            lambda session: recompute(
                session,
                args.year,
                within_code=args.within,
                chunk=args.chunk or CHUNK,
                progress=progress,
                output=output,
                workers=args.workers,
                settings=get_settings(),
            )
        )
    print(file=sys.stderr)
    total = sum(statuses.values())
    summary = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
    print(f"{args.year}: {total} verdicts in {time.perf_counter() - started:.1f} s ({summary})")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "doan3cd.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level,
        proxy_headers=True,
    )
    return 0


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    return asyncio.run(commands.in_transaction(get_settings(), work))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("the passwords differ")
    return first


def cmd_users_create(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    user = _run(
        lambda s: commands.create_user(
            s, args.username, password, Role(args.role), args.unit, args.display_name
        )
    )
    print(f"created user {user.username} ({user.id}) with role {args.role}")
    return 0


def cmd_tokens_create(args: argparse.Namespace) -> int:
    scopes = [Permission(scope) for scope in args.scope]
    token = _run(lambda s: commands.create_token(s, args.name, scopes, args.unit, args.expires_on))
    print(f"created API token {token.name} ({token.id}), scopes {' '.join(token.scopes)}")
    print("the secret is shown only now; store it safely:", file=sys.stderr)
    print(token.secret)
    return 0


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    token = _run(lambda s: commands.revoke_token(s, args.token_id))
    print(f"API token {token.name} ({token.id}) is {token.status}")
    return 0


def cmd_demo_admin(_: argparse.Namespace) -> int:
    settings = get_settings()
    created = asyncio.run(
        commands.in_transaction(settings, lambda s: commands.ensure_demo_admin(s, settings))
    )
    if created is None:
        print(f"demo admin: nothing created (mode {settings.mode}, or users exist already)")
    else:
        print(f"demo admin created: username {created.username!r} password {created.password!r}")
    return 0


def cmd_members_mature(args: argparse.Namespace) -> int:
    from doan3cd.audit.service import CLI
    from doan3cd.config import admission_policy
    from doan3cd.demo import SEED_PRINCIPAL
    from doan3cd.members.maturity import mature_members

    report = _run(
        lambda s: mature_members(
            s,
            SEED_PRINCIPAL,
            admission_policy(get_settings()),
            as_of=args.as_of,
            dry_run=not args.apply,
            actor=CLI,
        )
    )
    for row in report.items:
        print(f"{row.member_code or '-'}\t{row.full_name}\t{row.age}")
    verb = "would mature" if report.dry_run else "matured"
    print(f"{verb} {report.count} member(s) as of {report.as_of.isoformat()}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from doan3cd.imports import commands as imports
    from doan3cd.imports.service import ImportOptions, job_errors

    path = Path(args.file)
    options = ImportOptions(
        args.resource, args.strategy, not args.best_effort, args.dry_run, filename=path.name
    )
    bar = imports.ProgressBar(imports.estimate_rows(path))

    async def work(session: AsyncSession) -> tuple[ImportJob, list[RowError]]:
        job = await imports.import_file(session, path, options, args.unit_scope, bar)
        return job, await job_errors(session, job.id, 20)

    job, errors = _run(work)
    print(
        f"{job.state}: {job.rows_done:,} rows, {job.created:,} created, {job.updated:,} updated, "
        f"{job.unchanged:,} unchanged, {job.errors:,} with errors"
        + (" (dry run)" if job.dry_run else ""),
        file=sys.stderr,
    )
    if job.error_code:
        print(f"{job.error_code}: {job.error_message_en}", file=sys.stderr)
    for error in errors:
        print(f"  row {error.row} {error.column or ''}: {error.code}: {error.message_en}",
              file=sys.stderr)  # fmt: skip
    if job.errors > len(errors):
        print(f"  … GET /api/v1/jobs/{job.id}/errors.csv lists all of them", file=sys.stderr)
    return 0 if job.state == "succeeded" else 1


def cmd_worker(args: argparse.Namespace) -> int:
    from doan3cd.db.engine import make_async_engine
    from doan3cd.db.session import make_sessionmaker
    from doan3cd.imports.worker import job_lease, run_forever, run_one

    async def work() -> None:
        settings = get_settings()
        engine = make_async_engine(settings)
        lease = job_lease(settings)
        try:
            sessionmaker = make_sessionmaker(engine)
            if args.once:
                while await run_one(sessionmaker, lease, settings) is not None:
                    pass
            else:
                await run_forever(sessionmaker, lease, settings)
        finally:
            await engine.dispose()

    asyncio.run(work())
    return 0


def cmd_sync_compact(_: argparse.Namespace) -> int:
    from doan3cd.sync.feed import compact

    settings = get_settings()
    deleted, mark = _run(lambda s: compact(s, settings.sync_retention_days))
    print(f"compacted the change log: {deleted} entries deleted, low-water mark {mark}")
    return 0


def cmd_webhooks_work(args: argparse.Namespace) -> int:
    from doan3cd.sync.worker import run_cli

    return asyncio.run(run_cli(get_settings(), once=args.once))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="doan3cd", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the API with uvicorn")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=cmd_serve)

    migrate = sub.add_parser("migrate", help="upgrade the database to the newest migration")
    migrate.set_defaults(handler=cmd_migrate)

    seed = sub.add_parser(
        "seed-demo", help="seed the Trà Vinh demo dataset (needs an empty database)"
    )
    seed.add_argument(
        "--if-empty", action="store_true", help="do nothing (successfully) when units already exist"
    )
    seed.set_defaults(handler=cmd_seed_demo)

    again = sub.add_parser(
        "recompute", help="compute every unit's 3 chủ động verdict for a year, with progress"
    )
    again.add_argument("--year", type=int, required=True)
    again.add_argument("--within", metavar="CODE", help="only units under this unit code")
    again.add_argument("--chunk", type=int, help="units loaded per batch (default 2,000)")
    again.add_argument("--output", metavar="FILE", help="write the verdicts as JSON lines")
    again.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes computing slices of the units (default: the number of CPUs)",
    )
    again.set_defaults(handler=cmd_recompute)

    export = sub.add_parser("export-openapi", help="write the OpenAPI contract")
    export.add_argument("--output", default=str(OPENAPI_PATH))
    export.set_defaults(handler=cmd_export_openapi)

    users = sub.add_parser("users", help="manage user accounts").add_subparsers(
        dest="users_command", required=True
    )
    create_user = users.add_parser("create", help="create a user with one role")
    create_user.add_argument("username")
    create_user.add_argument("--role", required=True, choices=[r.value for r in Role])
    create_user.add_argument("--unit", metavar="CODE", help="unit code (all roles but admin)")
    create_user.add_argument("--display-name")
    create_user.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create_user.set_defaults(handler=cmd_users_create)

    tokens = sub.add_parser("tokens", help="manage integration API tokens").add_subparsers(
        dest="tokens_command", required=True
    )
    create_token = tokens.add_parser("create", help="issue a token; prints the secret once")
    create_token.add_argument("name")
    create_token.add_argument(
        "--scope", action="append", required=True, choices=[p.value for p in Permission]
    )
    create_token.add_argument("--unit", metavar="CODE", required=True)
    create_token.add_argument("--expires-on", type=date.fromisoformat, metavar="YYYY-MM-DD")
    create_token.set_defaults(handler=cmd_tokens_create)
    revoke_token = tokens.add_parser("revoke", help="revoke a token at once")
    revoke_token.add_argument("token_id", type=uuid.UUID)
    revoke_token.set_defaults(handler=cmd_tokens_revoke)

    members = sub.add_parser("members", help="member maintenance").add_subparsers(
        dest="members_command", required=True
    )
    mature = members.add_parser(
        "mature", help="list (or with --apply, mature) members past the age limit"
    )
    mature.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD")
    mature.add_argument("--apply", action="store_true", help="set them matured (default: dry run)")
    mature.set_defaults(handler=cmd_members_mature)
    importer = sub.add_parser("import", help="import a file (CSV, XLSX, JSON)")
    importer.add_argument("resource", choices=["members"])
    importer.add_argument("file")
    importer.add_argument("--strategy", choices=["create", "update", "upsert"], default="upsert")
    importer.add_argument("--dry-run", action="store_true", help="report, write nothing")
    importer.add_argument(
        "--best-effort", action="store_true", help="land the good rows (default: all or nothing)"
    )
    importer.add_argument(
        "--unit-scope", metavar="CODE", help="act as a manager of this unit (default: all units)"
    )
    importer.set_defaults(handler=cmd_import)

    worker = sub.add_parser("worker", help="run queued import jobs")
    worker.add_argument("--once", action="store_true", help="empty the queue, then stop")
    worker.set_defaults(handler=cmd_worker)

    demo = sub.add_parser(
        "demo-admin", help="demo mode: create user admin with a printed password if none exist"
    )
    demo.set_defaults(handler=cmd_demo_admin)

    sync = sub.add_parser("sync", help="maintain the sync change log").add_subparsers(
        dest="sync_command", required=True
    )
    compact = sync.add_parser(
        "compact",
        help="delete changes older than DOAN3CD_SYNC_RETENTION_DAYS except each record's latest",
    )
    compact.set_defaults(handler=cmd_sync_compact)

    hooks = sub.add_parser("webhooks", help="deliver webhooks").add_subparsers(
        dest="webhooks_command", required=True
    )
    work = hooks.add_parser("work", help="deliver due webhooks until interrupted")
    work.add_argument("--once", action="store_true", help="one pass, then exit")
    work.set_defaults(handler=cmd_webhooks_work)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ProblemError as error:
        print(f"error: {error.detail.en if error.detail else error.code}", file=sys.stderr)
    except ValidationError as error:
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            print(f"error: {field}: {problem['msg']}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
