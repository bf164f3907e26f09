"""The store interface: what the gateway, the methods and the CLI may ask of a database.

Backends (`sqlite`, `postgresql`) implement `Store`. Storage raises domain errors:
`NotFoundError` for what is missing, `StoreUnavailableError` when the database fails or
misses its deadline; never `None` for "missing" and never anything of HTTP.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from typing import Literal

import msgspec

AppStatus = Literal["testing", "online"]
DocKind = Literal["streamlined", "wrapped"]


class StoreError(Exception):
    """Root of the store's errors."""


class NotFoundError(StoreError):
    pass


class ConflictError(StoreError):
    """A unique value (login, app key) that is already taken."""


class StoreUnavailableError(StoreError):
    """The database failed, or did not answer within the deadline."""


class StoreRefusedError(StoreUnavailableError):
    """The database refuses these settings: a wrong password, an unknown user or database.

    Calls still answer as unavailable; at start-up it is a configuration error to report, not
    an outage to wait out.
    """


class Account(msgspec.Struct, frozen=True):
    user_id: int
    login: str
    nick: str
    locale: str
    dropshipper: bool
    created_at: int


class App(msgspec.Struct, frozen=True):
    app_key: str
    app_secret: str
    name: str
    status: AppStatus
    rate_limit: int
    ip_allowlist: tuple[str, ...]
    enabled: bool
    apis: frozenset[str]
    created_at: int


class TokenAuth(msgspec.Struct, frozen=True):
    """What the gateway needs to accept a token: one indexed read."""

    app_key: str
    user_id: int
    expires_at: int
    revoked: bool
    dropshipper: bool


class Token(msgspec.Struct, frozen=True):
    """A token as an operator sees it: never the token itself, only its first characters."""

    id: int
    app_key: str
    user_id: int
    hint: str
    expires_at: int
    refresh_expires_at: int
    revoked_at: int | None
    created_at: int


class AuthCode(msgspec.Struct, frozen=True):
    """An authorization code as it is consumed: the account it signs in, for which app."""

    app_key: str
    user_id: int
    redirect_uri: str
    expires_at: int


class StoredOrder(msgspec.Struct, frozen=True):
    """An order as stored: its owner, the zone its times are shown in, and the encoded result."""

    order_id: int
    user_id: int
    zone: str
    doc: bytes


class OrderRow(msgspec.Struct, frozen=True):
    """An order to write: both encodings precomputed, so reads only copy bytes."""

    order_id: int
    user_id: int
    order_status: str
    gmt_create: int
    zone: str
    doc: bytes
    wrapped: bytes


def app_changes(
    *,
    enabled: bool | None = None,
    status: AppStatus | None = None,
    rate_limit: int | None = None,
    ip_allowlist: Sequence[str] | None = None,
) -> dict[str, object]:
    """The apps columns an `update_app` call sets, with their stored values; None leaves a column."""
    changes: dict[str, object] = {"enabled": enabled, "status": status, "rate_limit": rate_limit}
    if ip_allowlist is not None:
        changes["ip_allowlist"] = ",".join(ip_allowlist)
    return {column: value for column, value in changes.items() if value is not None}


def hash_secret(value: str) -> str:
    """Tokens and refresh tokens are stored only as this digest."""
    return hashlib.sha256(value.encode()).hexdigest()


