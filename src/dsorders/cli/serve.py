"""`dsorders serve`: the gateway under granian (ASGI), with the same settings in every worker."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Annotated

import typer

from ..settings import Settings
from ..store import Store
from .common import DbOption, err_console, fail, opened, settings_for

ASGI_TARGET = "dsorders.gateway.asgi:app"
HostOption = Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0 for every interface).")]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]
HELP = (
    "Run the service: /sync and /rest for API calls, /healthz for health checks.\n\n"
    "Settings come from DSORDERS_* environment variables (DSORDERS_DISPLAY_ZONE, DSORDERS_STORE_DEADLINE,"
    " DSORDERS_APP_CACHE_TTL, ...) and reach every worker; --db overrides DSORDERS_DB."
)
WorkersOption = Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")]


def check_port(host: str, port: int) -> None:
    """Fail with a clear message if the address cannot be listened on (taken, or not this machine's)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        fail(f"cannot listen on {host!r}: not a known host name or address.")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except PermissionError:
            fail(f"not allowed to listen on port {port}; choose a port above 1023 with --port.")
        except OSError as exc:
            if exc.errno == 98:  # EADDRINUSE
                fail(f"port {port} on {host} is already in use; stop what uses it or choose another --port.")
            fail(f"cannot listen on {host}:{port}: {exc.strerror}.")


def prepare(settings: Settings) -> None:
    """Open the database once before any worker starts: it exists, answers, and is migrated."""

    async def check() -> None:
        store: Store
        async with opened(settings, create=True) as store:
            await store.ping()

    asyncio.run(check())


def run_server(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve until interrupted. Workers build the app from the environment these settings make."""
    from granian import Granian
    from granian.constants import Interfaces

    check_port(host, port)
    prepare(settings)
    os.environ.update(settings.to_env())
    server = Granian(ASGI_TARGET, address=host, port=port, interface=Interfaces.ASGI, workers=workers)
    err_console.print(f"Serving {settings.db} on http://{host}:{port} (/sync, /rest, /healthz); Ctrl+C stops.",
                      highlight=False)  # fmt: skip
    try:
        server.serve()
    except OSError as exc:
        fail(f"the server could not start on {host}:{port}: {exc.strerror or exc}.")


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: WorkersOption = 1,
    db: DbOption = None,
) -> None:
    """Run the service: /sync and /rest for API calls, /healthz for health checks."""
    run_server(settings_for(db), host=host, port=port, workers=workers)
