"""Two gateway processes over one database and one Redis: the call-rate limit holds across both."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dsorders import admin
from dsorders.settings import Settings

from ..conftest import OWNER_ID, REDIS, SEED_ORDER_ID, World
from ..servers import Worker, order_get_params

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


def _wait_for_a_fresh_second() -> None:
    """Start the burst early in a second, so it most likely falls within one counting window."""
    fraction = time.time() % 1
    if fraction > 0.3:
        time.sleep(1.02 - fraction)


async def test_limit_holds_across_two_worker_processes(workers: list[Worker], world: World) -> None:
    now_ms = int(time.time() * 1000)
    # A fresh app key: the shared Redis keeps counts of earlier runs for a few seconds.
    app = await admin.create_app(world.store, name="burst", now=now_ms, rate_limit=LIMIT,
                                 app_key=str(10_000_000 + uuid.uuid4().int % 80_000_000))  # fmt: skip
    token = await admin.issue_token(world.store, app, OWNER_ID, now=now_ms)
    codes: list[tuple[int, str]] = []
    async with httpx.AsyncClient(timeout=10) as client:
        _wait_for_a_fresh_second()
        start = time.time()
        for n in range(CALLS):
            worker = n % 2
            params = order_get_params(app.app_key, app.app_secret, token.access_token, SEED_ORDER_ID,
                                      int(time.time() * 1000))  # fmt: skip
            response = await client.post(workers[worker].base_url + "/sync", data=params)
            codes.append((worker, response.json()["code"]))
        end = time.time()
    windows = int(end) - int(start) + 1
    allowed = [worker for worker, code in codes if code == "0"]
    limited = {worker for worker, code in codes if code == "ApiCallLimit"}
    assert len(allowed) + sum(1 for _, code in codes if code == "ApiCallLimit") == CALLS
    # Each process alone would allow LIMIT a second; together they allow LIMIT a second in all.
    assert 0 < len(allowed) <= LIMIT * windows
    assert set(allowed) == {0, 1} and limited == {0, 1}
