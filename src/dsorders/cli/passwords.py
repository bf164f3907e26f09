"""`dsorders accounts set-password LOGIN`: the password an account signs in with on the authorize page."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..oauth import PasswordError, new_password, set_password
from ..store import NotFoundError, Store
from .common import DbOption, console, fail, run_with_store

accounts = typer.Typer(name="accounts", help="Manage buyer accounts.", no_args_is_help=True)


def set_password_command(
    login: Annotated[str, typer.Argument(help="The account's login.")],
    generate: Annotated[bool, typer.Option("--generate", help="Make up a random password and print it.")] = False,
    stdin: Annotated[bool, typer.Option("--stdin", help="Read the password from the first line of stdin.")] = False,
    db: DbOption = None,
) -> None:
    """Set the password LOGIN signs in with on /oauth/authorize (stored only as an argon2 hash)."""
    if generate and stdin:
        fail("give either --generate or --stdin, not both")
    if generate:
        password = new_password()
    elif stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def action(store: Store) -> None:
        try:
            await set_password(store, login, password)
        except NotFoundError:
            fail(f"there is no account with login {login!r}; list them with `dsorders accounts list`")
        except PasswordError as exc:
            fail(str(exc))

    run_with_store(db, action)
    console.print(f"Password set for [bold]{login}[/].", highlight=False)
    if generate:
        console.print(f"password: {password}", highlight=False, markup=False)


def register(group: typer.Typer) -> None:
    """Add `set-password` to an existing `accounts` group."""
    group.command("set-password")(set_password_command)


register(accounts)
