"""What every command shares: the database option, running the async store, printing records."""

from __future__ import annotations

import asyncio
import shlex
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar
from urllib.parse import urlsplit, urlunsplit

import msgspec
import typer
from rich.console import Console
from rich.table import Table

from ..settings import Settings, SettingsError
from ..store import Account, App, NotFoundError, Store, StoreError, make_store

T = TypeVar("T")

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="DSORDERS_DB",
        help="Database: a SQLite file path, or postgresql://user@host/dbname. Default: dsorders.db.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")]


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings_for(db: str | None) -> Settings:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        fail(str(exc))
    return settings.with_changes(db=db) if db else settings


def now_ms() -> int:
    return int(time.time() * 1000)


def sqlite_path(db: str) -> str | None:
    """The file of a SQLite database URL, None for PostgreSQL."""
    if db.startswith(("postgresql://", "postgres://")):
        return None
    return db.removeprefix("sqlite:///")


def check_database(settings: Settings, *, create: bool) -> None:
    """Refuse, with a hint, a SQLite file that does not exist (unless creating) or cannot be created."""
    path = sqlite_path(settings.db)
    if path is None or path == ":memory:":
        return
    target = Path(path)
    if not create and not target.exists():
        fail(
            f"there is no database at {path!r}. Check --db (or DSORDERS_DB), or create one with"
            f" `dsorders accounts create`, or with demo data: `dsorders demo --no-serve --db {shlex.quote(path)}`."
        )
    if not target.parent.is_dir():
        fail(f"cannot create the database {path!r}: the directory {str(target.parent)!r} does not exist.")


def shown_db(url: str) -> str:
    """A database URL fit to print: a password in it is masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def new_store(settings: Settings) -> Store:
    """The store `settings.db` names, not yet opened."""
    try:
        return make_store(settings.db, deadline=settings.store_deadline, pool_size=settings.pool_size)
    except ImportError:
        fail(f"this installation cannot open {shown_db(settings.db)!r}: its database backend is not installed.")


@asynccontextmanager
async def opened(settings: Settings, *, create: bool = True) -> Any:
    check_database(settings, create=create)
    store = new_store(settings)
    try:
        await store.open()
    except StoreError as exc:
        fail(f"cannot open the database {shown_db(settings.db)!r}: {exc}."
             " Check --db (or DSORDERS_DB) and that it is reachable.")  # fmt: skip
    try:
        yield store
    finally:
        await store.close()


def run_with_store(db: str | None, action: Callable[[Store], Awaitable[T]], *, create: bool = False) -> T:
    """Open the database, run `action` on it, close it; store errors become clear messages.

    Only commands that add something (`create=True`) may create a SQLite file that is not there.
    """
    settings = settings_for(db)

    async def main() -> T:
        async with opened(settings, create=create) as store:
            return await action(store)

    try:
        return asyncio.run(main())
    except NotFoundError as exc:
        fail(f"{exc}.")
    except StoreError as exc:
        fail(f"the database failed: {exc}. Check that it is reachable and try again.")


async def find_account(store: Store, ref: str) -> Account:
    """An account by user id or login."""
    if ref.isdigit():
        try:
            return await store.get_account(int(ref))
        except NotFoundError:
            pass
    try:
        return await store.find_account(ref)
    except NotFoundError:
        fail(f"no account {ref!r} (give a user id or a login; `dsorders accounts list` shows them).")


async def find_app(store: Store, app_key: str) -> App:
    try:
        return await store.get_app(app_key)
    except NotFoundError:
        fail(f"no app with key {app_key!r} (`dsorders apps list` shows them).")


def to_plain(value: Any) -> Any:
    return msgspec.to_builtins(value)


def print_json(value: Any) -> None:
    sys.stdout.write(msgspec.json.encode(to_plain(value)).decode() + "\n")


def print_records(records: Sequence[Any], columns: Sequence[str], *, as_json: bool, title: str | None = None) -> None:
    """Records as a table on a terminal, or as a JSON list with --json."""
    if as_json:
        print_json(list(records))
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for record in records:
        plain = to_plain(record)
        table.add_row(*(_cell(plain.get(column)) for column in columns))
    console.print(table)


def print_record(record: Any, *, as_json: bool) -> None:
    if as_json:
        print_json(record)
        return
    for key, value in to_plain(record).items():
        console.print(f"[bold]{key}[/]: {_cell(value)}", highlight=False)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value) or "-"
    return str(value)


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
