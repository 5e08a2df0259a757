"""Container health check: GET /readyz of the part this container serves (its command line says which).
Ready means its database and bus answer; asking /readyz also refreshes the outbox and pool gauges."""

import os
import sys
import urllib.request

DEFAULT_PORTS = {"gateway": 8100, "policy": 8101, "providers": 8102, "bookings": 8103, "web": 8080}


def command_line() -> list[str]:
    for pid in ("1", str(os.getppid())):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                args = [a.decode() for a in handle.read().split(b"\0") if a]
        except OSError:
            continue
        if "serve" in args:
            return args
    return []


def target(args: list[str]) -> tuple[str, int] | None:
    """The part that the command line serves and its port: ``--port``, else the part's setting."""
    if "serve" not in args or args.index("serve") + 1 >= len(args):
        return None
    part = args[args.index("serve") + 1]
    port = int(os.environ.get(f"ANZE_{part.upper()}_PORT") or DEFAULT_PORTS.get(part, 0))
    for i, arg in enumerate(args):
        if arg == "--port" and i + 1 < len(args) and int(args[i + 1]):
            port = int(args[i + 1])
        elif arg.startswith("--port=") and int(arg.split("=", 1)[1]):
            port = int(arg.split("=", 1)[1])
    return part, port


def main(argv: list[str]) -> int:
    """Probe the part named by ``argv`` (tests, ``docker exec``) or else by this container's command."""
    found = target(argv or command_line())
    if found is None:
        return 0  # a one-shot command (migrate, backup): nothing to probe
    _, port = found
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
