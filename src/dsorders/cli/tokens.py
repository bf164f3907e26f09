"""`dsorders tokens`: access tokens, issued to one app for one account; stored only as hashes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from .. import admin
from ..store import NotFoundError, Store, Token
from .common import (
    DbOption,
    JsonOption,
    console,
    fail,
    find_account,
    find_app,
    now_ms,
    print_json,
    print_record,
    print_records,
    run_with_store,
)

app = typer.Typer(help="Issue, list and revoke access tokens. Only their hashes are stored.", no_args_is_help=True)

COLUMNS = ("id", "app_key", "user_id", "hint", "expires", "state")
AccountOption = Annotated[str | None, typer.Option("--account", help="The account: user id or login.")]


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _row(token: Token, now: int) -> dict[str, Any]:
    state = "revoked" if token.revoked_at is not None else "expired" if token.expires_at <= now else "live"
    return {**{f: getattr(token, f) for f in token.__struct_fields__}, "expires": _when(token.expires_at),
            "state": state}  # fmt: skip


@app.command("issue")
def issue(
    app_key: Annotated[str, typer.Option("--app-key", help="The app the token is for.", show_default=False)],
    account: Annotated[str, typer.Option("--account", help="The account: user id or login.", show_default=False)],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Issue an access token and a refresh token; they are printed once and never again."""

    async def action(store: Store) -> admin.IssuedToken:
        found = await find_app(store, app_key)
        owner = await find_account(store, account)
        return await admin.issue_token(store, found, owner.user_id, now=now_ms())

    issued = run_with_store(db, action)
    if as_json:
        print_record(issued, as_json=True)
        return
    console.print(f"Token {issued.id} for app {issued.app_key}, account {issued.user_id}:", highlight=False)
    console.print(f"access token:  {issued.access_token}  (expires {_when(issued.expires_at)})", highlight=False)
    console.print(f"refresh token: {issued.refresh_token}  (expires {_when(issued.refresh_expires_at)})",
                  highlight=False)  # fmt: skip
    console.print("Keep them now: only their hashes are stored.")


@app.command("list")
def list_(
    account: AccountOption = None,
    app_key: Annotated[str | None, typer.Option("--app-key", help="Only the tokens of this app.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List tokens: their id, a hint (first characters), expiry and state; never the tokens."""

    async def action(store: Store) -> list[Token]:
        user_id = (await find_account(store, account)).user_id if account is not None else None
        return await store.list_tokens(user_id=user_id, app_key=app_key)

    now = now_ms()
    rows = [_row(token, now) for token in run_with_store(db, action)]
    print_records(rows, COLUMNS, as_json=as_json, title="Tokens")


@app.command("revoke")
def revoke(
    token_id: Annotated[int | None, typer.Argument(help="The token's id (`tokens list`).", show_default=False)] = None,
    account: Annotated[str | None, typer.Option("--account", help="Revoke every token of this account.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke one token by id, or every token of an account with --account."""
    if (token_id is None) == (account is None):
        fail("give a token id, or --account USER_ID_OR_LOGIN to revoke all of an account's tokens.")

    async def action(store: Store) -> dict[str, Any]:
        if account is not None:
            owner = await find_account(store, account)
            return {"user_id": owner.user_id, "revoked": await store.revoke_account_tokens(owner.user_id, now=now_ms())}
        try:
            token = await store.revoke_token(token_id or 0, now=now_ms())
        except NotFoundError:
            fail(f"no token with id {token_id} (`dsorders tokens list` shows them).")
        return _row(token, now_ms())

    result = run_with_store(db, action)
    if as_json:
        print_json(result)
    elif account is not None:
        console.print(f"Revoked {result['revoked']} token(s) of account {result['user_id']}.", highlight=False)
    else:
        console.print(f"Revoked token {result['id']} ({result['hint']}).", highlight=False)
