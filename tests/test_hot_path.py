"""The cost of one order.get, counted rather than timed, so a noisy machine cannot make it flake.

The store is the real SQLite store, subclassed only to count what the gateway asks of it
and which SQL it runs (and the real PostgreSQL store, counting its SQL, for the calls it
answers together); the app is driven as a bare ASGI callable, so the allocations measured
are the gateway's own and not an HTTP client's.
"""

from __future__ import annotations

import asyncio
import gc
import json
import tracemalloc
from asyncio import selector_events
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from dsorders.gateway import Gateway
from dsorders.protocol import signing
from dsorders.settings import Settings
from dsorders.store import Store, make_store
from dsorders.store.postgresql import _TOKEN_ORDER_SQL, _TOKEN_ORDERS_SQL
from dsorders.store.sqlite import SQLiteStore

from .conftest import (
    ACCESS_TOKEN,
    APP_KEY,
    APP_SECRET,
    OTHER_ORDER_ID,
    SEED_ORDER_ID,
    Clock,
    CountingPostgresStore,
    build_world,
)

pytestmark = pytest.mark.anyio

ORDER_GET = "aliexpress.trade.ds.order.get"
# Measured (CPython 3.11): 3.5 KB retained over 1000 calls, 6.3 KB peak in one call. The bounds leave
# wide headroom, yet a leak of 32 bytes a call fails the first.
MAX_RETAINED_PER_1000_CALLS = 32 * 1024
MAX_PEAK_PER_CALL = 32 * 1024


