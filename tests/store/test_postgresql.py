"""What only the PostgreSQL backend has: several workers migrating at once, a server down at open,
order.get's reads made at once answered by one statement."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from dsorders import admin
from dsorders.store import (
    NotFoundError,
    Store,
    StoreRefusedError,
    StoreUnavailableError,
    TokenAuth,
    hash_secret,
    make_store,
)
from dsorders.store.base import DocKind
from dsorders.store.migrations import LATEST, MIGRATIONS
from dsorders.store.postgresql import _TOKEN_ORDER_SQL, _TOKEN_ORDERS_SQL

from ..conftest import (
    ACCESS_TOKEN,
    APP_KEY,
    OTHER_ID,
    OTHER_ORDER_ID,
    OWNER_ID,
    SEED_ORDER_ID,
    VECTOR_NOW_MS,
    CountingPostgresStore,
    build_world,
    execute_sql,
)

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


# order.get's read: calls made at once are answered by one statement.


@pytest.fixture
async def counting(pg_schema_url: str) -> AsyncIterator[CountingPostgresStore]:
    store = CountingPostgresStore(pg_schema_url)
    await store.open()
    yield store
    await store.close()


@asynccontextmanager
async def _tokens_locked(url: str) -> AsyncIterator[None]:
    """Another connection holding the tokens table: order.get's read waits until the block ends."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute("LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await conn.close()


async def _outcome(store: Store, call: tuple[str, int, DocKind]) -> object:
    try:
        return await store.get_token_and_order(*call)
    except NotFoundError:
        return "no such token"


async def _statements(store: CountingPostgresStore) -> list[str]:
    await asyncio.sleep(0)  # asyncpg reports a statement on the loop's next turn
    return store.statements


async def test_calls_made_at_once_share_one_statement_and_each_gets_its_own_answer(
    counting: CountingPostgresStore,
) -> None:
    world = await build_world(counting)
    revoked = await admin.issue_token(counting, world.app, OWNER_ID, now=VECTOR_NOW_MS)
    await counting.revoke_token(revoked.id, now=VECTOR_NOW_MS)
    own = hash_secret(ACCESS_TOKEN)
    calls: list[tuple[str, int, DocKind]] = [
        (own, SEED_ORDER_ID, "streamlined"),
        (own, SEED_ORDER_ID, "wrapped"),
        (hash_secret("no such token"), SEED_ORDER_ID, "streamlined"),
        (own, 99_999_999, "streamlined"),  # no such order
        (hash_secret(revoked.access_token), SEED_ORDER_ID, "streamlined"),
        (own, OTHER_ORDER_ID, "wrapped"),  # another account's order: the gateway refuses it, not the store
        (hash_secret(world.other_token.access_token), OTHER_ORDER_ID, "streamlined"),
        (own, SEED_ORDER_ID, "streamlined"),  # the same call twice
    ]
    owner = TokenAuth(APP_KEY, OWNER_ID, world.token.expires_at, False, True)
    expected = [
        (owner, await counting.get_order(SEED_ORDER_ID, "streamlined")),
        (owner, await counting.get_order(SEED_ORDER_ID, "wrapped")),
        "no such token",
        (owner, None),
        (TokenAuth(APP_KEY, OWNER_ID, revoked.expires_at, True, True),
         await counting.get_order(SEED_ORDER_ID, "streamlined")),
        (owner, await counting.get_order(OTHER_ORDER_ID, "wrapped")),
        (TokenAuth(APP_KEY, OTHER_ID, world.other_token.expires_at, False, True),
         await counting.get_order(OTHER_ORDER_ID, "streamlined")),
        (owner, await counting.get_order(SEED_ORDER_ID, "streamlined")),
    ]  # fmt: skip
    counting.statements.clear()
    assert [await _outcome(counting, call) for call in calls] == expected
    # One by one, each call is one statement of its own: the single-row form.
    assert await _statements(counting) == [_TOKEN_ORDER_SQL[kind] for _, _, kind in calls]
    counting.statements.clear()
    assert await asyncio.gather(*(_outcome(counting, call) for call in calls)) == expected
    assert await _statements(counting) == [_TOKEN_ORDERS_SQL]


async def test_a_batch_reads_what_was_written_before_it(counting: CountingPostgresStore) -> None:
    world = await build_world(counting)
    own = hash_secret(ACCESS_TOKEN)
    before = await asyncio.gather(*(counting.get_token_and_order(own, SEED_ORDER_ID, "streamlined") for _ in range(3)))
    assert [token.revoked for token, _ in before] == [False] * 3
    await counting.revoke_token(world.token.id, now=VECTOR_NOW_MS)
    execute_sql(counting.url, f"UPDATE orders SET zone = 'UTC' WHERE order_id = {SEED_ORDER_ID}")
    after = await asyncio.gather(*(counting.get_token_and_order(own, SEED_ORDER_ID, "streamlined") for _ in range(3)))
    assert [(token.revoked, order and order.zone) for token, order in after] == [(True, "UTC")] * 3


