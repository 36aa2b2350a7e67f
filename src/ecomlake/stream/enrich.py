"""Enrichment of one event: where its IP is (geo-IP) and what its user agent is.

Pure functions over plain values, so the stream job can call them per row or per batch and
tests can pin them on fixed inputs. The geo-IP data is geoip2fast's bundled country + ASN table
(GeoLite2-derived, shipped in the wheel): loaded once per process, about 0.15 s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Geo:
    country_code: str | None
    country_name: str | None
    as_org: str | None  # the network's owner (ASN name), when the data has it


@dataclass(frozen=True)
class Agent:
    device_type: str  # desktop, mobile, tablet, bot or other
    browser: str
    os: str
    is_bot: bool


NO_GEO = Geo(None, None, None)


@cache
def _geoip() -> Any:
    import geoip2fast
    from geoip2fast import GeoIP2Fast

    data = Path(geoip2fast.__file__).parent / "geoip2fast-asn.dat.gz"
    return GeoIP2Fast(geoip2fast_data_file=str(data))


def geo_lookup(ip: str) -> Geo:
    """Country and network of a public IPv4 address; all None for invalid or private ones."""
    result = _geoip().lookup(ip)
    code = getattr(result, "country_code", "")
    if len(code) != 2 or not code.isalpha():
        return NO_GEO
    return Geo(code, result.country_name or None, getattr(result, "asn_name", "") or None)


CRAWLER = re.compile(
    r"(googlebot|bingbot|ahrefsbot|semrushbot|yandexbot|duckduckbot|baiduspider|"
    r"facebookexternalhit|applebot|petalbot|bytespider|gptbot|[a-z]*bot\b|crawler|spider)",
    re.IGNORECASE,
)
BROWSERS: list[tuple[str, re.Pattern[str]]] = [
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/")),
    ("Safari", re.compile(r"Version/[\d.]+.*Safari/")),
]
SYSTEMS: list[tuple[str, re.Pattern[str]]] = [
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Android", re.compile(r"Android")),
    ("Windows", re.compile(r"Windows NT")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux|X11")),
]


# A stream sees the same few hundred user agents over and over; hostile input may not.
AGENT_CACHE_SIZE = 4096


@lru_cache(maxsize=AGENT_CACHE_SIZE)
def parse_user_agent(user_agent: str) -> Agent:
    """Device type, browser family, OS family and whether it is a known crawler."""
    crawler = CRAWLER.search(user_agent)
    if crawler is not None:
        return Agent("bot", crawler.group(1), "Other", True)
    browser = next((name for name, rx in BROWSERS if rx.search(user_agent)), "Other")
    system = next((name for name, rx in SYSTEMS if rx.search(user_agent)), "Other")
    if "iPad" in user_agent or ("Android" in user_agent and "Mobile" not in user_agent):
        device = "tablet"
    elif "Mobile" in user_agent or "iPhone" in user_agent:
        device = "mobile"
    elif system in {"Windows", "macOS", "Linux", "ChromeOS"}:
        device = "desktop"
    else:
        device = "other"
    return Agent(device, browser, system, False)
