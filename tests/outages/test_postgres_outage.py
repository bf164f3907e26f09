"""PostgreSQL goes away and comes back: calls answer isp.service-unavailable in time, then resume."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from dsorders.gateway import Gateway
from dsorders.settings import Settings
from dsorders.store import make_store

from ..conftest import Clock, build_world
from ..servers import TempPostgres
from .conftest import DEADLINE, client_for, order_get

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]
UNAVAILABLE = "isp.service-unavailable"


@pytest.fixture
async def gateway(outage_settings: Settings, clock: Clock) -> AsyncIterator[Gateway]:
    store = make_store(outage_settings.db, deadline=DEADLINE)
    gateway = Gateway(outage_settings, store, clock=clock)
    await gateway.startup()
    yield gateway
    await gateway.shutdown()


async def _health(gateway: Gateway) -> tuple[int, str]:
    async with client_for(gateway) as client:
        response = await client.get("/healthz")
    return response.status_code, response.json()["status"]


async def test_stopped_database_is_unavailable_then_service_resumes(
    gateway: Gateway, postgres: TempPostgres, clock: Clock
) -> None:
    await build_world(gateway.store)
    async with client_for(gateway) as client:
        assert await order_get(client, clock) == "0"
        postgres.stop()
        started = time.monotonic()
        assert await order_get(client, clock) == UNAVAILABLE
        assert time.monotonic() - started < 2 * DEADLINE
        assert await _health(gateway) == (503, "unavailable")
        postgres.start()
        assert await _health(gateway) == (200, "ok")
        assert await order_get(client, clock) == "0"


async def test_frozen_database_answers_within_the_deadline_then_resumes(
    gateway: Gateway, postgres: TempPostgres, clock: Clock
) -> None:
    await build_world(gateway.store)
    async with client_for(gateway) as client:
        assert await order_get(client, clock) == "0"
        postgres.freeze(True)
        try:
            started = time.monotonic()
            assert await order_get(client, clock) == UNAVAILABLE
            elapsed = time.monotonic() - started
            assert await _health(gateway) == (503, "unavailable")
        finally:
            postgres.freeze(False)
        assert DEADLINE <= elapsed < 2 * DEADLINE
        assert await order_get(client, clock) == "0"


async def test_gateway_started_while_the_database_is_down_serves_once_it_is_up(
    outage_settings: Settings, postgres: TempPostgres, clock: Clock
) -> None:
    postgres.stop()
    store = make_store(outage_settings.db, deadline=DEADLINE)
    gateway = Gateway(outage_settings, store, clock=clock)
    sent: list[str] = []
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict[str, str]:
        return next(messages)

    async def send(message: dict[str, str]) -> None:
        sent.append(message["type"])
        if message["type"] == "lifespan.startup.complete":
            assert await _health(gateway) == (503, "unavailable")
            async with client_for(gateway) as client:
                assert await order_get(client, clock) == UNAVAILABLE
            postgres.start()
            # The first call that finds the server up creates the pool and applies the migrations.
            assert await _health(gateway) == (200, "ok")
            await build_world(store)
            async with client_for(gateway) as client:
                assert await order_get(client, clock) == "0"

    await gateway(  # type: ignore[arg-type]
        {"type": "lifespan"}, receive, send
    )
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
