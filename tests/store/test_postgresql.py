"""What only the PostgreSQL backend has: several workers migrating at once, a server down at open."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from dsorders.store import StoreUnavailableError, make_store
from dsorders.store.migrations import LATEST, MIGRATIONS

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


async def test_workers_opening_at_once_migrate_once(pg_schema_url: str) -> None:
    stores = [make_store(pg_schema_url, pool_size=2) for _ in range(4)]
    await asyncio.gather(*(store.open() for store in stores))
    try:
        assert [await store.schema_version() for store in stores] == [LATEST] * 4
        conn = await asyncpg.connect(pg_schema_url)
        try:
            versions = [row[0] for row in await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")]
        finally:
            await conn.close()
        assert versions == [m.version for m in MIGRATIONS]
    finally:
        await asyncio.gather(*(store.close() for store in stores))


async def test_open_without_migrating_reports_version_zero(pg_schema_url: str) -> None:
    store = make_store(pg_schema_url)
    await store.open(migrate=False)
    try:
        assert await store.schema_version() == 0
    finally:
        await store.close()


async def test_unreachable_server_is_unavailable_at_open() -> None:
    store = make_store("postgresql://postgres@127.0.0.1:1/test", deadline=0.5)
    with pytest.raises(StoreUnavailableError):
        await store.open()
    with pytest.raises(StoreUnavailableError):
        await store.ping()
    await store.close()