async def test_a_failed_batch_fails_every_caller_with_the_error_a_lone_call_gets(
    counting: CountingPostgresStore,
) -> None:
    await build_world(counting)
    own = hash_secret(ACCESS_TOKEN)
    execute_sql(counting.url, "ALTER TABLE orders RENAME TO orders_away")
    with pytest.raises(StoreUnavailableError) as lone:
        await counting.get_token_and_order(own, SEED_ORDER_ID, "streamlined")
    counting.statements.clear()
    calls = (counting.get_token_and_order(own, SEED_ORDER_ID + n, "streamlined") for n in range(5))
    errors = await asyncio.gather(*calls, return_exceptions=True)
    assert await _statements(counting) == [_TOKEN_ORDERS_SQL]
    assert [(type(error), str(error)) for error in errors] == [(StoreUnavailableError, str(lone.value))] * 5
    assert len({id(error) for error in errors}) == 5  # each caller raises an error object of its own
    execute_sql(counting.url, "ALTER TABLE orders_away RENAME TO orders")
    _, order = await counting.get_token_and_order(own, SEED_ORDER_ID, "streamlined")
    assert order is not None


async def test_calls_waiting_on_a_blocked_batch_are_unavailable_at_their_own_deadline(pg_schema_url: str) -> None:
    deadline = 0.3
    store = make_store(pg_schema_url, deadline=deadline, pool_size=1)  # one batch at a time
    await store.open()
    try:
        await build_world(store)
        own = hash_secret(ACCESS_TOKEN)

        async def timed() -> tuple[float, BaseException | None]:
            started = time.monotonic()
            try:
                await store.get_token_and_order(own, SEED_ORDER_ID, "streamlined")
            except StoreUnavailableError as error:
                return time.monotonic() - started, error
            return time.monotonic() - started, None

        async with _tokens_locked(pg_schema_url):
            first = asyncio.create_task(timed())
            await asyncio.sleep(deadline / 3)  # the first call's batch runs, blocked
            queued = [asyncio.create_task(timed()) for _ in range(3)]
            outcomes = await asyncio.gather(first, *queued)
        for elapsed, error in outcomes:
            assert deadline * 0.9 <= elapsed < 2 * deadline
            assert isinstance(error, StoreUnavailableError) and str(error) == "postgresql: TimeoutError: "
        token, _ = await store.get_token_and_order(own, SEED_ORDER_ID, "streamlined")
        assert token.user_id == OWNER_ID
    finally:
        await store.close()


async def test_a_cancelled_caller_leaves_its_batch_running_for_the_others(counting: CountingPostgresStore) -> None:
    await build_world(counting)
    own = hash_secret(ACCESS_TOKEN)
    async with _tokens_locked(counting.url):
        tasks = [asyncio.create_task(counting.get_token_and_order(own, SEED_ORDER_ID, "streamlined")) for _ in range(4)]
        await asyncio.sleep(0.1)  # their batch runs, blocked
        counting.statements.clear()
        tasks[0].cancel()
    results = await asyncio.gather(*tasks[1:])
    assert tasks[0].cancelled()
    assert [token.user_id for token, _ in results] == [OWNER_ID] * 3
    assert await _statements(counting) == [_TOKEN_ORDERS_SQL]


async def test_closing_the_store_fails_running_and_queued_calls(pg_schema_url: str) -> None:
    store = make_store(pg_schema_url, pool_size=1)
    await store.open()
    await build_world(store)
    own = hash_secret(ACCESS_TOKEN)
    tasks_before = asyncio.all_tasks()
    async with _tokens_locked(pg_schema_url):
        running = [asyncio.create_task(store.get_token_and_order(own, SEED_ORDER_ID, "streamlined")) for _ in range(3)]
        await asyncio.sleep(0.1)
        queued = [asyncio.create_task(store.get_token_and_order(own, SEED_ORDER_ID, "wrapped")) for _ in range(3)]
        await asyncio.sleep(0)
        await store.close()
        errors = await asyncio.gather(*running, *queued, return_exceptions=True)
    assert [str(error) for error in errors] == ["the store is closed"] * 6
    assert all(isinstance(error, StoreUnavailableError) for error in errors)
    assert asyncio.all_tasks() == tasks_before  # no batch left running


@pytest.mark.parametrize(
    "url", ["postgresql://nosuchrole@127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/no_such_db"]
)
async def test_settings_the_server_refuses_are_told_apart_from_an_outage(url: str) -> None:
    store = make_store(url, deadline=5.0)
    with pytest.raises(StoreRefusedError):
        await store.open()
    with pytest.raises(StoreRefusedError):  # and at every call, still an unavailable store to the gateway
        await store.ping()
    await store.close()
