"""`dsorders serve`: the gateway under granian (ASGI), with the same settings in every worker."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Annotated

import typer

from ..settings import Settings
from ..store import StoreError, StoreRefusedError, StoreUnavailableError
from .common import DbOption, check_database, err_console, fail, new_store, settings_for, shown_db

ASGI_TARGET = "dsorders.gateway.asgi:app"
HostOption = Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0 for every interface).")]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]
HELP = (
    "Run the service: /sync and /rest for API calls, /oauth for sign-in, /healthz for health checks.\n\n"
    "The database is opened and migrated before the workers start. A PostgreSQL that is down at start"
    " is a warning, not an error: calls answer isp.service-unavailable until it is back.\n\n"
    "Settings come from DSORDERS_* environment variables (DSORDERS_DISPLAY_ZONE, DSORDERS_STORE_DEADLINE,"
    " DSORDERS_APP_CACHE_TTL, DSORDERS_POOL_SIZE, ...) and reach every worker; --db and --redis override"
    " DSORDERS_DB and DSORDERS_REDIS."
)
WorkersOption = Annotated[
    int, typer.Option("--workers", min=1, help="Worker processes (each with its own database connections).")
]
RedisOption = Annotated[
    str | None,
    typer.Option(
        "--redis",
        envvar="DSORDERS_REDIS",
        help="Redis URL (redis://host:6379/0) through which every worker, on every host, shares call-rate limits"
        " and bans. Without it each worker limits on its own, so N workers allow up to N times an app's limit.",
        show_default=False,
    ),
]


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
    """Open the database once before any worker starts: it exists, answers, and is migrated.

    A database the gateway reconnects to by itself (PostgreSQL) may be down: then warn and serve anyway.
    """
    check_database(settings, create=True)
    store = new_store(settings)

    async def check() -> StoreError | None:
        try:
            await store.open()
            await store.ping()
        except StoreError as exc:
            return exc
        finally:
            await store.close()
        return None

    error = asyncio.run(check())
    if error is None:
        return
    if isinstance(error, StoreRefusedError) or not (store.reconnects and isinstance(error, StoreUnavailableError)):
        fail(f"cannot open the database {shown_db(settings.db)!r}: {error}."
             " Check --db (or DSORDERS_DB) and that it is reachable.")  # fmt: skip
    err_console.print(
        f"[bold yellow]warning:[/] the database {shown_db(settings.db)} is unavailable ({error}). Serving anyway:"
        " API calls answer isp.service-unavailable and /healthz answers 503 until it is reachable;"
        " the service reconnects by itself, no restart needed.",
        highlight=False,
    )


def check_redis(url: str) -> None:
    """Refuse a Redis URL that cannot be used; warn if Redis does not answer now (limits stay per-process)."""
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        client = Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
    except ValueError as exc:
        fail(f"--redis {shown_db(url)!r} is not a Redis URL ({exc}); write it as redis://host:6379/0.")
    try:
        client.ping()
    except (RedisError, OSError) as exc:
        err_console.print(
            f"[bold yellow]warning:[/] Redis at {shown_db(url)} does not answer ({type(exc).__name__}): each"
            " worker limits calls on its own until it does; shared limiting then resumes by itself.",
            highlight=False,
        )
    finally:
        client.close()


def run_server(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve until interrupted. Workers build the app from the environment these settings make."""
    from granian import Granian
    from granian.constants import Interfaces

    check_port(host, port)
    if settings.redis:
        check_redis(settings.redis)
    prepare(settings)
    os.environ.update(settings.to_env())
    server = Granian(ASGI_TARGET, address=host, port=port, interface=Interfaces.ASGI, workers=workers)
    limits = "shared through Redis" if settings.redis else "per worker"
    err_console.print(f"Serving {shown_db(settings.db)} on http://{host}:{port} (/sync, /rest, /oauth, /healthz)"
                      f" with {workers} worker{'s' if workers > 1 else ''}, call-rate limits {limits};"
                      " Ctrl+C stops.", highlight=False)  # fmt: skip
    try:
        server.serve()
    except OSError as exc:
        fail(f"the server could not start on {host}:{port}: {exc.strerror or exc}.")


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: WorkersOption = 1,
    db: DbOption = None,
    redis: RedisOption = None,
) -> None:
    """Run the service: /sync and /rest for API calls, /oauth for sign-in, /healthz for health checks."""
    settings = settings_for(db)
    run_server(settings.with_changes(redis=redis) if redis else settings, host=host, port=port, workers=workers)
