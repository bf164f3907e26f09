"""Operator actions shared by the CLI, the demo and the OAuth flow: apps, accounts and tokens."""

from __future__ import annotations

import secrets
import string
from typing import Final

import msgspec

from .store import App, Store, hash_secret

ORDER_GET: Final = "aliexpress.trade.ds.order.get"
DEFAULT_RATE_LIMIT: Final = 1000
DAY_MS: Final = 86_400_000
# (access token, refresh token) lifetimes by app status (PROTOCOL.md section 7).
LIFETIMES_MS: Final = {"testing": (1 * DAY_MS, 2 * DAY_MS), "online": (30 * DAY_MS, 60 * DAY_MS)}
_ALPHABET: Final = string.ascii_letters + string.digits


class IssuedToken(msgspec.Struct, frozen=True):
    """A freshly issued token pair: the only moment the tokens themselves exist in clear."""

    id: int
    access_token: str
    refresh_token: str
    app_key: str
    user_id: int
    expires_at: int
    refresh_expires_at: int


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_app_key() -> str:
    return str(secrets.randbelow(90_000_000) + 10_000_000)


def new_app_secret() -> str:
    return _random(32)


def new_token(prefix: str) -> str:
    return prefix + _random(55)


def token_hint(token: str) -> str:
    return token[:8] + "…"


async def create_app(
    store: Store,
    *,
    name: str,
    now: int,
    status: str = "testing",
    rate_limit: int = DEFAULT_RATE_LIMIT,
    apis: tuple[str, ...] = (ORDER_GET,),
    ip_allowlist: tuple[str, ...] = (),
    app_key: str | None = None,
    app_secret: str | None = None,
) -> App:
    return await store.create_app(
        app_key=app_key or new_app_key(),
        app_secret=app_secret or new_app_secret(),
        name=name,
        status=status,  # type: ignore[arg-type]
        rate_limit=rate_limit,
        ip_allowlist=ip_allowlist,
        apis=apis,
        now=now,
    )


async def issue_token(
    store: Store,
    app: App,
    user_id: int,
    *,
    now: int,
    access_token: str | None = None,
    refresh_token: str | None = None,
) -> IssuedToken:
    """Issue a token pair with the lifetimes of the app's status; store only their hashes."""
    access_token = access_token or new_token("50000")
    refresh_token = refresh_token or new_token("50001")
    access_ms, refresh_ms = LIFETIMES_MS[app.status]
    token = await store.insert_token(
        token_hash=hash_secret(access_token),
        refresh_hash=hash_secret(refresh_token),
        app_key=app.app_key,
        user_id=user_id,
        hint=token_hint(access_token),
        expires_at=now + access_ms,
        refresh_expires_at=now + refresh_ms,
        now=now,
    )
    return IssuedToken(
        token.id, access_token, refresh_token, app.app_key, user_id, token.expires_at, token.refresh_expires_at
    )
