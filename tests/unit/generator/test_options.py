"""generator/options.py: every bad option is one error naming the flag; the window rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecomlake.errors import EcomlakeError
from ecomlake.generator.options import GeneratorOptions, parse_country_mix


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bad_ratio": 1.0}, "--bad-ratio must be in [0, 1), got 1.0"),
        ({"late_ratio": -0.1}, "--late-ratio must be in [0, 1), got -0.1"),
        ({"bad_ratio": 0.3, "dup_ratio": 0.2}, "--bad-ratio plus --dup-ratio must stay below 0.5"),
        ({"events": 0}, "--events must be at least 1, got 0"),
        ({"events": None}, "give --events N or --duration S (or --live)"),
        ({"rate": -1.0}, "--rate must be >= 0, got -1.0"),
        ({"live": True}, "--live needs --rate R > 0"),
        ({"days": 0.0}, "--days must be > 0 for a backfill, got 0.0"),
        ({"workers": 0}, "--workers must be >= 1, got 0"),
        ({"country_mix": {"US": -1.0}}, "the country mix needs at least one country"),
    ],
)
def test_bad_options_name_the_flag(options: dict[str, Any], message: str) -> None:
    with pytest.raises(EcomlakeError) as caught:
        GeneratorOptions(**options)
    assert str(caught.value).startswith(message)


def test_a_backfill_ends_at_midnight_so_a_day_reproduces() -> None:
    now = datetime(2026, 11, 30, 15, 42, tzinfo=UTC)
    start, end = GeneratorOptions(days=2.0).window(now)
    assert end == datetime(2026, 11, 30, tzinfo=UTC)
    assert start == end - timedelta(days=2)
    fixed = datetime(2026, 11, 1, tzinfo=UTC)
    assert GeneratorOptions(end=fixed, days=0.5).window(now) == (fixed - timedelta(hours=12), fixed)


def test_live_starts_now_and_lasts_its_events_at_its_rate() -> None:
    now = datetime(2026, 11, 30, 15, 42, tzinfo=UTC)
    start, end = GeneratorOptions(live=True, rate=100.0, events=6_000).window(now)
    assert (start, end) == (now, now + timedelta(seconds=60))


def test_country_mix() -> None:
    assert parse_country_mix(" us=0.5, GB=0.25,,de=0.25 ") == {"US": 0.5, "GB": 0.25, "DE": 0.25}
    with pytest.raises(
        EcomlakeError, match=r"bad --countries entry 'US:0\.5': expected CODE=WEIGHT"
    ):
        parse_country_mix("US:0.5")
