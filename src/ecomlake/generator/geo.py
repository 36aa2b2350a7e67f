"""Real IPv4 addresses for a country, sampled from geoip2fast's bundled network table.

geoip2fast (GeoLite2-derived data shipped in its wheel) maps every public IPv4 network to a
country. Sampling from those networks means the stream's geo-IP enrichment resolves each
address back to the country the generator intended.
"""

from __future__ import annotations

import bisect
import itertools
import random
from functools import cache
from typing import Any

from ecomlake.errors import EcomlakeError

# Default shopper mix (weights, not necessarily summing to 1).
DEFAULT_COUNTRY_MIX: dict[str, float] = {
    "US": 0.34,
    "GB": 0.10,
    "DE": 0.09,
    "FR": 0.06,
    "ES": 0.04,
    "IT": 0.04,
    "NL": 0.03,
    "CA": 0.06,
    "AU": 0.04,
    "JP": 0.05,
    "BR": 0.07,
    "IN": 0.08,
}

# Hours to add to UTC for local time (one representative zone per country).
UTC_OFFSET_HOURS: dict[str, int] = {
    "US": -6,
    "GB": 0,
    "DE": 1,
    "FR": 1,
    "ES": 1,
    "IT": 1,
    "NL": 1,
    "CA": -5,
    "AU": 10,
    "JP": 9,
    "BR": -3,
    "IN": 5,
}


class CountryNetworks:
    """The public IPv4 networks of one country, sampled in proportion to their size."""

    def __init__(self, country: str, starts: list[int], sizes: list[int]) -> None:
        self.country = country
        self.starts = starts
        self.cum_sizes = list(itertools.accumulate(sizes))

    def sample(self, rng: random.Random) -> str:
        pick = int(rng.random() * self.cum_sizes[-1])
        i = bisect.bisect_right(self.cum_sizes, pick)
        size = self.cum_sizes[i] - (self.cum_sizes[i - 1] if i else 0)
        # Skip network and broadcast addresses of small blocks.
        offset = 1 + int(rng.random() * (size - 2)) if size > 2 else 0
        ip = self.starts[i] + offset
        return f"{ip >> 24}.{(ip >> 16) & 255}.{(ip >> 8) & 255}.{ip & 255}"


@cache
def networks() -> dict[str, CountryNetworks]:
    """Load geoip2fast's country table once per process (about 0.3 s)."""
    from geoip2fast import GeoIP2Fast
    from geoip2fast import geoip2fast as internals

    GeoIP2Fast()
    try:
        names = [entry.split(":")[0] for entry in internals.mainListNamesCountry]
        first_ips = itertools.chain.from_iterable(internals.mainListFirstIP)
        ids = itertools.chain.from_iterable(internals.mainListIDCountryCodes)
        lengths = itertools.chain.from_iterable(internals.mainListNetlength)
    except AttributeError as exc:  # a geoip2fast release with another internal layout
        raise EcomlakeError(
            f"unsupported geoip2fast data layout ({exc}); pin geoip2fast==1.2.2"
        ) from None
    starts: dict[str, list[int]] = {}
    sizes: dict[str, list[int]] = {}
    for first, cid, length in zip(first_ips, ids, lengths, strict=False):
        code = names[cid]
        if len(code) != 2 or not code.isalpha() or first >= 2**32:
            continue  # reserved, private and IPv6 ranges
        starts.setdefault(code, []).append(first)
        sizes.setdefault(code, []).append(2 ** (32 - length))
    return {code: CountryNetworks(code, starts[code], sizes[code]) for code in starts}


def country_networks(country: str) -> CountryNetworks:
    table = networks()
    if country not in table:
        raise EcomlakeError(f"no IPv4 networks known for country code {country!r}")
    return table[country]


def lookup_country(ip: str) -> str | None:
    """The country geoip2fast resolves `ip` to (for tests and the manifest's by_country)."""
    from geoip2fast import GeoIP2Fast

    result = _geoip(GeoIP2Fast).lookup(ip)
    code = getattr(result, "country_code", "")
    return code if len(code) == 2 else None


@cache
def _geoip(cls: type) -> Any:
    return cls()
