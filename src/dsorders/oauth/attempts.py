"""A limit on failed sign-ins, so that a password cannot be guessed at the speed of the server.

Failures are counted per login and per client address over a sliding window; past the limit,
the sign-in form refuses before it checks the password. A good sign-in clears its login's
count. Counts live in the process: with several workers each counts its own.
"""

from __future__ import annotations

from collections import deque
from typing import Final

LOGIN_FAILURES: Final = 10  # per login, per window
ADDRESS_FAILURES: Final = 50  # per client address, per window: one host trying many logins
WINDOW_S: Final = 15 * 60
MAX_KEYS: Final = 100_000  # counts kept at most; the stalest go first


class SignInAttempts:
    def __init__(self, *, login_failures: int = LOGIN_FAILURES, address_failures: int = ADDRESS_FAILURES,
                 window_s: float = WINDOW_S) -> None:  # fmt: skip
        self.limits = {"login": login_failures, "address": address_failures}
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def retry_after(self, login: str, address: str, now: float) -> float:
        """Seconds until a sign-in may be tried again; 0 when it may be now."""
        wait = 0.0
        for kind, value in (("login", login.casefold()), ("address", address)):
            failures = self._recent((kind, value), now)
            if len(failures) >= self.limits[kind]:
                wait = max(wait, failures[-self.limits[kind]] + self.window_s - now)
        return wait

    def failed(self, login: str, address: str, now: float) -> None:
        if len(self._failures) >= MAX_KEYS:
            self._forget_oldest()
        for key in (("login", login.casefold()), ("address", address)):
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, login: str) -> None:
        self._failures.pop(("login", login.casefold()), None)

    def _forget_oldest(self) -> None:
        # Dicts keep insertion order: the first keys are the ones counted longest ago.
        for key in list(self._failures)[: MAX_KEYS // 10]:
            del self._failures[key]
