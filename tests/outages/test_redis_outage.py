"""Redis goes away and comes back: calls are limited per process meanwhile, then shared again."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from dsorders.gateway import Gateway
from dsorders.gateway.ratelimit import RedisRateLimiter
from dsorders.settings import Settings
from dsorders.store import Store

from ..conftest import Clock, World
from ..servers import TempRedis
from .conftest import client_for, order_get

pytestmark = [pytest.mark.anyio, pytest.mark.redis]


@pytest.fixture
async def limiters(redis_server: TempRedis) -> AsyncIterator[tuple[RedisRateLimiter, RedisRateLimiter]]:
    """Two processes' limiters over one Redis; retrying Redis at every call keeps the test free of waits."""
    pair = (RedisRateLimiter(redis_server.url, retry_after=0), RedisRateLimiter(redis_server.url, retry_after=0))
    yield pair
    for limiter in pair:
        await limiter.close()


async def _calls(limiter: RedisRateLimiter, now: float, count: int) -> list[bool]:
    return [await limiter.allow("app", 2, now) for _ in range(count)]


async def test_limits_fall_back_per_process_and_shared_limiting_resumes(
    limiters: tuple[RedisRateLimiter, RedisRateLimiter], redis_server: TempRedis, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = limiters
    assert await _calls(first, 100.0, 1) + await _calls(second, 100.0, 2) == [True, True, False]
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="dsorders.gateway"):
        # Each process counts on its own: two calls each within the limit of two.
        assert await _calls(first, 200.0, 3) == [True, True, False]
        assert await _calls(second, 200.0, 2) == [True, True]
        assert not first.shared and not second.shared
        unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(unreachable) == 2  # once per process and outage, not once per call
        redis_server.start()
        assert await _calls(first, 300.0, 1) + await _calls(second, 300.0, 2) == [True, True, False]
    assert first.shared and second.shared
    assert sum("shared again" in r.getMessage() for r in caplog.records) == 2


async def test_calls_are_served_while_redis_is_down(
    settings: Settings, store: Store, world: World, clock: Clock, redis_server: TempRedis
) -> None:
    gateway = Gateway(settings, store, clock=clock, limiter=RedisRateLimiter(redis_server.url))
    async with client_for(gateway) as client:
        assert await order_get(client, clock) == "0"
        redis_server.stop()
        assert await order_get(client, clock) == "0"
    await gateway.limiter.close()
