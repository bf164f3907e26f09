"""The Redis limiter counts exactly as the local one, and its count is shared by every process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from dsorders.gateway.ratelimit import LocalRateLimiter, RateLimiter, RedisRateLimiter

from ..conftest import REDIS

pytestmark = pytest.mark.anyio
# (now, expected): limit 3 a second, then banned for one second from the call over it.
SCRIPT = [(10.0, True), (10.1, True), (10.2, True), (10.3, False), (10.9, False), (11.2, False), (11.31, True),
          (11.4, True), (11.5, True), (11.6, False), (13.0, True)]  # fmt: skip


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.redis)])
async def limiters(request: pytest.FixtureRequest) -> AsyncIterator[list[RateLimiter]]:
    if request.param == "local":
        pair: list[RateLimiter] = [LocalRateLimiter()] * 2
    else:
        prefix = f"test:{uuid.uuid4().hex}:"
        pair = [RedisRateLimiter(REDIS, prefix=prefix), RedisRateLimiter(REDIS, prefix=prefix)]
    yield pair
    for limiter in pair:
        await limiter.close()


async def test_limit_then_one_second_ban(limiters: list[RateLimiter]) -> None:
    results = [await limiters[n % 2].allow("app", 3, now) for n, (now, _) in enumerate(SCRIPT)]
    assert results == [expected for _, expected in SCRIPT]


async def test_apps_are_counted_apart(limiters: list[RateLimiter]) -> None:
    assert [await limiters[0].allow("a", 1, 5.0), await limiters[1].allow("b", 1, 5.0)] == [True, True]
    assert await limiters[1].allow("a", 1, 5.5) is False
