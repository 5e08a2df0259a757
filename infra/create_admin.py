#!/usr/bin/env python3
"""Create the first administrator account in the gateway's database (a new deployment has none).

    anze-create-admin admin@city.example.gov.cn          (in the image; asks for the password)

It reads the gateway's settings (``ANZE_GATEWAY_DATABASE_URL``) like ``anze serve gateway`` does, so run
it where the gateway runs: ``docker compose run --rm -it --entrypoint anze-create-admin gateway EMAIL`` or
``kubectl -n anze exec -it deploy/gateway -- anze-create-admin EMAIL``. The password is read from the
terminal (or one line of standard input), never from the command line or the environment."""

import argparse
import asyncio
import getpass
import sys


async def create(email: str, password: str, display_name: str | None) -> str:
    from gateway.accounts import service
    from gateway.settings import GatewaySettings
    from services.kernel.auth import Role
    from services.kernel.db import Database

    settings = GatewaySettings()
    database = Database(settings.resolved_database_url("gateway"))
    try:
        async with database.transaction() as session:
            account = await service.add_account(session=session, email=email, password=password, role=Role.ADMIN,
                                                display_name=display_name, created_by="anze-create-admin")
            return str(account.id)
    finally:
        await database.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="anze-create-admin", description=__doc__.splitlines()[0])
    parser.add_argument("email")
    parser.add_argument("--name", default=None, help="the name shown for this account")
    args = parser.parse_args(argv)
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("the two passwords differ", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        account_id = asyncio.run(create(args.email, password, args.name))
    except Exception as exc:  # a weak password, a taken address, no database: say which and stop
        print(f"not created: {exc}", file=sys.stderr)
        return 1
    print(f"administrator {args.email} created ({account_id})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
