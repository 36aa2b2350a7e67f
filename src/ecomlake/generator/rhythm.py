"""When shoppers visit: a daily rhythm per country's local time, and session arrivals.

Arrivals are a non-homogeneous Poisson process, drawn by thinning: candidates come at the
peak rate and are kept with probability (traffic now / peak traffic).
"""

from __future__ import annotations

import bisect
import itertools
import random

from ecomlake.generator.geo import UTC_OFFSET_HOURS
from ecomlake.generator.timefmt import HOUR_MS

# Relative traffic by local hour: quiet nights, a lunch bump, an evening peak.
LOCAL_HOUR_TRAFFIC = [
    0.30,
    0.20,
    0.14,
    0.10,
    0.09,
    0.11,
    0.20,
    0.38,
    0.55,
    0.66,
    0.72,
    0.80,
    0.88,
    0.84,
    0.76,
    0.72,
    0.74,
    0.80,
    0.90,
    0.98,
    1.00,
    0.92,
    0.70,
    0.48,
]


class Rhythm:
    def __init__(self, country_mix: dict[str, float]) -> None:
        total = sum(country_mix.values())
        self.countries = [c for c, w in country_mix.items() if w > 0]
        weights = [country_mix[c] / total for c in self.countries]
        # traffic[h][i]: share of country i at UTC hour h.
        self.by_hour = [
            [
                w * LOCAL_HOUR_TRAFFIC[(h + UTC_OFFSET_HOURS.get(c, 0)) % 24]
                for c, w in zip(self.countries, weights, strict=True)
            ]
            for h in range(24)
        ]
        self.hour_total = [sum(row) for row in self.by_hour]
        self.peak = max(self.hour_total)
        self.cum_by_hour = [list(itertools.accumulate(row)) for row in self.by_hour]

    def level(self, t_ms: int) -> float:
        """Traffic at `t_ms` relative to the daily peak (0..1]."""
        return self.hour_total[(t_ms // HOUR_MS) % 24] / self.peak

    def mean_level(self, start_ms: int, end_ms: int) -> float:
        """Average of `level` over a window (by the minute)."""
        step = 60_000
        points = range(start_ms, max(end_ms, start_ms + step), step)
        return sum(self.level(t) for t in points) / len(points)

    def next_arrival(
        self, rng: random.Random, t_ms: float, peak_rate_per_ms: float
    ) -> tuple[float, str]:
        """The next kept session start after `t_ms`, and its country."""
        while True:
            t_ms += rng.expovariate(peak_rate_per_ms)
            hour = (int(t_ms) // HOUR_MS) % 24
            if rng.random() * self.peak < self.hour_total[hour]:
                cum = self.cum_by_hour[hour]
                country = self.countries[bisect.bisect(cum, rng.random() * cum[-1])]
                return t_ms, country
