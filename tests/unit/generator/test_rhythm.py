"""generator/rhythm.py: traffic follows each country's local hour; arrivals by thinning."""

from __future__ import annotations

import random
from collections import Counter

from ecomlake.generator.rhythm import LOCAL_HOUR_TRAFFIC, Rhythm
from ecomlake.generator.timefmt import HOUR_MS


def test_one_country_at_utc_follows_the_local_curve() -> None:
    rhythm = Rhythm({"GB": 1.0})  # UTC+0
    peak = max(LOCAL_HOUR_TRAFFIC)
    for hour, traffic in enumerate(LOCAL_HOUR_TRAFFIC):
        assert abs(rhythm.level(hour * HOUR_MS + 1) - traffic / peak) < 1e-12
    assert rhythm.level(20 * HOUR_MS) == 1.0  # the evening peak


def test_arrivals_follow_the_mix_and_the_clock() -> None:
    rhythm = Rhythm({"GB": 3.0, "DE": 1.0, "XX": 0.0})
    assert rhythm.countries == ["GB", "DE"]  # a zero weight never arrives
    rng = random.Random(3)
    t, countries, hours = 0.0, Counter[str](), Counter[int]()
    for _ in range(20_000):
        t, country = rhythm.next_arrival(rng, t, peak_rate_per_ms=2e-5)  # ~2 weeks of arrivals
        countries[country] += 1
        hours[int(t) // HOUR_MS % 24] += 1
    assert 0.70 < countries["GB"] / 20_000 < 0.80  # 3:1
    assert hours[4] < hours[19] / 3  # quiet night, busy evening (UTC, mostly GB)


def test_mean_level_of_a_whole_day() -> None:
    rhythm = Rhythm({"GB": 1.0})
    day = rhythm.mean_level(0, 24 * HOUR_MS)
    assert abs(day - sum(LOCAL_HOUR_TRAFFIC) / 24 / max(LOCAL_HOUR_TRAFFIC)) < 1e-9
