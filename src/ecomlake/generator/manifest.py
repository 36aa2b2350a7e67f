"""The ground truth of a generated stream, counted message by message as it is produced.

Every later layer (lake, curated tables, marts) is reconciled against this file.
`total_events = valid_events + invalid_events + duplicate_events` always holds.
"""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ecomlake.generator.timefmt import day_of

if TYPE_CHECKING:
    from ecomlake.generator.session import SessionEvents

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
    content_hash: int = 0  # reduced modulo 2**64 on output
    invalid_by_kind: Counter[str] = field(default_factory=Counter)
    # (event_type, day, country, is_bot, late) -> valid events: one dict update per event.
    tally: Counter[tuple[str, str, str, bool, bool]] = field(default_factory=Counter)
    day_orders: Counter[str] = field(default_factory=Counter)
    day_gross: dict[str, Decimal] = field(default_factory=dict)
    day_refunds: dict[str, Decimal] = field(default_factory=dict)
    people: set[tuple[str, str]] = field(default_factory=set)  # (day, anonymous_id), humans
    anon_to_user: dict[str, str] = field(default_factory=dict)

    @property
    def total_events(self) -> int:
        return self.valid_events + self.invalid_events + self.duplicate_events

    def add_event(self, session: SessionEvents, index: int, key: bytes, raw: bytes) -> None:
        """Count one valid event as it is sent (the hot path: kept to a few dict updates)."""
        self.valid_events += 1
        self.content_hash += ((zlib.crc32(raw) << 32) | zlib.adler32(raw)) + zlib.crc32(key)
        day = day_of(session.times_ms[index])
        self.tally[
            session.types[index], day, session.country, session.is_bot, index >= session.late_from
        ] += 1
        if session.is_bot:
            return
        anon = session.anonymous_id
        self.people.add((day, anon))
        user = session.users[index]
        if user is not None:
            self.anon_to_user[anon] = user
        if session.money and index in session.money:
            kind, usd = session.money[index]
            sums = self.day_gross if kind == "purchase" else self.day_refunds
            sums[day] = sums.get(day, Decimal(0)) + usd
            if kind == "purchase":
                self.day_orders[day] += 1

    def add_invalid(self, kind: str, key: bytes, raw: bytes) -> None:
        self.invalid_events += 1
        self.invalid_by_kind[kind] += 1
        self.content_hash += message_hash(key, raw)

    def add_duplicate(self, key: bytes, raw: bytes) -> None:
        self.duplicate_events += 1
        self.content_hash += message_hash(key, raw)

    def merge(self, other: ManifestBuilder) -> None:
        self.valid_events += other.valid_events
        self.invalid_events += other.invalid_events
        self.duplicate_events += other.duplicate_events
        self.content_hash += other.content_hash
        self.invalid_by_kind.update(other.invalid_by_kind)
        self.tally.update(other.tally)
        self.day_orders.update(other.day_orders)
        for sums, more in (
            (self.day_gross, other.day_gross),
            (self.day_refunds, other.day_refunds),
        ):
            for day, amount in more.items():
                sums[day] = sums.get(day, Decimal(0)) + amount
        self.people |= other.people
        self.anon_to_user.update(other.anon_to_user)

    def _sum_by(self, position: int) -> Counter[str]:
        out: Counter[str] = Counter()
        for key, count in self.tally.items():
            out[str(key[position])] += count
        return out

    def active_users(self) -> Counter[str]:
        """Distinct people per day: a device's user_id once it ever signed up or logged in,
        else the device's anonymous_id."""
        stitch = self.anon_to_user
        return Counter(day for day, _ in {(d, stitch.get(a, a)) for d, a in self.people})

    def to_json(self, header: dict[str, Any]) -> dict[str, Any]:
        day_events = self._sum_by(1)
        active = self.active_users()
        return {
            **header,
            "total_events": self.total_events,
            "valid_events": self.valid_events,
            "invalid_events": self.invalid_events,
            "duplicate_events": self.duplicate_events,
            "late_events": sum(n for key, n in self.tally.items() if key[4]),
            "bot_events": sum(n for key, n in self.tally.items() if key[3]),
            "content_hash": f"{self.content_hash % HASH_MOD:016x}",
            "invalid_by_kind": dict(sorted(self.invalid_by_kind.items())),
            "by_type": dict(sorted(self._sum_by(0).items())),
            "by_day": {
                day: {
                    "events": day_events[day],
                    "orders": self.day_orders[day],
                    "gross_revenue": str(self.day_gross.get(day, Decimal("0.00"))),
                    "refunds": str(self.day_refunds.get(day, Decimal("0.00"))),
                    "active_users": active[day],
                }
                for day in sorted(day_events)
            },
            "by_country": dict(sorted(self._sum_by(2).items())),
        }