class Store(ABC):
    """One database. Every method may raise `StoreUnavailableError`."""

    url: str
    # True when a store that could not connect at `open` connects by itself on a later call.
    reconnects: bool = False

    @abstractmethod
    async def open(self, *, migrate: bool = True) -> None:
        """Connect and apply pending migrations (only connect with `migrate=False`)."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def ping(self) -> None: ...

    @abstractmethod
    async def schema_version(self) -> int:
        """The latest migration applied, 0 for a database never migrated."""

    # Hot path.
    @abstractmethod
    async def get_app(self, app_key: str) -> App: ...

    @abstractmethod
    async def get_token_auth(self, token_hash: str) -> TokenAuth: ...

    @abstractmethod
    async def get_order(self, order_id: int, kind: DocKind) -> StoredOrder: ...

    async def get_token_and_order(
        self, token_hash: str, order_id: int, kind: DocKind
    ) -> tuple[TokenAuth, StoredOrder | None]:
        """A token and an order in one read where the backend can (an order.get call's two reads).

        Raises `NotFoundError` for an unknown token; a missing order is None.
        """
        token = await self.get_token_auth(token_hash)
        try:
            return token, await self.get_order(order_id, kind)
        except NotFoundError:
            return token, None

    # Accounts.
    @abstractmethod
    async def create_account(
        self, *, login: str, nick: str, locale: str, dropshipper: bool, now: int, user_id: int | None = None
    ) -> Account: ...

    @abstractmethod
    async def get_account(self, user_id: int) -> Account: ...

    @abstractmethod
    async def find_account(self, login: str) -> Account: ...

    @abstractmethod
    async def list_accounts(self) -> list[Account]: ...

    @abstractmethod
    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace the account's password hash; `NotFoundError` if there is no such account."""

    @abstractmethod
    async def get_password_hash(self, login: str) -> tuple[Account, str]:
        """The account with this login and its password hash; `NotFoundError` if either is missing."""

    # Apps.
    @abstractmethod
    async def create_app(
        self,
        *,
        app_key: str,
        app_secret: str,
        name: str,
        status: AppStatus,
        rate_limit: int,
        ip_allowlist: Sequence[str],
        apis: Sequence[str],
        now: int,
    ) -> App: ...

    @abstractmethod
    async def list_apps(self) -> list[App]: ...

    @abstractmethod
    async def update_app(
        self,
        app_key: str,
        *,
        enabled: bool | None = None,
        status: AppStatus | None = None,
        rate_limit: int | None = None,
        ip_allowlist: Sequence[str] | None = None,
    ) -> App: ...

    @abstractmethod
    async def set_grant(self, app_key: str, api_name: str, granted: bool) -> App: ...

    # Tokens.
    @abstractmethod
    async def insert_token(
        self,
        *,
        token_hash: str,
        refresh_hash: str | None,
        app_key: str,
        user_id: int,
        hint: str,
        expires_at: int,
        refresh_expires_at: int,
        now: int,
    ) -> Token: ...

    @abstractmethod
    async def list_tokens(self, *, user_id: int | None = None, app_key: str | None = None) -> list[Token]: ...

    @abstractmethod
    async def revoke_token(self, token_id: int, *, now: int) -> Token: ...

    @abstractmethod
    async def revoke_account_tokens(self, user_id: int, *, now: int) -> int: ...

    @abstractmethod
    async def refresh_token(
        self, refresh_hash: str, *, app_key: str, token_hash: str, hint: str, expires_at: int, now: int
    ) -> Token:
        """Give the token whose refresh token hashes to `refresh_hash` a new access token.

        Atomic: the old access token stops matching, `expires_at` is replaced and the refresh
        token and its expiry stay. `NotFoundError` if no unrevoked token of `app_key` has that
        refresh hash with `refresh_expires_at` after `now`.
        """

    # Authorization codes.
    @abstractmethod
    async def insert_code(
        self, *, code_hash: str, app_key: str, user_id: int, redirect_uri: str, expires_at: int, now: int
    ) -> None:
        """Store a code's hash; codes that expired before `now` are purged on the way."""

    @abstractmethod
    async def consume_code(self, code_hash: str, *, app_key: str, now: int) -> AuthCode:
        """Mark the code used and return it, atomically, so only one caller wins.

        `NotFoundError` if it is unknown, already used, expired (`expires_at <= now`) or was
        issued to another app (then it stays usable by its own app).
        """

    # Orders.
    @abstractmethod
    async def upsert_orders(self, rows: Sequence[OrderRow], *, now: int) -> int: ...

    @abstractmethod
    def iter_orders(self, *, user_id: int | None = None, batch_size: int = 1000) -> AsyncIterator[StoredOrder]: ...

    @abstractmethod
    async def count_orders(self, *, user_id: int | None = None) -> int: ...

    @abstractmethod
    async def order_ids(self, *, user_id: int, limit: int) -> list[int]: ...
