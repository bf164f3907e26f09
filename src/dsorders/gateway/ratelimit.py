"""Call-rate limits per app: at most `limit` calls in a second, then a one-second ban.

`LocalRateLimiter` counts in this process; `RedisRateLimiter` counts in Redis, shared by
every worker on every host, and falls back to counting locally while Redis is away.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Final, Protocol
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger("dsorders.gateway")


class RateLimiter(Protocol):
    async def allow(self, app_key: str, limit: int, now: float) -> bool:
        """Count one call at `now` (epoch seconds); False when the app is over its limit or banned."""
        ...

    async def close(self) -> None: ...


class LocalRateLimiter:
    """Limits within this process only: with several workers each counts on its own."""

    BAN_SECONDS = 1.0

    def __init__(self) -> None:
        # app_key -> [current second, calls in it, banned until]
        self._apps: dict[str, list[float]] = {}

    async def allow(self, app_key: str, limit: int, now: float) -> bool:
        state = self._apps.get(app_key)
        if state is None:
            state = self._apps[app_key] = [0.0, 0.0, 0.0]
        if now < state[2]:
            return False
        second = float(int(now))
        if state[0] != second:
            state[0] = second
            state[1] = 0.0
        state[1] += 1
        if state[1] > limit:
            state[2] = now + self.BAN_SECONDS
            return False
        return True

    async def close(self) -> None:
        self._apps.clear()


# KEYS[1] the app's state; ARGV now (ms), limit, ban (ms). The same steps as LocalRateLimiter.allow.
_ALLOW_LUA: Final = """
local state = redis.call('HMGET', KEYS[1], 's', 'c', 'b')
local now = tonumber(ARGV[1])
if now < (tonumber(state[3]) or 0) then return 0 end
local second = math.floor(now / 1000)
local count = 1
if tonumber(state[1]) == second then count = (tonumber(state[2]) or 0) + 1 end
local allowed = 1
if count > tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 's', second, 'c', count, 'b', now + tonumber(ARGV[3]))
  allowed = 0
else
  redis.call('HSET', KEYS[1], 's', second, 'c', count)
end
redis.call('PEXPIRE', KEYS[1], 2000 + tonumber(ARGV[3]))
return allowed
"""


def _where(url: str) -> str:
    """The host part of a Redis URL, without credentials, for logs."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


class RedisRateLimiter:
    """Limits shared by every process on every host that uses the same Redis.

    One atomic script per call (EVALSHA, one round trip). While Redis cannot be reached,
    each process limits on its own (one warning per outage) and tries Redis again every
    `retry_after` seconds; shared limiting resumes by itself.
    """

    BAN_SECONDS = LocalRateLimiter.BAN_SECONDS

    def __init__(
        self, url: str, *, prefix: str = "dsorders:rate:", timeout: float = 0.25, retry_after: float = 1.0
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.timeout = timeout
        self.retry_after = retry_after
        self.local = LocalRateLimiter()
        self._redis = Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
        )
        self._script = self._redis.register_script(_ALLOW_LUA)
        self._down_until: float | None = None

    @property
    def shared(self) -> bool:
        """False while Redis is unreachable and this process limits on its own."""
        return self._down_until is None

    async def allow(self, app_key: str, limit: int, now: float) -> bool:
        if self._down_until is not None and time.monotonic() < self._down_until:
            return await self.local.allow(app_key, limit, now)
        try:
            async with asyncio.timeout(self.timeout * 2):
                allowed = await self._script(
                    keys=[self.prefix + app_key], args=[int(now * 1000), limit, int(self.BAN_SECONDS * 1000)]
                )
        except (RedisError, OSError, TimeoutError) as exc:
            if self._down_until is None:
                log.warning(
                    "Redis at %s is unreachable (%s): each process limits calls on its own until it is back",
                    _where(self.url), type(exc).__name__,
                )  # fmt: skip
            self._down_until = time.monotonic() + self.retry_after
            return await self.local.allow(app_key, limit, now)
        if self._down_until is not None:
            self._down_until = None
            log.warning("Redis at %s is back: call-rate limits are shared again", _where(self.url))
        return bool(allowed)

    async def close(self) -> None:
        await self.local.close()
        await self._redis.aclose()
