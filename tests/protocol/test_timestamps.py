from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from dsorders.protocol.timestamps import parse_timestamp, within_window

moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)
)


@given(moments)
def test_the_three_forms_name_the_same_instant(moment: datetime) -> None:
    ms = int(moment.timestamp() * 1000)
    gmt8 = moment.astimezone(timezone(timedelta(hours=8)))
    assert parse_timestamp(str(ms)) == ms
    assert parse_timestamp(gmt8.strftime("%Y-%m-%d %H:%M:%S")) == ms
    assert parse_timestamp(moment.isoformat()) == ms
    assert parse_timestamp(moment.strftime("%Y-%m-%dT%H:%M:%SZ")) == ms


def test_iso_without_offset_and_garbage_are_refused() -> None:
    assert parse_timestamp("2026-12-04T12:00:00") is None
    assert parse_timestamp("tomorrow") is None
    assert parse_timestamp("") is None
    assert parse_timestamp("١٢٣") is None  # digits, but not ASCII ones


@given(st.integers(min_value=-10_000_000, max_value=10_000_000))
def test_window_is_7200_seconds_inclusive(delta_ms: int) -> None:
    assert within_window(1_000_000_000_000 + delta_ms, 1_000_000_000_000) == (abs(delta_ms) <= 7_200_000)
