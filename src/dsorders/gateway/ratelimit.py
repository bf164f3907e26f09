"""Call-rate limits per app: at most `limit` calls in a second, then a one-second ban."""

from __future__ import annotations

from typing import Protocol


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
