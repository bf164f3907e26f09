"""The `dsorders` command and its groups."""

from __future__ import annotations

import typer

from .. import __version__
from . import passwords

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


from .call import call  # noqa: E402

app.command("call", help="Make one signed API call and print the reply (credentials from options or DSORDERS_*).")(call)
app.add_typer(passwords.accounts)

from . import db  # noqa: E402

app.add_typer(db.app, name="db")
