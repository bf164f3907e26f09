"""What only the SQLite backend shows: its query plans and its deadline."""

from __future__ import annotations

import sqlite3
import time

import pytest

from dsorders.store import StoreUnavailableError
from dsorders.store.sqlite import SQLiteStore

pytestmark = pytest.mark.anyio


def _plan(store: SQLiteStore, sql: str, *args: object) -> str:
    return " ".join(str(row[-1]) for row in store.db.execute("EXPLAIN QUERY PLAN " + sql, args))


async def test_hot_path_reads_are_single_index_searches(tmp_path: object) -> None:
    store = SQLiteStore(f"{tmp_path}/plan.db")
    await store.open()
    try:
        order_plan = _plan(store, "SELECT user_id, zone, doc FROM orders WHERE order_id = ?", 1)
        assert "USING INTEGER PRIMARY KEY" in order_plan and "SCAN" not in order_plan
        token_plan = _plan(
            store,
            "SELECT t.app_key FROM tokens t JOIN accounts a ON a.user_id = t.user_id WHERE t.token_hash = ?",
            "x",
        )
        assert "SCAN" not in token_plan
    finally:
        await store.close()


async def test_a_write_blocked_past_the_deadline_is_unavailable(tmp_path: object) -> None:
    path = f"{tmp_path}/locked.db"
    store = SQLiteStore(path, deadline=0.3)
    await store.open()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailableError):
            await store.create_account(login="x", nick="x", locale="en_US", dropshipper=True, now=0)
        assert time.monotonic() - started < 3
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        await store.close()


async def test_reads_go_on_while_another_process_writes(tmp_path: object) -> None:
    path = f"{tmp_path}/wal.db"
    store = SQLiteStore(path, deadline=0.3)
    await store.open()
    await store.create_account(login="x", nick="x", locale="en_US", dropshipper=True, now=0, user_id=7)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE accounts SET nick = 'y'")
    try:
        assert (await store.get_account(7)).nick == "x"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        await store.close()


async def test_a_statement_past_the_deadline_is_interrupted(tmp_path: object) -> None:
    store = SQLiteStore(f"{tmp_path}/slow.db", deadline=0.2)
    await store.open()
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailableError), store._guard() as db:
            db.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
            ).fetchone()
        assert time.monotonic() - started < 2
    finally:
        await store.close()
