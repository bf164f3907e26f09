"""The server backend: PostgreSQL through an asyncpg connection pool.

Every call, from taking a connection to reading the last row, runs under the store
deadline; a database that is down or slow raises `StoreUnavailableError` and the pool
heals by itself once the server answers again. A pool that could not be created at start
is created by the first call that finds the server up, and migrations run then.

order.get's read (`get_token_and_order`) goes through a `Batcher`: the calls made at once are
answered by one statement, each still under its own deadline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Final

import asyncpg

from .base import (
    Account,
    App,
    AppStatus,
    AuthCode,
    ConflictError,
    DocKind,
    NotFoundError,
    OrderRow,
    Store,
    StoredOrder,
    StoreRefusedError,
    StoreUnavailableError,
    Token,
    TokenAuth,
    app_changes,
)
from .batching import Batcher
from .migrations import LATEST, MIGRATIONS, statements

log = logging.getLogger("dsorders.store")

# Migrations may run longer than one call may; connecting may not.
MIGRATE_TIMEOUT: Final = 60.0
_LOCK_KEY: Final = 0x64736F72  # "dsor": with the schema's hash, one migration at a time per schema.
_APP_SQL: Final = (
    "SELECT a.app_key, a.app_secret, a.name, a.status, a.rate_limit, a.ip_allowlist, a.enabled, a.created_at,"
    " array(SELECT g.api_name FROM app_grants g WHERE g.app_key = a.app_key) FROM apps a"
)
_TOKEN_COLUMNS: Final = "id, app_key, user_id, hint, expires_at, refresh_expires_at, revoked_at, created_at"
_ACCOUNT_COLUMNS: Final = "user_id, login, nick, locale, dropshipper, created_at"
# order.get's one round trip: the token, its account and the order.
_TOKEN_ORDER_SQL: Final = {
    kind: "SELECT t.app_key, t.user_id, t.expires_at, t.revoked_at IS NOT NULL, a.dropshipper,"
    f" o.user_id, o.zone, o.{column}"
    " FROM tokens t JOIN accounts a ON a.user_id = t.user_id LEFT JOIN orders o ON o.order_id = $1"
    " WHERE t.token_hash = $2"
    for kind, column in (("streamlined", "doc"), ("wrapped", "wrapped"))
}
# The same read for calls made at once, as one statement: row i answers the i-th (token hash,
# order id, kind) of the arrays, and an unknown token has no row. Text arrays only: asyncpg
# decodes text[] by itself but would look up any other array type on each new connection.
_TOKEN_ORDERS_SQL: Final = (
    "SELECT t.app_key, t.user_id, t.expires_at, t.revoked_at IS NOT NULL, a.dropshipper,"
    " o.user_id, o.zone, CASE WHEN q.kind = 'wrapped' THEN o.wrapped ELSE o.doc END, q.i"
    " FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS q(token_hash, order_id, kind, i)"
    " JOIN tokens t ON t.token_hash = q.token_hash JOIN accounts a ON a.user_id = t.user_id"
    " LEFT JOIN orders o ON o.order_id = q.order_id::bigint"
)
# Calls coalesced into one statement at most; batches run at once at most (a pool connection each).
MAX_BATCH: Final = 128
_INT64: Final = range(-(2**63), 2**63)
_DOC_SQL: Final = {
    "streamlined": "SELECT user_id, zone, doc FROM orders WHERE order_id = $1",
    "wrapped": "SELECT user_id, zone, wrapped FROM orders WHERE order_id = $1",
}
# Import: COPY into a per-connection temporary table, then one upsert from it (faster than
# unnest() arrays of bound parameters, scripts/bench_import).
_INCOMING_SQL: Final = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS orders_incoming (order_id BIGINT, user_id BIGINT, order_status TEXT,"
    " gmt_create BIGINT, zone TEXT, doc BYTEA, wrapped BYTEA) ON COMMIT DELETE ROWS"
)
_MERGE_SQL: Final = (
    "INSERT INTO orders (order_id, user_id, order_status, gmt_create, zone, doc, wrapped, updated_at)"
    " SELECT order_id, user_id, order_status, gmt_create, zone, doc, wrapped, $1 FROM orders_incoming"
    " ON CONFLICT (order_id) DO UPDATE SET user_id = excluded.user_id, order_status = excluded.order_status,"
    " gmt_create = excluded.gmt_create, zone = excluded.zone, doc = excluded.doc, wrapped = excluded.wrapped,"
    " updated_at = excluded.updated_at"
)
# What the server answers to settings it refuses: fixing them, not waiting, is what helps.
_REFUSED: Final = (
    asyncpg.InvalidPasswordError,
    asyncpg.InvalidAuthorizationSpecificationError,  # an unknown user, or pg_hba.conf says no
    asyncpg.InvalidCatalogNameError,  # an unknown database
)
# What a database that is down, restarting or too slow raises: the call may succeed later.
_UNAVAILABLE: Final = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresError,
)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """The pool's reset on release. The store sets no session state (no SET, LISTEN or session
    locks; its temporary table empties on commit), so the default reset query, a second round
    trip on every call, has nothing to undo. asyncpg still rolls back an unfinished transaction."""


def _app(row: asyncpg.Record) -> App:
    return App(
        app_key=row[0],
        app_secret=row[1],
        name=row[2],
        status=row[3],
        rate_limit=row[4],
        ip_allowlist=tuple(item for item in row[5].split(",") if item),
        enabled=row[6],
        apis=frozenset(row[8]),
        created_at=row[7],
    )


def _account(row: asyncpg.Record) -> Account:
    return Account(*row)


def _token(row: asyncpg.Record) -> Token:
    return Token(*row)


_TokenOrderKey = tuple[str, int, DocKind]
_TokenOrder = tuple[TokenAuth, StoredOrder | None]


def _token_order(row: asyncpg.Record, order_id: int) -> _TokenOrder:
    """A token and its order from the columns both order.get statements start with."""
    token = TokenAuth(row[0], row[1], row[2], row[3], row[4])
    return token, (None if row[5] is None else StoredOrder(order_id, row[5], row[6], row[7]))


def _closed_error() -> StoreUnavailableError:
    return StoreUnavailableError("the store is closed")


def _updated(status: str) -> int:
    """The row count of an UPDATE's status string, "UPDATE 3"."""
    return int(status.rsplit(" ", 1)[-1])