class CountingStore(SQLiteStore):
    """The SQLite store, counting each store method called and each SQL statement run."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.calls: Counter[str] = Counter()
        self.statements: list[str] = []

    async def open(self, *, migrate: bool = True) -> None:
        await super().open(migrate=migrate)
        self.db.set_trace_callback(self.statements.append)

    def reset(self) -> None:
        self.calls.clear()
        self.statements.clear()


def _counted(name: str) -> Callable[..., Awaitable[Any]]:
    async def method(self: CountingStore, *args: Any, **kwargs: Any) -> Any:
        self.calls[name] += 1
        return await getattr(SQLiteStore, name)(self, *args, **kwargs)

    return method


for _name in sorted((Store.__abstractmethods__ | {"get_token_and_order"}) - {"open", "close", "iter_orders"}):
    setattr(CountingStore, _name, _counted(_name))


@pytest.fixture
async def counting(tmp_path: Path) -> Any:
    store = CountingStore(str(tmp_path / "hot.db"))
    await store.open()
    await build_world(store)
    yield store
    await store.close()


@pytest.fixture
def app(counting: CountingStore, clock: Clock) -> Gateway:
    return Gateway(Settings(db=counting.path), counting, clock=clock)


def _query(clock: Clock, order_id: int, *, simplify: bool = True) -> bytes:
    params = {
        "app_key": APP_KEY,
        "method": ORDER_GET,
        "sign_method": "sha256",
        "timestamp": str(int(clock.now * 1000)),
        "session": ACCESS_TOKEN,
        "simplify": "true" if simplify else "false",
        "single_order_query": json.dumps({"order_id": str(order_id)}),
    }
    params["sign"] = signing.sign(params, APP_SECRET, "sha256", ORDER_GET)
    return urlencode(params).encode()


async def _call(app: Gateway, query: bytes) -> bytes:
    """One GET /sync through the bare ASGI app; the body of its answer."""
    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "method": "GET", "path": "/sync", "query_string": query, "headers": [],
             "client": ("127.0.0.1", 40000)}  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    assert sent[0]["status"] == 200
    return bytes(sent[1]["body"])


@pytest.mark.parametrize("simplify", [True, False], ids=["streamlined", "wrapped"])
async def test_order_get_with_a_warm_app_cache_reads_token_and_order_in_one_statement(
    app: Gateway, counting: CountingStore, clock: Clock, simplify: bool
) -> None:
    query = _query(clock, SEED_ORDER_ID, simplify=simplify)
    await _call(app, query)  # fills the app cache
    counting.reset()
    body = await _call(app, query)
    assert b'"result":{' in body and b"error_response" not in body
    assert counting.calls == Counter({"get_token_and_order": 1})
    assert len(counting.statements) == 1


@pytest.mark.postgres
async def test_order_get_calls_made_at_once_on_postgresql_share_one_statement(pg_schema_url: str, clock: Clock) -> None:
    store = CountingPostgresStore(pg_schema_url)
    await store.open()
    try:
        await build_world(store)
        app = Gateway(Settings(db=pg_schema_url), store, clock=clock)
        query = _query(clock, SEED_ORDER_ID)
        await _call(app, query)  # fills the app cache
        store.statements.clear()
        body = await _call(app, query)
        assert b'"result":{' in body and b"error_response" not in body
        await asyncio.sleep(0)  # asyncpg reports a statement on the loop's next turn
        assert store.statements == [_TOKEN_ORDER_SQL["streamlined"]]  # alone: the single-row statement
        store.statements.clear()
        bodies = await asyncio.gather(*(_call(app, query) for _ in range(16)))
        assert all(b'"result":{' in body and b"error_response" not in body for body in bodies)
        await asyncio.sleep(0)
        assert store.statements == [_TOKEN_ORDERS_SQL]
    finally:
        await store.close()


async def test_the_app_is_read_once_for_many_calls(app: Gateway, counting: CountingStore, clock: Clock) -> None:
    counting.reset()
    for _ in range(50):
        await _call(app, _query(clock, SEED_ORDER_ID))
    assert counting.calls["get_app"] == 1
    assert counting.calls["get_token_and_order"] == 50
    assert sum(counting.calls.values()) == 51


async def test_a_refused_order_costs_no_more_reads_than_a_served_one(
    app: Gateway, counting: CountingStore, clock: Clock
) -> None:
    await _call(app, _query(clock, SEED_ORDER_ID))
    counting.reset()
    body = await _call(app, _query(clock, OTHER_ORDER_ID))
    assert b"isv.invalid-authorization" in body
    assert counting.calls == Counter({"get_token_and_order": 1})


async def test_order_get_retains_no_memory_per_call(gateway: Gateway, clock: Clock) -> None:
    app = gateway  # over the plain SQLite store: the counting one keeps what it counts
    query = _query(clock, SEED_ORDER_ID)
    for _ in range(200):  # caches, interned strings and the allocator settle first
        await _call(app, query)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(1000):
            await _call(app, query)
        after = tracemalloc.take_snapshot()
        tracemalloc.reset_peak()
        current, _ = tracemalloc.get_traced_memory()
        await _call(app, query)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Each pooled connection holds the last chunk it received until its next read: at most one
    # chunk per connection, wherever the run stopped, so the socket reads are left out.
    reads = [tracemalloc.Filter(False, selector_events.__file__)]
    after, before = after.filter_traces(reads), before.filter_traces(reads)
    retained = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert retained < MAX_RETAINED_PER_1000_CALLS, "\n".join(
        str(stat) for stat in after.compare_to(before, "lineno")[:8]
    )
    assert peak - current < MAX_PEAK_PER_CALL


@pytest.mark.postgres
async def test_batched_order_gets_on_postgresql_retain_no_memory(pg_schema_url: str, clock: Clock) -> None:
    store = make_store(pg_schema_url, pool_size=4)
    await store.open()
    try:
        await build_world(store)
        await store.update_app(APP_KEY, rate_limit=1_000_000)  # a burst of 32 a turn would trip the default
        app = Gateway(Settings(db=pg_schema_url), store, clock=clock)
        query = _query(clock, SEED_ORDER_ID)

        async def settle() -> None:
            for _ in range(5):  # finished tasks let go of their answers on the loop's next turns
                await asyncio.sleep(0)
            gc.collect()

        async def bursts(count: int) -> None:
            for _ in range(count):
                bodies = await asyncio.gather(*(_call(app, query) for _ in range(32)))
                assert all(b'"result":{' in body for body in bodies), bodies[0]

        await bursts(200)  # connections, their buffers, prepared statements and the allocator settle first
        await settle()
        tracemalloc.start()
        try:
            before = tracemalloc.take_snapshot()
            await bursts(100)  # 3,200 calls, in batches
            await settle()
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
    finally:
        await store.close()
    # Each pooled connection holds the last chunk it received until its next read: at most one
    # chunk per connection, wherever the run stopped, so the socket reads are left out.
    reads = [tracemalloc.Filter(False, selector_events.__file__)]
    after, before = after.filter_traces(reads), before.filter_traces(reads)
    retained = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert retained < MAX_RETAINED_PER_1000_CALLS, "\n".join(
        str(stat) for stat in after.compare_to(before, "lineno")[:8]
    )
