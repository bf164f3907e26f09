"""Two gateway processes over one database and one Redis: the call-rate limit holds across both."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsorders import admin
from dsorders.settings import Settings

from ..conftest import OWNER_ID, REDIS, SEED_ORDER_ID, World
from ..servers import Worker, burst

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
LIMIT = 5
CALLS = 30


@pytest.fixture
def workers(settings: Settings, world: World, tmp_path: Path) -> Iterator[list[Worker]]:
    env = {"DSORDERS_DB": settings.db, "DSORDERS_REDIS": REDIS}
    started: list[Worker] = []
    try:
        for n in range(2):
            started.append(Worker(env, tmp_path / f"worker{n}.log"))
        yield started
    finally:
        for worker in started:
            worker.stop()


async def test_limit_holds_across_two_worker_processes(workers: list[Worker], world: World) -> None:
    now_ms = int(time.time() * 1000)
    # A fresh app key: the shared Redis keeps counts of earlier runs for a few seconds.
    app = await admin.create_app(world.store, name="burst", now=now_ms, rate_limit=LIMIT,
                                 app_key=str(10_000_000 + uuid.uuid4().int % 80_000_000))  # fmt: skip
    token = await admin.issue_token(world.store, app, OWNER_ID, now=now_ms)
    urls = [worker.base_url for worker in workers]
    result = await burst(urls, app.app_key, app.app_secret, token.access_token, SEED_ORDER_ID, CALLS)
    allowed = result.allowed()
    assert len(allowed) + len(result.limited()) == CALLS
    # Each process alone would allow LIMIT a second; together they allow LIMIT a second in all.
    assert 0 < len(allowed) <= LIMIT * result.windows
    assert {index for index, _, _ in allowed} == {0, 1}
    assert {index for index, _, _ in result.limited()} == {0, 1}
