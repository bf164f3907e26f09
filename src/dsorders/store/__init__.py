"""Order, app, account and token storage behind one interface; `open_store` picks the backend."""

from __future__ import annotations

from .base import (
    Account,
    App,
    AuthCode,
    ConflictError,
    NotFoundError,
    OrderRow,
    Store,
    StoredOrder,
    StoreError,
    StoreRefusedError,
    StoreUnavailableError,
    Token,
    TokenAuth,
    hash_secret,
)


def make_store(url: str, *, deadline: float = 3.0, pool_size: int = 10) -> Store:
    """A store for `url`: a file path or `sqlite:///path` for SQLite, `postgresql://...` for PostgreSQL."""
    if url.startswith(("postgresql://", "postgres://")):
        from .postgresql import PostgresStore

        return PostgresStore(url, deadline=deadline, pool_size=pool_size)
    from .sqlite import SQLiteStore

    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    return SQLiteStore(path, deadline=deadline)


__all__ = [
    "Account",
    "App",
    "AuthCode",
    "ConflictError",
    "NotFoundError",
    "OrderRow",
    "Store",
    "StoreError",
    "StoreRefusedError",
    "StoreUnavailableError",
    "StoredOrder",
    "Token",
    "TokenAuth",
    "hash_secret",
    "make_store",
]
