"""Every Store method, on SQLite and on PostgreSQL (the `store` fixture runs each test on both)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import msgspec
import pytest

from dsorders.orders_io import to_row
from dsorders.protocol.order_result import OrderResult
from dsorders.settings import Settings
from dsorders.store import ConflictError, NotFoundError, OrderRow, Store, StoreUnavailableError, make_store
from dsorders.store.migrations import LATEST

from ..conftest import LA, seed_result

pytestmark = pytest.mark.anyio
NOW = 1_700_000_000_000


async def _account(store: Store, user_id: int, login: str | None = None, *, dropshipper: bool = True) -> None:
    await store.create_account(login=login or f"user{user_id}", nick="n", locale="en_US", dropshipper=dropshipper,
                               now=NOW, user_id=user_id)  # fmt: skip


async def _app(store: Store, app_key: str = "10000001", *, now: int = NOW, apis: tuple[str, ...] = ("a.b",)) -> None:
    await store.create_app(app_key=app_key, app_secret="s" * 32, name="shop", status="testing", rate_limit=7,
                           ip_allowlist=["10.0.0.0/8", "127.0.0.1"], apis=apis, now=now)  # fmt: skip


def _order(order_id: int, user_id: int, status: str = "WAIT_SELLER_SEND_GOODS") -> OrderRow:
    result = msgspec.convert({**seed_result(), "order_status": status}, OrderResult)
    return to_row(order_id, user_id, result, LA)


async def _token(store: Store, token_hash: str, user_id: int = 2000001, app_key: str = "10000001") -> int:
    token = await store.insert_token(token_hash=token_hash, refresh_hash=f"r{token_hash}", app_key=app_key,
                                     user_id=user_id, hint="abc…", expires_at=NOW + 10, refresh_expires_at=NOW + 20,
                                     now=NOW)  # fmt: skip
    return token.id


async def test_open_applies_every_migration_once(store: Store) -> None:
    assert await store.schema_version() == LATEST
    await store.open()
    await store.ping()
    assert await store.schema_version() == LATEST


async def test_accounts_get_the_next_free_id_and_are_listed_by_id(store: Store) -> None:
    first = await store.create_account(login="a", nick="A", locale="en_US", dropshipper=True, now=NOW)
    await _account(store, 2000010)
    after = await store.create_account(login="b", nick="B", locale="fr_FR", dropshipper=False, now=NOW)
    assert (first.user_id, after.user_id) == (2000001, 2000011)
    assert await store.get_account(2000011) == after
    assert await store.find_account("a") == first
    assert [a.user_id for a in await store.list_accounts()] == [2000001, 2000010, 2000011]


async def test_taken_login_or_user_id_is_a_conflict(store: Store) -> None:
    await _account(store, 2000001, "alice")
    with pytest.raises(ConflictError):
        await _account(store, 2000002, "alice")
    with pytest.raises(ConflictError):
        await _account(store, 2000001, "bob")
    assert len(await store.list_accounts()) == 1


async def test_missing_account_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError):
        await store.get_account(2000001)
    with pytest.raises(NotFoundError):
        await store.find_account("nobody")


async def test_app_round_trips_with_its_grants(store: Store) -> None:
    await _app(store, apis=("a.b", "c.d"))
    app = await store.get_app("10000001")
    assert (app.app_secret, app.name, app.status, app.rate_limit) == ("s" * 32, "shop", "testing", 7)
    assert app.ip_allowlist == ("10.0.0.0/8", "127.0.0.1")
    assert app.enabled and app.apis == frozenset({"a.b", "c.d"}) and app.created_at == NOW


async def test_taken_app_key_is_a_conflict(store: Store) -> None:
    await _app(store)
    with pytest.raises(ConflictError):
        await _app(store)


async def test_apps_are_listed_by_creation_then_key(store: Store) -> None:
    await _app(store, "30000000", now=NOW)
    await _app(store, "20000000", now=NOW + 1)
    await _app(store, "10000000", now=NOW)
    assert [a.app_key for a in await store.list_apps()] == ["10000000", "30000000", "20000000"]


async def test_update_app_changes_only_what_is_given(store: Store) -> None:
    await _app(store)
    app = await store.update_app("10000001", enabled=False, rate_limit=3)
    assert (app.enabled, app.rate_limit, app.status) == (False, 3, "testing")
    app = await store.update_app("10000001", status="online", ip_allowlist=[])
    assert (app.enabled, app.status, app.ip_allowlist) == (False, "online", ())
    assert await store.update_app("10000001") == app


async def test_unknown_app_is_not_found_everywhere(store: Store) -> None:
    with pytest.raises(NotFoundError):
        await store.get_app("99999999")
    with pytest.raises(NotFoundError):
        await store.update_app("99999999", enabled=False)
    with pytest.raises(NotFoundError):
        await store.update_app("99999999")
    with pytest.raises(NotFoundError):
        await store.set_grant("99999999", "a.b", True)


async def test_grants_are_added_and_removed_idempotently(store: Store) -> None:
    await _app(store)
    await store.set_grant("10000001", "x.y", True)
    assert (await store.set_grant("10000001", "x.y", True)).apis == frozenset({"a.b", "x.y"})
    await store.set_grant("10000001", "a.b", False)
    assert (await store.set_grant("10000001", "a.b", False)).apis == frozenset({"x.y"})


async def test_token_auth_joins_the_account(store: Store) -> None:
    await _account(store, 2000001, dropshipper=False)
    await _app(store)
    token_id = await _token(store, "h1")
    auth = await store.get_token_auth("h1")
    assert (auth.app_key, auth.user_id, auth.expires_at, auth.revoked, auth.dropshipper) == (
        "10000001", 2000001, NOW + 10, False, False)  # fmt: skip
    assert token_id > 0
    with pytest.raises(NotFoundError):
        await store.get_token_auth("h2")


async def test_taken_token_hash_or_unknown_app_is_a_conflict(store: Store) -> None:
    await _account(store, 2000001)
    await _app(store)
    await _token(store, "h1")
    with pytest.raises(ConflictError):
        await _token(store, "h1")
    with pytest.raises(ConflictError):
        await _token(store, "h3", app_key="99999999")


async def test_tokens_are_listed_by_id_and_filtered(store: Store) -> None:
    await _account(store, 2000001)
    await _account(store, 2000002)
    await _app(store, "10000001")
    await _app(store, "10000002")
    ids = [await _token(store, "h1"), await _token(store, "h2", 2000002), await _token(store, "h3", app_key="10000002")]
    assert [t.id for t in await store.list_tokens()] == sorted(ids)
    assert [t.id for t in await store.list_tokens(user_id=2000001)] == [ids[0], ids[2]]
    assert [t.id for t in await store.list_tokens(user_id=2000001, app_key="10000002")] == [ids[2]]
    token = (await store.list_tokens(user_id=2000002))[0]
    assert (token.hint, token.expires_at, token.refresh_expires_at, token.revoked_at) == (
        "abc…",
        NOW + 10,
        NOW + 20,
        None,
    )


async def test_revoking_keeps_the_first_revocation_time(store: Store) -> None:
    await _account(store, 2000001)
    await _app(store)
    token_id = await _token(store, "h1")
    assert (await store.revoke_token(token_id, now=NOW + 1)).revoked_at == NOW + 1
    assert (await store.revoke_token(token_id, now=NOW + 2)).revoked_at == NOW + 1
    assert (await store.get_token_auth("h1")).revoked
    with pytest.raises(NotFoundError):
        await store.revoke_token(token_id + 100, now=NOW)


async def test_revoking_an_account_counts_only_live_tokens(store: Store) -> None:
    await _account(store, 2000001)
    await _account(store, 2000002)
    await _app(store)
    first = await _token(store, "h1")
    await _token(store, "h2")
    await _token(store, "h3", 2000002)
    await store.revoke_token(first, now=NOW)
    assert await store.revoke_account_tokens(2000001, now=NOW + 5) == 1
    assert await store.revoke_account_tokens(2000001, now=NOW + 6) == 0
    assert not (await store.get_token_auth("h3")).revoked
    assert [t.revoked_at for t in await store.list_tokens(user_id=2000001)] == [NOW, NOW + 5]


async def test_order_is_read_in_either_encoding(store: Store) -> None:
    await _account(store, 2000001)
    row = _order(10000001, 2000001)
    assert await store.upsert_orders([row], now=NOW) == 1
    streamlined = await store.get_order(10000001, "streamlined")
    wrapped = await store.get_order(10000001, "wrapped")
    assert (streamlined.user_id, streamlined.zone, streamlined.doc) == (2000001, "America/Los_Angeles", row.doc)
    assert wrapped.doc == row.wrapped
    with pytest.raises(NotFoundError):
        await store.get_order(10000002, "streamlined")


async def test_upsert_is_idempotent_and_the_last_write_wins(store: Store) -> None:
    await _account(store, 2000001)
    await _account(store, 2000002)
    rows = [_order(10000001, 2000001), _order(10000002, 2000001)]
    await store.upsert_orders(rows, now=NOW)
    await store.upsert_orders(rows, now=NOW)
    assert await store.count_orders() == 2
    moved = _order(10000001, 2000002, "FINISH")
    assert await store.upsert_orders([_order(10000001, 2000001, "IN_CANCEL"), moved], now=NOW) == 2
    stored = await store.get_order(10000001, "streamlined")
    assert (stored.user_id, stored.doc) == (2000002, moved.doc)
    assert await store.count_orders() == 2


async def test_order_of_an_unknown_account_is_a_conflict(store: Store) -> None:
    with pytest.raises(ConflictError):
        await store.upsert_orders([_order(10000001, 2000009)], now=NOW)
    assert await store.count_orders() == 0


async def test_orders_iterate_by_id_across_batches(store: Store) -> None:
    await _account(store, 2000001)
    await _account(store, 2000002)
    owners = {10000005: 2000001, 10000001: 2000002, 10000004: 2000001, 10000002: 2000001, 10000003: 2000002}
    await store.upsert_orders([_order(o, u) for o, u in owners.items()], now=NOW)
    assert [o.order_id async for o in store.iter_orders(batch_size=2)] == sorted(owners)
    mine = [o async for o in store.iter_orders(user_id=2000001, batch_size=2)]
    assert [o.order_id for o in mine] == [10000002, 10000004, 10000005]
    assert {o.user_id for o in mine} == {2000001}
    assert (await store.count_orders(), await store.count_orders(user_id=2000002)) == (5, 2)
    assert await store.order_ids(user_id=2000001, limit=2) == [10000002, 10000004]


@asynccontextmanager
async def _locked(url: str) -> AsyncIterator[None]:
    """Another connection holding the accounts table (PostgreSQL) or the write lock (SQLite)."""
    if url.startswith("postgresql://"):
        conn = await asyncpg.connect(url)
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            await transaction.rollback()
            await conn.close()
    else:
        db = sqlite3.connect(url, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            db.execute("ROLLBACK")
            db.close()


async def test_missed_deadline_is_unavailable_and_the_next_call_succeeds(settings: Settings, store: Store) -> None:
    impatient = make_store(settings.db, deadline=0.3)
    await impatient.open()
    try:
        async with _locked(settings.db):
            with pytest.raises(StoreUnavailableError):
                await _account(impatient, 2000001)
        await _account(impatient, 2000001)
        assert [a.user_id for a in await store.list_accounts()] == [2000001]
    finally:
        await impatient.close()


async def test_closed_store_is_unavailable(store: Store) -> None:
    await store.close()
    with pytest.raises(StoreUnavailableError):
        await store.get_order(10000001, "streamlined")
