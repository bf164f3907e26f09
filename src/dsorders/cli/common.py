"""What every command shares: the database option, running the async store, printing records."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any, NoReturn, TypeVar

import msgspec
import typer
from rich.console import Console
from rich.table import Table

from ..settings import Settings, SettingsError
from ..store import Store, StoreError, make_store

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)

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


@asynccontextmanager
async def opened(settings: Settings) -> Any:
    store = make_store(settings.db, deadline=settings.store_deadline, pool_size=settings.pool_size)
    try:
        await store.open()
    except StoreError as exc:
        fail(f"cannot open the database {settings.db!r}: {exc}")
    try:
        yield store
    finally:
        await store.close()


def run_with_store(db: str | None, action: Callable[[Store], Awaitable[T]]) -> T:
    """Open the database, run `action` on it, close it; store errors become clear messages."""
    settings = settings_for(db)

    async def main() -> T:
        async with opened(settings) as store:
            return await action(store)

    try:
        return asyncio.run(main())
    except StoreError as exc:
        fail(str(exc))


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
