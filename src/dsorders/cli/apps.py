"""`dsorders apps`: registered integrations, their secrets, grants, rate limits and allow-lists."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

import typer

from .. import admin
from ..methods import default_methods
from ..store import App, ConflictError, Store
from .common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    fail,
    find_app,
    now_ms,
    print_json,
    print_record,
    print_records,
    run_with_store,
)

app = typer.Typer(help="Create and manage apps: key and secret, granted APIs, rate limit, IP allow-list.",
                  no_args_is_help=True)  # fmt: skip

COLUMNS = ("app_key", "name", "status", "enabled", "rate_limit", "apis", "ip_allowlist")
KeyArgument = Annotated[str, typer.Argument(help="The app key.", show_default=False)]
ApiArgument = Annotated[str, typer.Argument(help=f"The API name. Default: {admin.ORDER_GET}.")]
CACHE_NOTE = "A running service sees the change within DSORDERS_APP_CACHE_TTL seconds (default 5)."


def _networks(values: list[str]) -> tuple[str, ...]:
    networks = []
    for value in values:
        try:
            networks.append(str(ipaddress.ip_network(value, strict=False)))
        except ValueError:
            fail(f"--allow-ip {value!r} is not an IP address or CIDR network (such as 203.0.113.0/24).")
    return tuple(networks)


def _public(record: App) -> dict[str, Any]:
    """An app without its secret, for listings."""
    return {column: getattr(record, column) for column in COLUMNS}


def _business_api(api: str) -> str:
    methods = default_methods()
    if api not in methods or methods[api].system:
        known = ", ".join(name for name, method in methods.items() if not method.system)
        fail(f"unknown API {api!r}; the APIs an app can be granted are: {known}.")
    return api


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="What the app is called.", show_default=False)],
    status: Annotated[
        Literal["testing", "online"],
        typer.Option("--status", help="testing: access tokens live 1 day (refresh tokens 2); online: 30 days (60)."),
    ] = "testing",
    rate_limit: Annotated[
        int,
        typer.Option(
            "--rate-limit",
            min=1,
            help="Calls per second before ApiCallLimit; shared by workers only with `serve --redis`.",
        ),
    ] = admin.DEFAULT_RATE_LIMIT,
    allow_ip: Annotated[
        list[str] | None,
        typer.Option("--allow-ip", help="Accept calls only from this address or CIDR network (repeatable)."),
    ] = None,
    app_key: Annotated[str | None, typer.Option("--app-key", help="Digits. Default: a random key.")] = None,
    app_secret: Annotated[str | None, typer.Option("--app-secret", help="Default: a random secret.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an app granted aliexpress.trade.ds.order.get; prints its key and secret."""
    if app_key is not None and not (app_key.isascii() and app_key.isdigit()):
        fail(f"--app-key {app_key!r} must be digits, as the platform's app keys are.")
    if app_secret is not None and not app_secret:
        fail("--app-secret must not be empty.")
    networks = _networks(allow_ip or [])

    async def action(store: Store) -> App:
        try:
            return await admin.create_app(
                store, name=name, now=now_ms(), status=status, rate_limit=rate_limit,
                ip_allowlist=networks, app_key=app_key, app_secret=app_secret,
            )  # fmt: skip
        except ConflictError:
            fail(f"an app with key {app_key} already exists; choose another --app-key or leave it out.")

    created = run_with_store(db, action, create=True)
    if as_json:
        print_record(created, as_json=True)
        return
    console.print(f"Created app {created.name!r}.", highlight=False)
    console.print(f"app key:    {created.app_key}", highlight=False)
    console.print(f"app secret: {created.app_secret}", highlight=False)


@app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the apps (without their secrets; `apps show` prints one with its secret)."""
    apps = run_with_store(db, lambda store: store.list_apps())
    print_records([_public(item) for item in apps], COLUMNS, as_json=as_json, title="Apps")


@app.command("show")
def show(app_key: KeyArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Print one app, with its secret."""
    print_record(run_with_store(db, lambda store: find_app(store, app_key)), as_json=as_json)


def _change(db: str | None, app_key: str, as_json: bool, done: str, change: Any) -> None:
    async def action(store: Store) -> App:
        await find_app(store, app_key)
        return await change(store)  # type: ignore[no-any-return]

    changed = run_with_store(db, action)
    if as_json:
        print_json(_public(changed))
        return
    console.print(f"App {app_key}: {done}.", highlight=False)
    err_console.print(CACHE_NOTE, highlight=False)


@app.command("grant")
def grant(app_key: KeyArgument, api: ApiArgument = admin.ORDER_GET, db: DbOption = None,
          as_json: JsonOption = False) -> None:  # fmt: skip
    """Grant an app an API."""
    api = _business_api(api)
    _change(db, app_key, as_json, f"granted {api}", lambda store: store.set_grant(app_key, api, True))


@app.command("revoke")
def revoke(app_key: KeyArgument, api: ApiArgument = admin.ORDER_GET, db: DbOption = None,
           as_json: JsonOption = False) -> None:  # fmt: skip
    """Take an API back from an app: its calls get isv.insufficient-permission."""
    api = _business_api(api)
    _change(db, app_key, as_json, f"{api} revoked", lambda store: store.set_grant(app_key, api, False))


@app.command("disable")
def disable(app_key: KeyArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Disable an app: its calls get InvalidAppKey."""
    _change(db, app_key, as_json, "disabled", lambda store: store.update_app(app_key, enabled=False))


@app.command("enable")
def enable(app_key: KeyArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Enable a disabled app again."""
    _change(db, app_key, as_json, "enabled", lambda store: store.update_app(app_key, enabled=True))
