"""The embedded backend: one SQLite file in WAL mode.

Queries run inline on the event loop: a primary-key read costs microseconds, less than a
hop to a thread. The deadline still holds: `busy_timeout` bounds waiting for a lock and a
progress handler interrupts any statement that runs past it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

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
    StoreUnavailableError,
    Token,
    TokenAuth,
    app_changes,
)
from .migrations import MIGRATIONS, statements

_APP_COLUMNS = "app_key, app_secret, name, status, rate_limit, ip_allowlist, enabled, created_at"
_TOKEN_COLUMNS = "id, app_key, user_id, hint, expires_at, refresh_expires_at, revoked_at, created_at"
_ACCOUNT_COLUMNS = "user_id, login, nick, locale, dropshipper, created_at"
_TOKEN_SQL = (
    "SELECT t.app_key, t.user_id, t.expires_at, t.revoked_at IS NOT NULL, a.dropshipper"
    " FROM tokens t JOIN accounts a ON a.user_id = t.user_id WHERE t.token_hash = ?"
)
_TOKEN_ORDER_SQL = {
    kind: "SELECT t.app_key, t.user_id, t.expires_at, t.revoked_at IS NOT NULL, a.dropshipper,"
    f" o.user_id, o.zone, o.{column}"
    " FROM tokens t JOIN accounts a ON a.user_id = t.user_id LEFT JOIN orders o ON o.order_id = ?"
    " WHERE t.token_hash = ?"
    for kind, column in (("streamlined", "doc"), ("wrapped", "wrapped"))
}
_DOC_SQL = {
    "streamlined": "SELECT user_id, zone, doc FROM orders WHERE order_id = ?",
    "wrapped": "SELECT user_id, zone, wrapped FROM orders WHERE order_id = ?",
}


def _account(row: tuple[Any, ...]) -> Account:
    return Account(row[0], row[1], row[2], row[3], bool(row[4]), row[5])


def _token(row: tuple[Any, ...]) -> Token:
    return Token(*row)


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(item for item in value.split(",") if item)


class SQLiteStore(Store):
    def __init__(self, path: str, *, deadline: float = 3.0) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        self.deadline = deadline
        self._db: sqlite3.Connection | None = None
        self._deadline_at = 0.0

    # Connection and deadline.

    def _progress(self) -> int:
        return 1 if time.monotonic() > self._deadline_at else 0

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=self.deadline)
        db.execute(f"PRAGMA busy_timeout = {int(self.deadline * 1000)}")
        self._use_wal(db)
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        db.set_progress_handler(self._progress, 2000)
        return db

    def _use_wal(self, db: sqlite3.Connection) -> None:
        """Switch a new file to WAL (the mode persists); retried while another process holds it.

        Switching can answer "database is locked" at once, without waiting on the busy timeout,
        when several workers open a new file together.
        """
        give_up = time.monotonic() + self.deadline
        while db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            try:
                db.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                if time.monotonic() > give_up:
                    raise
                time.sleep(0.02)

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreUnavailableError("the store is not open")
        return self._db

    @contextmanager
    def _guard(self) -> Iterator[sqlite3.Connection]:
        self._deadline_at = time.monotonic() + self.deadline
        try:
            yield self.db
        except sqlite3.IntegrityError as exc:
            raise ConflictError(str(exc)) from exc
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"sqlite: {exc}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._guard() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    async def open(self, *, migrate: bool = True) -> None:
        if self._db is None:
            try:
                self._db = self._connect()
            except sqlite3.Error as exc:
                raise StoreUnavailableError(f"cannot open {self.path}: {exc}") from exc
        if migrate:
            self._migrate()

    def _migrate(self) -> None:
        with self._transaction() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
            )
            current = db.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
            for migration in MIGRATIONS:
                if migration.version <= current:
                    continue
                for statement in statements(migration.sqlite):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (migration.version, migration.name, int(time.time())),
                )

    async def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    async def ping(self) -> None:
        with self._guard() as db:
            db.execute("SELECT 1").fetchone()

    async def schema_version(self) -> int:
        with self._guard() as db:
            if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").fetchone() is None:
                return 0
            return int(db.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0])

    # Hot path.

    async def get_app(self, app_key: str) -> App:
        with self._guard() as db:
            row = db.execute(f"SELECT {_APP_COLUMNS} FROM apps WHERE app_key = ?", (app_key,)).fetchone()
            if row is None:
                raise NotFoundError(f"no app {app_key}")
            apis = db.execute("SELECT api_name FROM app_grants WHERE app_key = ?", (app_key,)).fetchall()
        return App(
            app_key=row[0],
            app_secret=row[1],
            name=row[2],
            status=row[3],
            rate_limit=row[4],
            ip_allowlist=_split_list(row[5]),
            enabled=bool(row[6]),
            apis=frozenset(api for (api,) in apis),
            created_at=row[7],
        )

    # The two reads of every call skip `_guard` (a generator context manager) for a plain try.

    async def get_token_auth(self, token_hash: str) -> TokenAuth:
        self._deadline_at = time.monotonic() + self.deadline
        try:
            row = self.db.execute(_TOKEN_SQL, (token_hash,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"sqlite: {exc}") from exc
        if row is None:
            raise NotFoundError("no such token")
        return TokenAuth(row[0], row[1], row[2], bool(row[3]), bool(row[4]))

    async def get_token_and_order(
        self, token_hash: str, order_id: int, kind: DocKind
    ) -> tuple[TokenAuth, StoredOrder | None]:
        self._deadline_at = time.monotonic() + self.deadline
        try:
            row = self.db.execute(_TOKEN_ORDER_SQL[kind], (order_id, token_hash)).fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"sqlite: {exc}") from exc
        if row is None:
            raise NotFoundError("no such token")
        token = TokenAuth(row[0], row[1], row[2], bool(row[3]), bool(row[4]))
        return token, (None if row[5] is None else StoredOrder(order_id, row[5], row[6], row[7]))

    async def get_order(self, order_id: int, kind: DocKind) -> StoredOrder:
        self._deadline_at = time.monotonic() + self.deadline
        try:
            row = self.db.execute(_DOC_SQL[kind], (order_id,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"sqlite: {exc}") from exc
        if row is None:
            raise NotFoundError(f"no order {order_id}")
        return StoredOrder(order_id, row[0], row[1], row[2])

    # Accounts.

    async def create_account(
        self, *, login: str, nick: str, locale: str, dropshipper: bool, now: int, user_id: int | None = None
    ) -> Account:
        with self._transaction() as db:
            if user_id is None:
                user_id = db.execute("SELECT coalesce(max(user_id), 2000000) + 1 FROM accounts").fetchone()[0]
            db.execute(
                f"INSERT INTO accounts ({_ACCOUNT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, login, nick, locale, dropshipper, now),
            )
        return Account(user_id, login, nick, locale, dropshipper, now)

    async def get_account(self, user_id: int) -> Account:
        with self._guard() as db:
            row = db.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE user_id = ?", (user_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no account with user id {user_id}")
        return _account(row)

    async def find_account(self, login: str) -> Account:
        with self._guard() as db:
            row = db.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE login = ?", (login,)).fetchone()
        if row is None:
            raise NotFoundError(f"no account with login {login!r}")
        return _account(row)

    async def list_accounts(self) -> list[Account]:
        with self._guard() as db:
            rows = db.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY user_id").fetchall()
        return [_account(row) for row in rows]

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        with self._transaction() as db:
            cursor = db.execute("UPDATE accounts SET password_hash = ? WHERE user_id = ?", (password_hash, user_id))
        if cursor.rowcount == 0:
            raise NotFoundError(f"no account with user id {user_id}")

    async def get_password_hash(self, login: str) -> tuple[Account, str]:
        with self._guard() as db:
            row = db.execute(
                f"SELECT {_ACCOUNT_COLUMNS}, password_hash FROM accounts WHERE login = ?", (login,)
            ).fetchone()
        if row is None or row[-1] is None:
            raise NotFoundError(f"no account with login {login!r} and a password")
        return _account(row), row[-1]

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
        with self._transaction() as db:
            db.execute(
                f"INSERT INTO apps ({_APP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (app_key, app_secret, name, status, rate_limit, ",".join(ip_allowlist), True, now),
            )
            db.executemany("INSERT INTO app_grants VALUES (?, ?)", [(app_key, api) for api in apis])
        return await self.get_app(app_key)

    async def list_apps(self) -> list[App]:
        with self._guard() as db:
            keys = [key for (key,) in db.execute("SELECT app_key FROM apps ORDER BY created_at, app_key")]
        return [await self.get_app(key) for key in keys]

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
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM apps WHERE app_key = ?", (app_key,)).fetchone() is None:
                raise NotFoundError(f"no app {app_key}")
            if changes:
                assignments = ", ".join(f"{column} = ?" for column in changes)
                db.execute(f"UPDATE apps SET {assignments} WHERE app_key = ?", (*changes.values(), app_key))
        return await self.get_app(app_key)

    async def set_grant(self, app_key: str, api_name: str, granted: bool) -> App:
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM apps WHERE app_key = ?", (app_key,)).fetchone() is None:
                raise NotFoundError(f"no app {app_key}")
            if granted:
                db.execute("INSERT OR IGNORE INTO app_grants VALUES (?, ?)", (app_key, api_name))
            else:
                db.execute("DELETE FROM app_grants WHERE app_key = ? AND api_name = ?", (app_key, api_name))
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
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO tokens (token_hash, refresh_hash, app_key, user_id, hint, expires_at,"
                " refresh_expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (token_hash, refresh_hash, app_key, user_id, hint, expires_at, refresh_expires_at, now),
            )
            token_id = cursor.lastrowid
        return Token(token_id or 0, app_key, user_id, hint, expires_at, refresh_expires_at, None, now)

    async def list_tokens(self, *, user_id: int | None = None, app_key: str | None = None) -> list[Token]:
        where: list[str] = []
        args: list[object] = []
        if user_id is not None:
            where.append("user_id = ?")
            args.append(user_id)
        if app_key is not None:
            where.append("app_key = ?")
            args.append(app_key)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._guard() as db:
            rows = db.execute(f"SELECT {_TOKEN_COLUMNS} FROM tokens{clause} ORDER BY id", args).fetchall()
        return [_token(row) for row in rows]

    async def revoke_token(self, token_id: int, *, now: int) -> Token:
        with self._transaction() as db:
            db.execute("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now, token_id))
            row = db.execute(f"SELECT {_TOKEN_COLUMNS} FROM tokens WHERE id = ?", (token_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no token with id {token_id}")
        return _token(row)

    async def revoke_account_tokens(self, user_id: int, *, now: int) -> int:
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", (now, user_id)
            )
        return cursor.rowcount

    async def refresh_token(
        self, refresh_hash: str, *, app_key: str, token_hash: str, hint: str, expires_at: int, now: int
    ) -> Token:
        with self._transaction() as db:
            rows = db.execute(
                "UPDATE tokens SET token_hash = ?, hint = ?, expires_at = ?"
                " WHERE refresh_hash = ? AND app_key = ? AND revoked_at IS NULL AND refresh_expires_at > ?"
                f" RETURNING {_TOKEN_COLUMNS}",
                (token_hash, hint, expires_at, refresh_hash, app_key, now),
            ).fetchall()
        if not rows:
            raise NotFoundError("no live refresh token")
        return _token(rows[0])

    # Authorization codes.

    async def insert_code(
        self, *, code_hash: str, app_key: str, user_id: int, redirect_uri: str, expires_at: int, now: int
    ) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM auth_codes WHERE expires_at <= ?", (now,))
            db.execute(
                "INSERT INTO auth_codes (code_hash, app_key, user_id, redirect_uri, expires_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (code_hash, app_key, user_id, redirect_uri, expires_at, now),
            )

    async def consume_code(self, code_hash: str, *, app_key: str, now: int) -> AuthCode:
        with self._transaction() as db:
            rows = db.execute(
                "UPDATE auth_codes SET used_at = ?"
                " WHERE code_hash = ? AND app_key = ? AND used_at IS NULL AND expires_at > ?"
                " RETURNING app_key, user_id, redirect_uri, expires_at",
                (now, code_hash, app_key, now),
            ).fetchall()
        if not rows:
            raise NotFoundError("no usable authorization code")
        return AuthCode(*rows[0])

    # Orders.

    async def upsert_orders(self, rows: Sequence[OrderRow], *, now: int) -> int:
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO orders (order_id, user_id, order_status, gmt_create, zone, doc, wrapped, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (order_id) DO UPDATE SET user_id = excluded.user_id,"
                " order_status = excluded.order_status, gmt_create = excluded.gmt_create,"
                " zone = excluded.zone, doc = excluded.doc, wrapped = excluded.wrapped,"
                " updated_at = excluded.updated_at",
                [(r.order_id, r.user_id, r.order_status, r.gmt_create, r.zone, r.doc, r.wrapped, now) for r in rows],
            )
        return len(rows)

    async def iter_orders(self, *, user_id: int | None = None, batch_size: int = 1000) -> AsyncIterator[StoredOrder]:
        after = 0
        owner = "" if user_id is None else " AND user_id = ?"
        while True:
            args: tuple[int, ...] = (after,) if user_id is None else (after, user_id)
            with self._guard() as db:
                rows = db.execute(
                    f"SELECT order_id, user_id, zone, doc FROM orders WHERE order_id > ?{owner}"
                    f" ORDER BY order_id LIMIT {int(batch_size)}",
                    args,
                ).fetchall()
            for row in rows:
                yield StoredOrder(row[0], row[1], row[2], row[3])
            if len(rows) < batch_size:
                return
            after = rows[-1][0]

    async def count_orders(self, *, user_id: int | None = None) -> int:
        with self._guard() as db:
            if user_id is None:
                return int(db.execute("SELECT count(*) FROM orders").fetchone()[0])
            return int(db.execute("SELECT count(*) FROM orders WHERE user_id = ?", (user_id,)).fetchone()[0])

    async def order_ids(self, *, user_id: int, limit: int) -> list[int]:
        with self._guard() as db:
            rows = db.execute(
                "SELECT order_id FROM orders WHERE user_id = ? ORDER BY order_id LIMIT ?", (user_id, limit)
            ).fetchall()
        return [order_id for (order_id,) in rows]
