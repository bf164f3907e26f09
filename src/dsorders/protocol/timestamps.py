"""The three timestamp forms and the ±7200 s window (PROTOCOL.md section 2)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final

WINDOW_SECONDS: Final = 7200
_GMT8: Final = timezone(timedelta(hours=8))


def parse_timestamp(value: str) -> int | None:
    """Epoch milliseconds for one of the accepted forms, or None.

    Forms: epoch milliseconds (`1517886554000`); `yyyy-MM-dd HH:mm:ss` read as GMT+8
    (the TOP form); ISO-8601 with an offset (`2017-11-11T12:00:00Z`).
    """
    if value.isdigit() and value.isascii():
        return int(value)
    if len(value) == 19 and value[10] == " ":
        try:
            moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=_GMT8)
        except ValueError:
            return None
        return int(moment.timestamp() * 1000)
    if "T" in value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
        return int(moment.timestamp() * 1000)
    return None


def within_window(timestamp_ms: int, now_ms: int, window_seconds: int = WINDOW_SECONDS) -> bool:
    return abs(timestamp_ms - now_ms) <= window_seconds * 1000
