"""Service settings: read from the environment once, at the edge, and passed explicitly."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .networks import parse_networks

DEFAULT_DB: Final = "dsorders.db"
ENV_PREFIX: Final = "DSORDERS_"


class SettingsError(ValueError):
    """A setting with a value the service cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    db: str = DEFAULT_DB
    display_zone: str = "America/Los_Angeles"
    store_deadline: float = 3.0
    app_cache_ttl: float = 5.0
    max_body: int = 1024 * 1024
    redis: str | None = None
    pool_size: int = 10
    trusted_proxies: tuple[str, ...] = ()
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "zone", ZoneInfo(self.display_zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                f"DSORDERS_DISPLAY_ZONE: unknown time zone {self.display_zone!r};"
                " use an IANA name such as America/Los_Angeles"
            ) from None
        if self.store_deadline <= 0:
            raise SettingsError("DSORDERS_STORE_DEADLINE must be a positive number of seconds")
        if self.max_body <= 0:
            raise SettingsError("DSORDERS_MAX_BODY must be a positive number of bytes")
        if self.pool_size <= 0:
            raise SettingsError("DSORDERS_POOL_SIZE must be a positive whole number")
        try:
            parse_networks(self.trusted_proxies)
        except ValueError as exc:
            raise SettingsError(f"DSORDERS_TRUSTED_PROXIES: {exc}") from None

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def read(name: str, kind: type, default: object) -> object:
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is None or raw == "":
                return default
            try:
                return kind(raw)
            except ValueError:
                raise SettingsError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind.__name__}") from None

        defaults = cls()
        return cls(
            db=str(read("db", str, defaults.db)),
            display_zone=str(read("display_zone", str, defaults.display_zone)),
            store_deadline=float(read("store_deadline", float, defaults.store_deadline)),  # type: ignore[arg-type]
            app_cache_ttl=float(read("app_cache_ttl", float, defaults.app_cache_ttl)),  # type: ignore[arg-type]
            max_body=int(read("max_body", int, defaults.max_body)),  # type: ignore[call-overload]
            redis=read("redis", str, None),  # type: ignore[arg-type]
            pool_size=int(read("pool_size", int, defaults.pool_size)),  # type: ignore[call-overload]
            trusted_proxies=_entries(env.get(ENV_PREFIX + "TRUSTED_PROXIES", "")),
        )

    def to_env(self) -> dict[str, str]:
        """The environment that makes `from_env` give these settings back (for worker processes)."""
        env = {
            "DSORDERS_DB": self.db,
            "DSORDERS_DISPLAY_ZONE": self.display_zone,
            "DSORDERS_STORE_DEADLINE": repr(self.store_deadline),
            "DSORDERS_APP_CACHE_TTL": repr(self.app_cache_ttl),
            "DSORDERS_MAX_BODY": str(self.max_body),
            "DSORDERS_POOL_SIZE": str(self.pool_size),
        }
        if self.redis:
            env["DSORDERS_REDIS"] = self.redis
        if self.trusted_proxies:
            env["DSORDERS_TRUSTED_PROXIES"] = ",".join(self.trusted_proxies)
        return env


def _entries(raw: str) -> tuple[str, ...]:
    return tuple(entry.strip() for entry in raw.split(",") if entry.strip())
