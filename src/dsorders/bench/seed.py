"""The benchmark's data: N orders spread over a few accounts, then an app and a live token.

Every order is one template order under its own id and owner, so seeding costs one
encoding, not N. The template is, by default, the very document the baseline serves (its
`SEED_RESULT`), so both servers send the same order; `--document seed` uses the seed
page's fuller example instead. A seeded SQLite file is kept in the
cache directory, keyed by N, the schema version and the template's encoding, and reused.
"""

from __future__ import annotations

import ast
import hashlib
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

import msgspec

from .. import admin
from ..orders_io import to_row
from ..protocol.order_result import OrderResult
from ..store import OrderRow, Store, make_store
from ..store.migrations import LATEST

FIRST_ORDER_ID: Final = 10_000_001  # the baseline's first id: both servers hold the same ids
FIRST_USER_ID: Final = 3_000_001
OWNERS: Final = 10  # order i belongs to account i % OWNERS; the bench token's account is the first
BATCH: Final = 50_000
SQL_BATCH: Final = 1_000_000
RATE_LIMIT: Final = 2_000_000_000  # never trips, so the rate check runs on every call
ZONE: Final = "America/Los_Angeles"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class World:
    """What the load needs to sign its calls."""

    app_key: str
    app_secret: str
    access_token: str
    user_id: int


def cache_dir() -> Path:
    path = Path(os.environ.get("DSORDERS_BENCH_CACHE") or Path(tempfile.gettempdir()) / "dsorders-bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


Document = Literal["baseline", "seed"]


def baseline_document(baseline: Path) -> dict[str, Any]:
    """The baseline's `SEED_RESULT`, read from its source (importing it would seed a database)."""
    tree = ast.parse(baseline.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SEED_RESULT" for t in node.targets):
            value: dict[str, Any] = ast.literal_eval(node.value)
            return value
    raise ValueError(f"{baseline} has no SEED_RESULT to serve as the benchmark's order")


def template_row(document: Document = "seed", baseline: Path | None = None) -> OrderRow:
    """The template order, encoded once in both shapes."""
    if document == "baseline":
        if baseline is None:
            raise ValueError("the baseline's document needs the baseline's path")
        result = msgspec.convert(baseline_document(baseline), OrderResult)
    else:
        seed = resources.files("dsorders.data").joinpath("seed_order.json").read_bytes()
        result = msgspec.json.decode(seed, type=OrderResult)
    return to_row(FIRST_ORDER_ID, FIRST_USER_ID, result, ZoneInfo(ZONE))


def cached_sqlite_path(orders: int, row: OrderRow) -> Path:
    digest = hashlib.sha256(row.doc + b"\0" + row.wrapped).hexdigest()[:10]
    return cache_dir() / f"dsorders-{orders}-v{LATEST}-{digest}.db"


def owner_of(order_id: int) -> int:
    return FIRST_USER_ID + (order_id - FIRST_ORDER_ID) % OWNERS


def owned_ids(orders: int, count: int) -> list[int]:
    """Up to `count` ids of the bench account's orders, spread evenly over the whole id range."""
    owned = (orders + OWNERS - 1) // OWNERS
    step = max(1, owned // count)
    return [FIRST_ORDER_ID + OWNERS * k for k in range(0, owned, step)][:count]


def _batches(orders: int, template: OrderRow) -> Iterator[list[OrderRow]]:
    for start in range(0, orders, BATCH):
        ids = range(FIRST_ORDER_ID + start, FIRST_ORDER_ID + min(orders, start + BATCH))
        yield [msgspec.structs.replace(template, order_id=i, user_id=owner_of(i)) for i in ids]


async def seed(store: Store, orders: int, progress: Progress, template: OrderRow) -> None:
    """Accounts and `orders` orders, through the store's own bulk upsert."""
    now = int(time.time() * 1000)
    for k in range(OWNERS):
        await store.create_account(login=f"bench-{k}", nick=f"bench {k}", locale="en_US", dropshipper=True,
                                   now=now, user_id=FIRST_USER_ID + k)  # fmt: skip
    started = time.monotonic()
    done = 0
    for batch in _batches(orders, template):
        done += await store.upsert_orders(batch, now=now)
        if done % 1_000_000 == 0 or done == orders:
            rate = done / max(time.monotonic() - started, 1e-9)
            progress(f"seeded {done:,} of {orders:,} orders ({rate:,.0f}/s)")


async def seeded_sqlite(orders: int, progress: Progress, template: OrderRow, *, fresh: bool = False) -> Path:
    """The cached SQLite file holding `orders` orders, seeded now if missing (or if `fresh`)."""
    path = cached_sqlite_path(orders, template)
    if path.exists() and not fresh:
        progress(f"reusing seeded database {path}")
        return path
    partial = path.with_suffix(".partial")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    progress(f"seeding {orders:,} orders into {path}")
    store = make_store(str(partial))
    await store.open()  # the schema, by the store's own migrations
    try:
        await seed(store, 0, progress, template)
    finally:
        await store.close()
    _bulk_insert_sqlite(partial, orders, progress, template)
    partial.replace(path)
    return path


_SERIES_INSERT: Final = """
WITH RECURSIVE ids(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM ids WHERE i + 1 < ?)
INSERT INTO orders (order_id, user_id, order_status, gmt_create, zone, doc, wrapped, updated_at)
SELECT ? + i, ? + i % ?, ?, ?, ?, ?, ?, ? FROM ids
"""


def _bulk_insert_sqlite(path: Path, orders: int, progress: Progress, row: OrderRow) -> None:
    """The orders generated inside SQLite, unjournalled: about twice the speed of row-by-row upserts.

    The file is only renamed into the cache once this finishes, so a crash leaves nothing half-seeded.
    """
    now = int(time.time() * 1000)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        started = time.monotonic()
        for start in range(0, orders, SQL_BATCH):
            end = min(orders, start + SQL_BATCH)
            db.execute("BEGIN")
            db.execute(_SERIES_INSERT, (start, end, FIRST_ORDER_ID, FIRST_USER_ID, OWNERS, row.order_status,
                                        row.gmt_create, row.zone, row.doc, row.wrapped, now))  # fmt: skip
            db.execute("COMMIT")
            rate = end / max(time.monotonic() - started, 1e-9)
            progress(f"seeded {end:,} of {orders:,} orders ({rate:,.0f}/s)")
        db.execute("PRAGMA journal_mode = WAL")
    finally:
        db.close()


async def add_world(url: str) -> World:
    """A fresh app granted order.get with a limit that never trips, and a live token for the first account."""
    store = make_store(url)
    await store.open()
    try:
        now = int(time.time() * 1000)
        app = await admin.create_app(store, name="bench", now=now, status="online", rate_limit=RATE_LIMIT)
        token = await admin.issue_token(store, app, FIRST_USER_ID, now=now)
    finally:
        await store.close()
    return World(app.app_key, app.app_secret, token.access_token, FIRST_USER_ID)
