"""The ground truth of a generated stream, counted message by message as it is produced.

Every later layer (lake, curated tables, marts) is reconciled against this file.
`total_events = valid_events + invalid_events + duplicate_events` always holds.
"""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ecomlake.generator.money import to_usd

HASH_MOD = 2**64


def message_hash(key: bytes | None, value: bytes) -> int:
    """Order-independent content hash term: the manifest sums these modulo 2**64, so any
    consumer can recompute it from the topic whatever the partition interleaving.
    (CRC32 and Adler-32 of the value, plus CRC32 of the key: C-speed, and plenty to catch a
    lost, duplicated or altered message.)"""
    return ((zlib.crc32(value) << 32) | zlib.adler32(value)) + zlib.crc32(key or b"")


@dataclass
class ManifestBuilder:
    valid_events: int = 0
    invalid_events: int = 0
    duplicate_events: int = 0
    late_events: int = 0
    bot_events: int = 0
    content_hash: int = 0
    invalid_by_kind: Counter[str] = field(default_factory=Counter)
    by_type: Counter[str] = field(default_factory=Counter)
    by_country: Counter[str] = field(default_factory=Counter)
    day_events: Counter[str] = field(default_factory=Counter)
    day_orders: Counter[str] = field(default_factory=Counter)
    day_gross: dict[str, Decimal] = field(default_factory=dict)
    day_refunds: dict[str, Decimal] = field(default_factory=dict)
    day_people: dict[str, set[str]] = field(default_factory=dict)  # anonymous ids, humans only
    anon_to_user: dict[str, str] = field(default_factory=dict)

    @property
    def total_events(self) -> int:
        return self.valid_events + self.invalid_events + self.duplicate_events

    def add_valid(
        self, event: dict[str, Any], country: str, is_bot: bool, late: bool, key: bytes, raw: bytes
    ) -> None:
        self.valid_events += 1
        self.content_hash += message_hash(key, raw)  # reduced modulo 2**64 on output
        event_type = event["event_type"]
        day = event["event_time"][:10]
        self.by_type[event_type] += 1
        self.by_country[country] += 1
        self.day_events[day] += 1
        if late:
            self.late_events += 1
        if is_bot:
            self.bot_events += 1
            return
        anon = event["anonymous_id"]
        people = self.day_people.get(day)
        if people is None:
            people = self.day_people[day] = set()
        people.add(anon)
        if event["user_id"] is not None:
            self.anon_to_user[anon] = event["user_id"]
        if event_type == "purchase":
            self.day_orders[day] += 1
            usd = to_usd(Decimal(event["total"]), event["currency"])
            self.day_gross[day] = self.day_gross.get(day, Decimal(0)) + usd
        elif event_type == "refund":
            usd = to_usd(Decimal(event["amount"]), event["currency"])
            self.day_refunds[day] = self.day_refunds.get(day, Decimal(0)) + usd

    def add_invalid(self, kind: str, key: bytes, raw: bytes) -> None:
        self.invalid_events += 1
        self.invalid_by_kind[kind] += 1
        self.content_hash += message_hash(key, raw)  # reduced modulo 2**64 on output

    def add_duplicate(self, key: bytes, raw: bytes) -> None:
        self.duplicate_events += 1
        self.content_hash += message_hash(key, raw)  # reduced modulo 2**64 on output

    def merge(self, other: ManifestBuilder) -> None:
        self.valid_events += other.valid_events
        self.invalid_events += other.invalid_events
        self.duplicate_events += other.duplicate_events
        self.late_events += other.late_events
        self.bot_events += other.bot_events
        self.content_hash += other.content_hash
        for mine, theirs in (
            (self.invalid_by_kind, other.invalid_by_kind),
            (self.by_type, other.by_type),
            (self.by_country, other.by_country),
            (self.day_events, other.day_events),
            (self.day_orders, other.day_orders),
        ):
            mine.update(theirs)
        for sums, more in (
            (self.day_gross, other.day_gross),
            (self.day_refunds, other.day_refunds),
        ):
            for day, amount in more.items():
                sums[day] = sums.get(day, Decimal(0)) + amount
        for day, people in other.day_people.items():
            self.day_people.setdefault(day, set()).update(people)
        self.anon_to_user.update(other.anon_to_user)

    def active_users(self, day: str) -> int:
        """Distinct people: a device's user_id once it ever signed up or logged in, else the
        device's anonymous_id."""
        stitch = self.anon_to_user
        return len({stitch.get(anon, anon) for anon in self.day_people.get(day, ())})

    def to_json(self, header: dict[str, Any]) -> dict[str, Any]:
        days = sorted(self.day_events)
        return {
            **header,
            "total_events": self.total_events,
            "valid_events": self.valid_events,
            "invalid_events": self.invalid_events,
            "duplicate_events": self.duplicate_events,
            "late_events": self.late_events,
            "bot_events": self.bot_events,
            "content_hash": f"{self.content_hash % HASH_MOD:016x}",
            "invalid_by_kind": dict(sorted(self.invalid_by_kind.items())),
            "by_type": dict(sorted(self.by_type.items())),
            "by_day": {
                day: {
                    "events": self.day_events[day],
                    "orders": self.day_orders[day],
                    "gross_revenue": str(self.day_gross.get(day, Decimal("0.00"))),
                    "refunds": str(self.day_refunds.get(day, Decimal("0.00"))),
                    "active_users": self.active_users(day),
                }
                for day in days
            },
            "by_country": dict(sorted(self.by_country.items())),
        }
