"""Enrichment on fixed inputs: geo-IP and user-agent parsing."""

from __future__ import annotations

import random

import pytest

from ecomlake.generator.agents import BROWSERS, CRAWLERS
from ecomlake.generator.geo import DEFAULT_COUNTRY_MIX, country_networks
from ecomlake.stream.enrich import NO_GEO, Agent, geo_lookup, parse_user_agent


@pytest.mark.parametrize("country", sorted(DEFAULT_COUNTRY_MIX))
def test_sampled_ips_resolve_to_their_country(country: str) -> None:
    rng = random.Random(country)
    for _ in range(50):
        geo = geo_lookup(country_networks(country).sample(rng))
        assert geo.country_code == country and geo.country_name


def test_network_owner_is_known_where_the_data_has_it() -> None:
    assert geo_lookup("8.8.8.8").as_org == "GOOGLE"


@pytest.mark.parametrize("ip", ["999.12.1.300", "10.0.0.1", "192.168.1.1", "not-an-ip", ""])
def test_invalid_or_private_ips_have_no_geo(ip: str) -> None:
    assert geo_lookup(ip) == NO_GEO


# In the order of ecomlake.generator.agents.BROWSERS.
EXPECTED = [
    Agent("mobile", "Safari", "iOS", False),  # iPhone
    Agent("mobile", "Chrome", "Android", False),  # Galaxy S23
    Agent("mobile", "Chrome", "Android", False),  # Pixel 7
    Agent("desktop", "Chrome", "Windows", False),
    Agent("desktop", "Safari", "macOS", False),
    Agent("desktop", "Firefox", "Windows", False),
    Agent("desktop", "Edge", "Windows", False),
    Agent("desktop", "Chrome", "Linux", False),
    Agent("tablet", "Safari", "iOS", False),  # iPad
    Agent("tablet", "Chrome", "Android", False),  # Galaxy Tab
]


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [(ua, agent) for (_, ua, _), agent in zip(BROWSERS, EXPECTED, strict=True)],
)
def test_real_browser_user_agents(user_agent: str, expected: Agent) -> None:
    assert parse_user_agent(user_agent) == expected


@pytest.mark.parametrize("user_agent", CRAWLERS)
def test_known_crawlers_are_bots(user_agent: str) -> None:
    agent = parse_user_agent(user_agent)
    assert agent.is_bot and agent.device_type == "bot"


def test_unknown_agent_is_other() -> None:
    assert parse_user_agent("curl/8.5.0") == Agent("other", "Other", "Other", False)
