"""The `doan3cd` command: serve, migrate, seed the demo, export the contract (and more to come)."""

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from doan3cd.config import get_settings

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

    export = sub.add_parser("export-openapi", help="write the OpenAPI contract")
    export.add_argument("--output", default=str(OPENAPI_PATH))
    export.set_defaults(handler=cmd_export_openapi)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
