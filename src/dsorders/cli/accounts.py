"""`dsorders accounts`: the buyers (dropshippers) that own orders and tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from ..store import Account, ConflictError, Store
from .common import DbOption, JsonOption, console, fail, now_ms, print_record, print_records, run_with_store

app = typer.Typer(
    help="Create and list accounts: the buyers that own orders and grant apps tokens.", no_args_is_help=True
)

COLUMNS = ("user_id", "login", "nick", "locale", "dropshipper")


@app.command("create")
def create(
    login: Annotated[str, typer.Option("--login", help="The account's login (unique).", show_default=False)],
    nick: Annotated[str | None, typer.Option("--nick", help="Display name. Default: the login.")] = None,
    locale: Annotated[str, typer.Option("--locale", help="The account's locale.")] = "en_US",
    not_dropshipper: Annotated[
        bool,
        typer.Option(
            "--not-dropshipper",
            help="Not enrolled as a dropshipper: order.get answers it isv.insufficient-permission.",
        ),
    ] = False,
    user_id: Annotated[
        int | None, typer.Option("--user-id", min=1, help="The user id. Default: the next free one.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a buyer account; `accounts set-password` lets it sign in on /oauth/authorize."""
    if not login.strip():
        fail("--login must not be empty.")

    async def action(store: Store) -> Account:
        try:
            return await store.create_account(
                login=login, nick=nick or login, locale=locale, dropshipper=not not_dropshipper,
                now=now_ms(), user_id=user_id,
            )  # fmt: skip
        except ConflictError:
            taken = f"user id {user_id} or login {login!r}" if user_id is not None else f"login {login!r}"
            fail(f"an account with {taken} already exists; choose another (`dsorders accounts list`).")

    account = run_with_store(db, action, create=True)
    if as_json:
        print_record(account, as_json=True)
    else:
        console.print(f"Created account {account.user_id} ({account.login}).", highlight=False)


@app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the accounts."""
    accounts = run_with_store(db, lambda store: store.list_accounts())
    print_records(accounts, COLUMNS, as_json=as_json, title="Accounts")