class PostgresStore(Store):
    reconnects = True

    def __init__(self, url: str, *, deadline: float = 3.0, pool_size: int = 10) -> None:
        self.url = url
        self.deadline = deadline
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._migrated = False
        self._migrate_on_open = True
        self._closed = False
        self._opening = asyncio.Lock()
        self._token_orders: Batcher[_TokenOrderKey, _TokenOrder] = Batcher(
            self._read_token_orders, max_batch=MAX_BATCH, max_running=pool_size, closed=_closed_error
        )

    # Pool, deadline and errors.

    async def _ready(self) -> asyncpg.Pool:
        """The pool, created and migrated on first use (or on the first use after an outage at start)."""
        if self._pool is not None and (self._migrated or not self._migrate_on_open):
            return self._pool
        if self._closed:
            raise StoreUnavailableError("the store is closed")
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self.url,
                    min_size=1,
                    max_size=self.pool_size,
                    timeout=self.deadline,
                    command_timeout=self.deadline,
                    reset=_keep_session,
                )
            if self._migrate_on_open and not self._migrated:
                await self._migrate(self._pool)
                self._migrated = True
        return self._pool

    @asynccontextmanager
    async def _connection(self, timeout: float | None = None) -> AsyncIterator[asyncpg.Connection]:
        timeout = timeout or self.deadline
        try:
            async with asyncio.timeout(timeout):
                pool = await self._ready()
                # No timeout of its own: asyncpg would run the wait in a task of its own, and
                # the deadline around this block bounds it already.
                conn = await pool.acquire()
                try:
                    yield conn
                except asyncio.CancelledError:
                    # Stuck mid-query: drop the connection rather than wait on the server to confirm a cancel.
                    conn.terminate()
                    raise
                except asyncpg.InternalClientError as exc:
                    # A connection the server closed between two calls (a restart) can fail the next
                    # one with this rather than ConnectionDoesNotExistError.
                    if not conn.is_closed():
                        raise
                    raise StoreUnavailableError(f"postgresql: {type(exc).__name__}: {exc}") from exc
                finally:
                    await pool.release(conn)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise ConflictError(exc.message) from exc
        except _REFUSED as exc:
            raise StoreRefusedError(f"postgresql: {type(exc).__name__}: {exc}") from exc
        except _UNAVAILABLE as exc:
            raise StoreUnavailableError(f"postgresql: {type(exc).__name__}: {exc}") from exc

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._connection() as conn, conn.transaction():
            yield conn

    async def _migrate(self, pool: asyncpg.Pool) -> None:
        """Apply pending versions one transaction each, under a lock: workers starting at once take turns."""
        async with pool.acquire() as conn:
            # Up to date already (the usual start): no lock and no write, so a read-only server is fine too.
            if await conn.fetchval("SELECT to_regclass('schema_migrations')") is not None:
                if await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations") >= LATEST:
                    return
            while True:
                async with conn.transaction():
                    await conn.execute(
                        "SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))", _LOCK_KEY
                    )
                    await conn.execute(
                        "CREATE TABLE IF NOT EXISTS schema_migrations"
                        " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
                    )
                    current = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations")
                    pending = [m for m in MIGRATIONS if m.version > current]
                    if not pending:
                        return
                    migration = pending[0]
                    for statement in statements(migration.postgresql):
                        await conn.execute(statement)
                    await conn.execute(
                        "INSERT INTO schema_migrations VALUES ($1, $2, $3)",
                        migration.version, migration.name, int(time.time()),
                    )  # fmt: skip
                log.info("applied migration %d: %s", migration.version, migration.name)

    async def open(self, *, migrate: bool = True) -> None:
        self._closed = False
        self._migrate_on_open = migrate
        async with self._connection(max(self.deadline, MIGRATE_TIMEOUT)):
            pass

    async def close(self) -> None:
        self._closed = True
        await self._token_orders.close()
        pool, self._pool, self._migrated = self._pool, None, False
        if pool is None:
            return
        try:
            await asyncio.wait_for(pool.close(), self.deadline)
        except (TimeoutError, *_UNAVAILABLE):
            pool.terminate()

    async def ping(self) -> None:
        async with self._connection() as conn:
            await conn.fetchval("SELECT 1")

    async def schema_version(self) -> int:
        async with self._connection() as conn:
            if await conn.fetchval("SELECT to_regclass('schema_migrations')") is None:
                return 0
            return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))

    # Hot path.

    async def get_app(self, app_key: str) -> App:
        async with self._connection() as conn:
            row = await conn.fetchrow(_APP_SQL + " WHERE a.app_key = $1", app_key)
        if row is None:
            raise NotFoundError(f"no app {app_key}")
        return _app(row)

    async def get_token_auth(self, token_hash: str) -> TokenAuth:
        async with self._connection() as conn:
            row = await conn.fetchrow(
                "SELECT t.app_key, t.user_id, t.expires_at, t.revoked_at IS NOT NULL, a.dropshipper"
                " FROM tokens t JOIN accounts a ON a.user_id = t.user_id WHERE t.token_hash = $1",
                token_hash,
            )
        if row is None:
            raise NotFoundError("no such token")
        return TokenAuth(*row)

    async def get_token_and_order(
        self, token_hash: str, order_id: int, kind: DocKind
    ) -> tuple[TokenAuth, StoredOrder | None]:
        if order_id not in _INT64:  # would fail the whole batch: alone, it fails as it always did
            return await self._read_token_order(token_hash, order_id, kind)
        try:
            async with asyncio.timeout(self.deadline):
                return await self._token_orders.submit((token_hash, order_id, kind))
        except TimeoutError as exc:
            raise StoreUnavailableError(f"postgresql: {type(exc).__name__}: {exc}") from exc

    async def _read_token_order(
        self, token_hash: str, order_id: int, kind: DocKind
    ) -> tuple[TokenAuth, StoredOrder | None]:
        async with self._connection() as conn:
            row = await conn.fetchrow(_TOKEN_ORDER_SQL[kind], order_id, token_hash)
        if row is None:
            raise NotFoundError("no such token")
        return _token_order(row, order_id)

    async def _read_token_orders(self, keys: Sequence[_TokenOrderKey]) -> list[_TokenOrder | BaseException]:
        """One batch of `get_token_and_order` calls: a lone call reads with the single-row statement."""
        if len(keys) == 1:
            try:
                return [await self._read_token_order(*keys[0])]
            except NotFoundError as exc:
                return [exc]
        async with self._connection() as conn:
            rows = await conn.fetch(
                _TOKEN_ORDERS_SQL,
                [key[0] for key in keys],
                [str(key[1]) for key in keys],
                [key[2] for key in keys],
            )
        results: list[_TokenOrder | BaseException | None] = [None] * len(keys)
        for row in rows:
            index = row[8] - 1
            results[index] = _token_order(row, keys[index][1])
        return [NotFoundError("no such token") if result is None else result for result in results]

    async def get_order(self, order_id: int, kind: DocKind) -> StoredOrder:
        async with self._connection() as conn:
            row = await conn.fetchrow(_DOC_SQL[kind], order_id)
        if row is None:
            raise NotFoundError(f"no order {order_id}")
        return StoredOrder(order_id, row[0], row[1], row[2])

    # Accounts.

    async def create_account(
        self, *, login: str, nick: str, locale: str, dropshipper: bool, now: int, user_id: int | None = None
    ) -> Account:
        async with self._transaction() as conn:
            if user_id is None:
                # Serialises id allocation; an explicit id needs no lock.
                await conn.execute("LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE")
                user_id = await conn.fetchval("SELECT coalesce(max(user_id), 2000000) + 1 FROM accounts")
            await conn.execute(
                f"INSERT INTO accounts ({_ACCOUNT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)",
                user_id, login, nick, locale, dropshipper, now,
            )  # fmt: skip
        return Account(user_id, login, nick, locale, dropshipper, now)

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        async with self._connection() as conn:
            status = await conn.execute(
                "UPDATE accounts SET password_hash = $2 WHERE user_id = $1", user_id, password_hash
            )
        if _updated(status) == 0:
            raise NotFoundError(f"no account with user id {user_id}")

    async def get_password_hash(self, login: str) -> tuple[Account, str]:
        async with self._connection() as conn:
            row = await conn.fetchrow(f"SELECT {_ACCOUNT_COLUMNS}, password_hash FROM accounts WHERE login = $1", login)
        if row is None or row[-1] is None:
            raise NotFoundError(f"no account with login {login!r} and a password")
        return Account(*row[:-1]), row[-1]

    async def get_account(self, user_id: int) -> Account:
        async with self._connection() as conn:
            row = await conn.fetchrow(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE user_id = $1", user_id)
        if row is None:
            raise NotFoundError(f"no account with user id {user_id}")
        return _account(row)

    async def find_account(self, login: str) -> Account:
        async with self._connection() as conn:
            row = await conn.fetchrow(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE login = $1", login)
        if row is None:
            raise NotFoundError(f"no account with login {login!r}")
        return _account(row)

    async def list_accounts(self) -> list[Account]:
        async with self._connection() as conn:
            rows = await conn.fetch(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY user_id")
        return [_account(row) for row in rows]

    # Apps.

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
    ) -> App:
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO apps (app_key, app_secret, name, status, rate_limit, ip_allowlist, enabled, created_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7)",
                app_key, app_secret, name, status, rate_limit, ",".join(ip_allowlist), now,
            )  # fmt: skip
            await conn.executemany("INSERT INTO app_grants VALUES ($1, $2)", [(app_key, api) for api in apis])
        return await self.get_app(app_key)

    async def list_apps(self) -> list[App]:
        async with self._connection() as conn:
            rows = await conn.fetch(_APP_SQL + " ORDER BY a.created_at, a.app_key")
        return [_app(row) for row in rows]

    async def update_app(
        self,
        app_key: str,
        *,
        enabled: bool | None = None,
        status: AppStatus | None = None,
        rate_limit: int | None = None,
        ip_allowlist: Sequence[str] | None = None,
    ) -> App:
        changes = app_changes(enabled=enabled, status=status, rate_limit=rate_limit, ip_allowlist=ip_allowlist)
        if changes:
            assignments = ", ".join(f"{column} = ${n}" for n, column in enumerate(changes, start=2))
            async with self._connection() as conn:
                status_text = await conn.execute(
                    f"UPDATE apps SET {assignments} WHERE app_key = $1", app_key, *changes.values()
                )
            if _updated(status_text) == 0:
                raise NotFoundError(f"no app {app_key}")
        return await self.get_app(app_key)

    async def set_grant(self, app_key: str, api_name: str, granted: bool) -> App:
        async with self._transaction() as conn:
            if await conn.fetchval("SELECT 1 FROM apps WHERE app_key = $1 FOR SHARE", app_key) is None:
                raise NotFoundError(f"no app {app_key}")
            if granted:
                await conn.execute("INSERT INTO app_grants VALUES ($1, $2) ON CONFLICT DO NOTHING", app_key, api_name)
            else:
                await conn.execute("DELETE FROM app_grants WHERE app_key = $1 AND api_name = $2", app_key, api_name)
        return await self.get_app(app_key)

    # Tokens.

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
    ) -> Token:
        async with self._connection() as conn:
            token_id = await conn.fetchval(
                "INSERT INTO tokens (token_hash, refresh_hash, app_key, user_id, hint, expires_at,"
                " refresh_expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                token_hash, refresh_hash, app_key, user_id, hint, expires_at, refresh_expires_at, now,
            )  # fmt: skip
        return Token(token_id, app_key, user_id, hint, expires_at, refresh_expires_at, None, now)

    async def list_tokens(self, *, user_id: int | None = None, app_key: str | None = None) -> list[Token]:
        where: list[str] = []
        args: list[Any] = []
        for column, value in (("user_id", user_id), ("app_key", app_key)):
            if value is not None:
                args.append(value)
                where.append(f"{column} = ${len(args)}")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        async with self._connection() as conn:
            rows = await conn.fetch(f"SELECT {_TOKEN_COLUMNS} FROM tokens{clause} ORDER BY id", *args)
        return [_token(row) for row in rows]

    async def revoke_token(self, token_id: int, *, now: int) -> Token:
        async with self._connection() as conn:
            # A token revoked before keeps the time of its first revocation.
            row = await conn.fetchrow(
                f"UPDATE tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING {_TOKEN_COLUMNS}",
                token_id, now,
            )  # fmt: skip
        if row is None:
            raise NotFoundError(f"no token with id {token_id}")
        return _token(row)

    async def revoke_account_tokens(self, user_id: int, *, now: int) -> int:
        async with self._connection() as conn:
            status = await conn.execute(
                "UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL", user_id, now
            )
        return _updated(status)

    async def refresh_token(
        self, refresh_hash: str, *, app_key: str, token_hash: str, hint: str, expires_at: int, now: int
    ) -> Token:
        async with self._connection() as conn:
            row = await conn.fetchrow(
                "UPDATE tokens SET token_hash = $1, hint = $2, expires_at = $3"
                " WHERE refresh_hash = $4 AND app_key = $5 AND revoked_at IS NULL AND refresh_expires_at > $6"
                f" RETURNING {_TOKEN_COLUMNS}",
                token_hash, hint, expires_at, refresh_hash, app_key, now,
            )  # fmt: skip
        if row is None:
            raise NotFoundError("no live refresh token")
        return _token(row)

    # Authorization codes.

    async def insert_code(
        self, *, code_hash: str, app_key: str, user_id: int, redirect_uri: str, expires_at: int, now: int
    ) -> None:
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM auth_codes WHERE expires_at <= $1", now)
            await conn.execute(
                "INSERT INTO auth_codes (code_hash, app_key, user_id, redirect_uri, expires_at, created_at)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                code_hash, app_key, user_id, redirect_uri, expires_at, now,
            )  # fmt: skip

    async def consume_code(self, code_hash: str, *, app_key: str, now: int) -> AuthCode:
        async with self._connection() as conn:
            row = await conn.fetchrow(
                "UPDATE auth_codes SET used_at = $1"
                " WHERE code_hash = $2 AND app_key = $3 AND used_at IS NULL AND expires_at > $4"
                " RETURNING app_key, user_id, redirect_uri, expires_at",
                now, code_hash, app_key, now,
            )  # fmt: skip
        if row is None:
            raise NotFoundError("no usable authorization code")
        return AuthCode(*row)

    # Orders.

    async def upsert_orders(self, rows: Sequence[OrderRow], *, now: int) -> int:
        # One statement may touch a row once: the last of repeated ids wins, as if written in turn.
        latest = {row.order_id: row for row in rows}.values()
        records = [(r.order_id, r.user_id, r.order_status, r.gmt_create, r.zone, r.doc, r.wrapped) for r in latest]
        async with self._transaction() as conn:
            await conn.execute(_INCOMING_SQL)
            await conn.copy_records_to_table("orders_incoming", records=records)
            await conn.execute(_MERGE_SQL, now)
        return len(rows)

    async def iter_orders(self, *, user_id: int | None = None, batch_size: int = 1000) -> AsyncIterator[StoredOrder]:
        after = 0
        owner = "" if user_id is None else " AND user_id = $2"
        sql = (
            f"SELECT order_id, user_id, zone, doc FROM orders WHERE order_id > $1{owner}"
            f" ORDER BY order_id LIMIT {int(batch_size)}"
        )
        while True:
            async with self._connection() as conn:
                rows = await conn.fetch(sql, after) if user_id is None else await conn.fetch(sql, after, user_id)
            for row in rows:
                yield StoredOrder(row[0], row[1], row[2], row[3])
            if len(rows) < batch_size:
                return
            after = rows[-1][0]

    async def count_orders(self, *, user_id: int | None = None) -> int:
        async with self._connection() as conn:
            if user_id is None:
                return int(await conn.fetchval("SELECT count(*) FROM orders"))
            return int(await conn.fetchval("SELECT count(*) FROM orders WHERE user_id = $1", user_id))

    async def order_ids(self, *, user_id: int, limit: int) -> list[int]:
        async with self._connection() as conn:
            rows = await conn.fetch(
                "SELECT order_id FROM orders WHERE user_id = $1 ORDER BY order_id LIMIT $2", user_id, limit
            )
        return [row[0] for row in rows]
