"""The `dsorders` command and its groups."""

from __future__ import annotations

import typer

from .. import __version__
from . import accounts, apps, call, db, demo, orders, passwords, serve, sign, tokens

app = typer.Typer(
    name="dsorders",
    help="The AliExpress dropshipping order API: run the service, manage apps, accounts, tokens and orders.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dsorders {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """The AliExpress dropshipping order API: run the service, manage apps, accounts, tokens and orders."""


passwords.register(accounts.app)
app.add_typer(orders.app, name="orders")
app.add_typer(apps.app, name="apps")
app.add_typer(accounts.app, name="accounts")
app.add_typer(tokens.app, name="tokens")
app.add_typer(db.app, name="db")
app.command("sign", help=sign.HELP)(sign.sign)
app.command("call", help="Make one signed API call and print the reply (credentials from options or DSORDERS_*).")(
    call.call
)
app.command("serve", help=serve.HELP)(serve.serve)
app.command("demo", help=demo.HELP)(demo.demo)
