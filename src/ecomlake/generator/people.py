"""Shoppers and their devices: who comes back, on which device, and whether they are known."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field

from ecomlake.core.money import COUNTRY_CURRENCY
from ecomlake.generator.agents import BROWSER_CUM, BROWSERS
from ecomlake.generator.geo import country_networks

NEW_VISITOR_SHARE = 0.35
NEW_DEVICE_SHARE = 0.08
MAX_DEVICES = 3


@dataclass
class Device:
    anonymous_id: str
    ip: str
    user_agent: str
    device_type: str
    logged_in: bool = False  # the device holds the account's cookie: user_id is known
    busy_until_ms: int = 0  # a device has one session at a time: until 30 min of inactivity


@dataclass
class Person:
    number: int
    country: str
    currency: str
    user_id: str  # reserved at creation, revealed by signup or login
    email: str
    devices: list[Device] = field(default_factory=list)
    signed_up: bool = False


class Population:
    """The people one generator worker owns: numbers `worker + k * workers`, so ids never clash
    between workers and each person's history stays in one process."""

    def __init__(
        self,
        rng: random.Random,
        countries: list[str],
        weights: list[float],
        worker: int = 0,
        workers: int = 1,
    ) -> None:
        self.rng = rng
        self.countries = countries
        self.weights = weights
        self.next_number = worker
        self.stride = workers
        self.by_country: dict[str, list[Person]] = {c: [] for c in countries}

    def new_device(self, country: str) -> Device:
        rng = self.rng
        device_type, agent, _ = BROWSERS[bisect.bisect(BROWSER_CUM, rng.random() * BROWSER_CUM[-1])]
        return Device(
            anonymous_id=f"A{rng.getrandbits(64):016x}",
            ip=country_networks(country).sample(rng),
            user_agent=agent,
            device_type=device_type,
        )

    def visitor(self, country: str, now_ms: int) -> tuple[Person, Device]:
        """The person and device of a new human session in `country` starting at `now_ms`."""
        rng = self.rng
        known = self.by_country[country]
        returning = known[int(rng.random() * len(known))] if known else None
        if (
            returning is None
            or rng.random() < NEW_VISITOR_SHARE
            or all(d.busy_until_ms > now_ms for d in returning.devices)
        ):
            number = self.next_number
            self.next_number += self.stride
            person = Person(
                number=number,
                country=country,
                currency=COUNTRY_CURRENCY.get(country, "USD"),
                user_id=f"U{number:07d}",
                email=f"shopper{number}@example.com",
            )
            person.devices.append(self.new_device(country))
            known.append(person)
            return person, person.devices[0]
        person = returning
        idle = [d for d in person.devices if d.busy_until_ms <= now_ms]
        if len(person.devices) < MAX_DEVICES and rng.random() < NEW_DEVICE_SHARE:
            person.devices.append(self.new_device(country))
            return person, person.devices[-1]
        return person, idle[int(rng.random() * len(idle))]
