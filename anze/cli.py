"""The ``anze`` command: run the platform embedded or distributed, serve one part, migrate, seed, import."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from services.kernel.logging import configure_logging
from services.kernel.settings import KernelSettings

log = logging.getLogger("anze.cli")


def _kernel() -> KernelSettings:
    kernel = KernelSettings()
    configure_logging(kernel.log_level, json_lines=kernel.log_json and kernel.env != "dev")
    return kernel


def _seed_marker(kernel: KernelSettings) -> Path:
    return kernel.var_dir / ".demo-seeded"


def cmd_up(args: argparse.Namespace) -> int:
    if args.distributed:
        return _up_distributed(args)
    import uvicorn

    from anze.composition import create_embedded_app, migrate_all, seed_all

    kernel = _kernel()
    kernel.var_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(migrate_all(kernel))
    marker = _seed_marker(kernel)
    if kernel.env == "prod" and not args.no_seed:
        log.warning("ANZE_ENV=prod: no demo data and no demo accounts are seeded; create the first admin with "
                    "infra/create_admin.py (anze-create-admin in the image)")
    elif not args.no_seed and not marker.exists():
        log.info("first start: seeding demo data (demo only, never production)")
        asyncio.run(seed_all(kernel))
        marker.write_text("seeded\n")
    log.info("Anze is serving on http://%s:%s", args.host, args.port)
    uvicorn.run(create_embedded_app(kernel), host=args.host, port=args.port, log_config=None,
                access_log=False)
    return 0


def _up_distributed(args: argparse.Namespace) -> int:
    from anze.composition import migrate_all, seed_all
    from anze.distributed import DistributedConfig, Supervisor, ensure_databases, run_forever

    kernel = _kernel()
    config = DistributedConfig(
        pg_admin_url=os.environ.get("ANZE_PG_ADMIN_URL", DistributedConfig.pg_admin_url),
        nats_url=os.environ.get("ANZE_BUS_URL", "nats://127.0.0.1:4222"),
        var_dir=kernel.var_dir,
    )
    if args.port != 8000:
        config.ports["web"] = args.port
    asyncio.run(ensure_databases(config))
    os.environ.update(config.environment())
    kernel = KernelSettings()
    asyncio.run(migrate_all(kernel))
    marker = kernel.var_dir / ".demo-seeded-distributed"
    if kernel.env == "prod" and not args.no_seed:
        log.warning("ANZE_ENV=prod: no demo data and no demo accounts are seeded")
    elif not args.no_seed and not marker.exists():
        asyncio.run(seed_all(kernel))
        marker.write_text("seeded\n")
    supervisor = Supervisor(config)
    supervisor.start_all()
    log.info("Anze (distributed) is serving: web %s, gateway %s/graphql", config.url("web"),
             config.url("gateway"))
    return run_forever(supervisor)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from anze.composition import create_part_app, part_settings

    kernel = _kernel()
    settings = part_settings(args.part, kernel)
    port = args.port or settings.port
    uvicorn.run(create_part_app(args.part, settings), host=args.host, port=port, log_config=None,
                access_log=False)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from anze.composition import PARTS, migrate_all

    parts = (args.part,) if args.part else PARTS
    done = asyncio.run(migrate_all(_kernel(), parts=parts))
    log.info("migrated: %s", ", ".join(done))
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from anze.composition import seed_all

    if not args.demo:
        print("say --demo: only demo data can be seeded", file=sys.stderr)
        return 2
    kernel = _kernel()
    if kernel.env == "prod":
        print("refused: demo data is never seeded with ANZE_ENV=prod", file=sys.stderr)
        return 2
    asyncio.run(seed_all(kernel, firms=args.firms))
    _seed_marker(kernel).parent.mkdir(parents=True, exist_ok=True)
    _seed_marker(kernel).write_text("seeded\n")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from anze.composition import part_settings
    from services.kernel.db import Database
    from services.policy.importer import import_firms

    kernel = _kernel()
    settings = part_settings("policy", kernel)

    def progress(done: int, total: int) -> None:
        print(f"\r{done}/{total} rows", end="", file=sys.stderr, flush=True)

    async def run() -> int:
        database = Database(settings.resolved_database_url("policy"))
        try:
            report = await import_firms(database, Path(args.file), progress=progress)
        finally:
            await database.dispose()
        print(file=sys.stderr)
        for line in report.lines():
            print(line)
        return 0 if report.ok else 1

    return asyncio.run(run())


def cmd_makemigrations(args: argparse.Namespace) -> int:
    from anze.composition import part_app_module
    from services.kernel.migrations import regenerate_initial

    migrations = getattr(part_app_module(args.part), "MIGRATIONS", None)
    if migrations is None:
        print(f"{args.part} has no database", file=sys.stderr)
        return 2
    regenerate_initial(migrations)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from anze.composition import PARTS

    parser = argparse.ArgumentParser(prog="anze", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="serve the whole platform (embedded by default)")
    up.add_argument("--port", type=int, default=8000)
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--distributed", action="store_true", help="each part its own process (PostgreSQL, NATS)")
    up.add_argument("--no-seed", action="store_true", help="do not seed demo data on first start")
    up.set_defaults(func=cmd_up)

    serve = sub.add_parser("serve", help="serve one part (what a container runs)")
    serve.add_argument("part", choices=PARTS)
    serve.add_argument("--port", type=int, default=0, help="default: the part's own port")
    serve.add_argument("--host", default="0.0.0.0")
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("part", nargs="?", choices=PARTS)
    migrate.set_defaults(func=cmd_migrate)

    seed = sub.add_parser("seed", help="seed demo data (never in production)")
    seed.add_argument("--demo", action="store_true")
    seed.add_argument("--firms", type=int, default=None, help="how many demo firms (default 600)")
    seed.set_defaults(func=cmd_seed)

    imp = sub.add_parser("import", help="import the bureau's registry")
    imp_sub = imp.add_subparsers(dest="what", required=True)
    firms = imp_sub.add_parser("firms", help="firms from a CSV or XLSX file; all or nothing")
    firms.add_argument("file")
    firms.set_defaults(func=cmd_import)

    mk = sub.add_parser("makemigrations", help="(development) rewrite a part's initial migration")
    mk.add_argument("part", choices=PARTS)
    mk.set_defaults(func=cmd_makemigrations)

    try:
        from anze import backup
    except ImportError:
        backup = None  # type: ignore[assignment]
    if backup is not None:
        backup.register(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    raise SystemExit(args.func(args))


if __name__ == "__main__":
    main()
