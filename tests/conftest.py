from __future__ import annotations

import asyncio
import base64
import json
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import msgspec
import pytest

from dsorders import admin
from dsorders.gateway import Gateway
from dsorders.orders_io import to_row
from dsorders.protocol.order_result import OrderResult
from dsorders.settings import Settings
from dsorders.store import Store, make_store
from dsorders.store.postgresql import PostgresStore

DATA = Path(__file__).parent / "data"
VECTORS: list[dict[str, Any]] = [
    json.loads(line) for line in (DATA / "conformance_vectors.jsonl").read_text().splitlines()
]
APP_KEY = "34567890"
APP_SECRET = "c0nf0rmance-secret-1f2e3d"
ACCESS_TOKEN = "50000601c30atpedfgu3LVvik87Ixlsvle3mSoB7701ceb156fPunYZ43GBg"
VECTOR_NOW_MS = 1796398500000
SEED_ORDER_ID = 10000001
OWNER_ID = 2000001
OTHER_ID = 2000002
OTHER_ORDER_ID = 10000002
LA = ZoneInfo("America/Los_Angeles")
POSTGRES = os.environ.get("DSORDERS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("DSORDERS_TEST_REDIS", "redis://127.0.0.1:6379/0")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def seed_result() -> dict[str, Any]:
    return json.loads(resources.files("dsorders.data").joinpath("seed_order.json").read_text())


class Clock:
    """A settable clock, in epoch seconds."""

    def __init__(self, now_ms: int = VECTOR_NOW_MS) -> None:
        self.now = now_ms / 1000

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> Clock:
    return Clock()


def run_sql(url: str, sql: str) -> None:
    """Run `sql` on the server at `url` from a thread of its own, outside any test's event loop."""

    async def main() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, main()).result()


def execute_sql(url: str, sql: str) -> None:
    """Run `sql` on the test's database, from a connection of its own, whichever the backend."""
    if url.startswith("postgresql://"):
        run_sql(url, sql)
        return
    with sqlite3.connect(url) as db:
        db.execute(sql)


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh schema on the test server, as a URL whose connections use it; dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    run_sql(POSTGRES, f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES}{'&' if '?' in POSTGRES else '?'}search_path={schema}"
    finally:
        run_sql(POSTGRES, f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database of one test: a SQLite file in tmp_path, or a schema of its own on PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "dsorders.db")
    return str(request.getfixturevalue("pg_schema_url"))


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(db=db_url)


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    store = make_store(settings.db, deadline=settings.store_deadline, pool_size=settings.pool_size)
    await store.open()
    yield store
    await store.close()


class CountingPostgresStore(PostgresStore):
    """The PostgreSQL store, logging each SQL statement its connections run (asyncpg's query logger)."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.statements: list[str] = []

    def _log(self, record: Any) -> None:
        self.statements.append(record.query)

    @asynccontextmanager
    async def _connection(self, timeout: float | None = None) -> AsyncIterator[asyncpg.Connection]:
        async with super()._connection(timeout) as conn:
            conn.add_query_logger(self._log)
            try:
                yield conn
            finally:
                conn.remove_query_logger(self._log)


@dataclass
class World:
    """The conformance vectors' app, token and order, plus an order of another account."""

    store: Store
    app: Any
    token: Any
    other_token: Any


async def build_world(store: Store, now_ms: int = VECTOR_NOW_MS) -> World:
    owner = await store.create_account(login="ds-alice", nick="alice", locale="en_US", dropshipper=True,
                                       now=now_ms, user_id=OWNER_ID)  # fmt: skip
    other = await store.create_account(login="ds-bob", nick="bob", locale="en_US", dropshipper=True,
                                       now=now_ms, user_id=OTHER_ID)  # fmt: skip
    app = await admin.create_app(store, name="conformance", now=now_ms, app_key=APP_KEY, app_secret=APP_SECRET)
    token = await admin.issue_token(store, app, owner.user_id, now=now_ms, access_token=ACCESS_TOKEN)
    other_token = await admin.issue_token(store, app, other.user_id, now=now_ms)
    seed = msgspec.convert(seed_result(), OrderResult)
    await store.upsert_orders(
        [to_row(SEED_ORDER_ID, owner.user_id, seed, LA), to_row(OTHER_ORDER_ID, other.user_id, seed, LA)], now=now_ms
    )
    return World(store, app, token, other_token)


@pytest.fixture
async def world(store: Store) -> World:
    return await build_world(store)


@pytest.fixture
def gateway(settings: Settings, store: Store, world: World, clock: Clock) -> Gateway:
    return Gateway(settings, store, clock=clock)


@pytest.fixture
async def client(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=gateway, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def replay(client: httpx.AsyncClient, vector: dict[str, Any], body: bytes | None = None,
                 query: str | None = None) -> httpx.Response:  # fmt: skip
    request = vector["request"]
    query = request["query_string"] if query is None else query
    url = request["path"] + ("?" + query if query else "")
    headers = {k: v for k, v in request["headers"].items() if k == "content-type"}
    content = base64.b64decode(request["body_b64"]) if body is None else body
    return await client.request(request["http_method"], url, content=content, headers=headers)
