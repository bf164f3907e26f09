"""`dsorders demo`: a service on a local SQLite file seeded with demo data, ready for the SDK."""

from __future__ import annotations

import json
import os
import shlex
import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import typer

from .. import demo as demo_data
from ..admin import ORDER_GET
from ..oauth import DemoSignIn, demo_sign_in
from ..protocol import signing
from ..store import Store
from .common import console, err_console, fail, now_ms, print_json, run_with_store, settings_for
from .serve import HostOption, PortOption, check_port, run_server

DEMO_DB = "dsorders-demo.db"
DemoDbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="DSORDERS_DB",
        help=f"Database: a SQLite file path, or postgresql://user@host/dbname. Default: {DEMO_DB}.",
        show_default=False,
    ),
]
HELP = (
    "Seed a local SQLite file with demo data (or reuse it) and serve it.\n\n"
    "Two dropshipper accounts, one app granted order.get, a live token for the first account, the seed's"
    " example order as 10000001 and several hundred orders in every status. Prints the app key, secret and"
    " token, a Python snippet and a curl line, and an authorize URL with a login and password for trying"
    " the OAuth flow in a browser. The database is dsorders-demo.db unless --db or DSORDERS_DB says"
    " otherwise; running again on it reuses its data and token, but sets a new password (only its hash is"
    " stored, so the old one cannot be shown again)."
)

SNIPPET = """\
import iop

client = iop.IopClient({url!r}, {app_key!r}, {app_secret!r})
request = iop.IopRequest('aliexpress.trade.ds.order.get')
request.add_api_param('single_order_query', '{{"order_id":"{order_id}"}}')
response = client.execute(request, {access_token!r})
print(response.type)
print(response.body)"""


def credentials(seeded: demo_data.Demo, base_url: str, sign_in: DemoSignIn) -> dict[str, Any]:
    return {
        "sync_url": f"{base_url}/sync",
        "rest_url": f"{base_url}/rest",
        "app_key": seeded.app.app_key,
        "app_secret": seeded.app.app_secret,
        "access_token": seeded.access_token,
        "order_id": seeded.order_id,
        "foreign_order_id": seeded.foreign_order_id,
        "authorize_url": sign_in.authorize_url,
        "login": sign_in.login,
        "password": sign_in.password,
    }


def signed_url(creds: dict[str, Any], now: int) -> str:
    """A GET URL for order.get of the demo order, signed with sha256 (valid ±2 hours around `now`)."""
    params = {
        "app_key": creds["app_key"],
        "method": ORDER_GET,
        "session": creds["access_token"],
        "sign_method": "sha256",
        "simplify": "true",
        "single_order_query": json.dumps({"order_id": str(creds["order_id"])}, separators=(",", ":")),
        "timestamp": str(now),
    }
    params["sign"] = signing.sign(params, creds["app_secret"], "sha256", ORDER_GET)
    return f"{creds['sync_url']}?{urlencode(params, quote_via=quote)}"


def _write(path: Path, creds: dict[str, Any]) -> None:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(creds, out, indent=2)
            out.write("\n")
    except OSError as exc:
        fail(f"cannot write --credentials {str(path)!r}: {exc.strerror}.")


def _show(seeded: demo_data.Demo, creds: dict[str, Any], curl_url: str, base_url: str) -> None:
    state = "reused" if seeded.token_reused else "issued"
    console.print(f"[bold]Demo data[/]: {len(seeded.accounts)} accounts, {seeded.orders} orders"
                  f" ({'created' if seeded.created else 'reused'}).", highlight=False)  # fmt: skip
    for account in seeded.accounts:
        console.print(f"  account {account.user_id} ({account.login})", highlight=False)
    console.print(f"app key:      {creds['app_key']}", highlight=False)
    console.print(f"app secret:   {creds['app_secret']}", highlight=False)
    console.print(f"access token: {creds['access_token']} ({state}; for account {seeded.accounts[0].user_id})",
                  highlight=False)  # fmt: skip
    console.print(f"order {creds['order_id']} is yours; order {creds['foreign_order_id']} belongs to the other"
                  " account (isv.invalid-authorization).", highlight=False)  # fmt: skip
    console.print("\n[bold]Python[/] (pip install the platform's iop SDK, or use this package's iop):")
    console.print(SNIPPET.format(url=creds["sync_url"], **creds),
                  markup=False, highlight=False)  # fmt: skip
    console.print("\n[bold]curl[/] (signed now; the timestamp is good for 2 hours):")
    console.print(f"curl {shlex.quote(curl_url)}", markup=False, highlight=False)
    console.print("\n[bold]OAuth[/] (get a token as an integration does): open this URL in a browser,")
    console.print(creds["authorize_url"], markup=False, highlight=False)
    console.print(f"sign in as {creds['login']} with password {creds['password']} and allow; then exchange the"
                  " code the page shows for a token (within 180 s):", markup=False, highlight=False)  # fmt: skip
    exchange = (f"DSORDERS_APP_SECRET={shlex.quote(creds['app_secret'])} dsorders call /auth/token/create"
                f" --url {shlex.quote(base_url)} --app-key {creds['app_key']} -p code=CODE")  # fmt: skip
    console.print(exchange, markup=False, highlight=False)
    console.print("(Each run of `dsorders demo` sets a new password: only its hash is kept, so the previous"
                  " one stops working.)", highlight=False)  # fmt: skip
    console.print()


def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    db: DemoDbOption = None,
    credentials_file: Annotated[
        Path | None,
        typer.Option(
            "--credentials",
            dir_okay=False,
            help="Also write the credentials (app secret, token, demo password) here as JSON, readable only by you.",
        ),
    ] = None,
    orders: Annotated[int, typer.Option("--orders", min=15, help="How many generated orders.")] = 600,
    no_serve: Annotated[
        bool,
        typer.Option(
            "--no-serve", help="Seed and print, but do not serve (the URLs printed still use --host and --port)."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the credentials as JSON instead.")] = False,
) -> None:
    """Seed a local SQLite file with demo data (or reuse it) and serve it."""
    settings = settings_for(db or os.environ.get("DSORDERS_DB") or DEMO_DB)
    if not no_serve:
        check_port(host, port)

    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://[{shown_host}]:{port}" if ":" in shown_host else f"http://{shown_host}:{port}"

    async def seed(store: Store) -> tuple[demo_data.Demo, DemoSignIn]:
        seeded = await demo_data.seed_store(store, now=now_ms(), zone=settings.display_zone, count=orders)
        return seeded, await demo_sign_in(store, seeded.app, base_url=base)

    seeded, sign_in = run_with_store(settings.db, seed, create=True)
    creds = credentials(seeded, base, sign_in)
    if credentials_file is not None:
        _write(credentials_file, creds)
    if as_json:
        print_json(creds)
    else:
        _show(seeded, creds, signed_url(creds, int(time.time() * 1000)), base)
        if credentials_file is not None:
            err_console.print(f"Credentials written to {credentials_file}.", highlight=False)
    if not no_serve:
        run_server(settings, host=host, port=port, workers=1)
