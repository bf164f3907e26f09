"""`dsorders db`: the database's schema: apply pending migrations, show the version."""

from __future__ import annotations

import asyncio

import typer

from ..store import Store, StoreError, make_store
from ..store.migrations import LATEST, MIGRATIONS
from .common import DbOption, JsonOption, console, fail, print_json, settings_for

app = typer.Typer(help="The database schema: apply pending migrations, show the version.", no_args_is_help=True)


async def _version(store: Store, *, migrate: bool) -> int:
    await store.open(migrate=migrate)
    try:
        return await store.schema_version()
    finally:
        await store.close()


def _run_version(db: str | None, *, migrate: bool) -> tuple[str, int]:
    settings = settings_for(db)
    store = make_store(settings.db, deadline=settings.store_deadline, pool_size=1)
    try:
        return settings.db, asyncio.run(_version(store, migrate=migrate))
    except StoreError as exc:
        fail(f"cannot reach the database {settings.db!r}: {exc}")


@app.command("migrate")
def migrate(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Apply every pending migration (the service also applies them when it starts)."""
    _, before = _run_version(db, migrate=False)
    if before > LATEST:
        fail(
            f"the database is at schema version {before}, newer than this dsorders knows ({LATEST}): upgrade dsorders."
        )
    _, after = _run_version(db, migrate=True)
    applied = [m for m in MIGRATIONS if before < m.version <= after]
    if as_json:
        print_json({"before": before, "after": after, "applied": [m.version for m in applied]})
        return
    for m in applied:
        console.print(f"applied migration {m.version}: {m.name}", highlight=False)
    if not applied:
        console.print(f"schema version {after}: up to date", highlight=False)


@app.command("status")
def status(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show the database's schema version and whether migrations are pending; changes nothing."""
    _, version = _run_version(db, migrate=False)
    pending = [m.version for m in MIGRATIONS if m.version > version]
    if as_json:
        print_json({"version": version, "latest": LATEST, "pending": pending})
        return
    state = f"{len(pending)} pending: run `dsorders db migrate`" if pending else "up to date"
    console.print(f"schema version {version} (latest {LATEST}): {state}", highlight=False)
