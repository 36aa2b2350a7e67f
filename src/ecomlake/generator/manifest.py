"""The ground truth of a generated stream, counted message by message as it is produced.

Every later layer (lake, curated tables, marts) is reconciled against this file.
`total_events = valid_events + invalid_events + duplicate_events` always holds.
"""

from __future__ import annotations

import itertools
import zlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from ecomlake.generator.chunk import EVENT_TYPES, PURCHASE, REFUND
from ecomlake.generator.timefmt import DAY_MS, day_of

if TYPE_CHECKING:
    from ecomlake.generator.batch import EventBatch

HASH_MOD = 2**64


def message_hash(key: bytes | None, value: bytes) -> int:
    """Order-independent content hash term: the manifest sums these modulo 2**64, so any
    consumer can recompute it from the topic whatever the partition interleaving.
    (CRC32 and Adler-32 of the value, plus CRC32 of the key: C-speed, and plenty to catch a
    lost, duplicated or altered message.)"""
    return ((zlib.crc32(value) << 32) | zlib.adler32(value)) + zlib.crc32(key or b"")


@dataclass
class ManifestBuilder:
    countries: list[str] = field(default_factory=list)  # the worker's country codes by index
    valid_events: int = 0
    invalid_events: int = 0
    duplicate_events: int = 0
    content_hash: int = 0  # reduced modulo 2**64 on output
    invalid_by_kind: Counter[str] = field(default_factory=Counter)
    # (event_type, day, country, is_bot, late) -> valid events
    tally: Counter[tuple[str, str, str, bool, bool]] = field(default_factory=Counter)
    day_orders: Counter[str] = field(default_factory=Counter)
    day_gross_cents: Counter[str] = field(default_factory=Counter)
    day_refund_cents: Counter[str] = field(default_factory=Counter)
    people: set[tuple[str, str]] = field(default_factory=set)  # (day, anonymous_id), humans
    anon_to_user: dict[str, str] = field(default_factory=dict)

    @property
    def total_events(self) -> int:
        return self.valid_events + self.invalid_events + self.duplicate_events

    def add_batch(self, batch: EventBatch) -> None:
        """Count messages just sent: valid events and exact re-sends (kind RESEND)."""
        if not len(batch):
            return
        # The sum of message_hash over the batch, term by term (map keeps the loops in C).
        crc32, adler32 = zlib.crc32, zlib.adler32
        self.content_hash += (
            (sum(map(crc32, batch.raw)) << 32)
            + sum(map(adler32, batch.raw))
            + sum(map(crc32, batch.key))
        )
        valid = batch.kind >= 0
        resent = int((~valid).sum())
        self.duplicate_events += resent
        self.valid_events += len(batch) - resent
        day_numbers = batch.time // DAY_MS
        first_day, last_day = int(day_numbers.min()), int(day_numbers.max())
        days = {d: day_of(d * DAY_MS) for d in range(first_day, last_day + 1)}
        # One integer per (type, day, country, bot, late) combination, counted by numpy.
        code = (
            ((batch.kind * (1 << 24) + day_numbers) * 256 + batch.country) * 4
            + batch.bot * 2
            + batch.late
        )[valid]
        values, counts = np.unique(code, return_counts=True)
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            flags, rest = value % 4, value // 4
            country, rest = rest % 256, rest // 256
            day, kind = rest % (1 << 24), rest // (1 << 24)
            key = (
                EVENT_TYPES[kind],
                days[day],
                self.countries[country],
                bool(flags & 2),
                bool(flags & 1),
            )
            self.tally[key] += count
        day_list = day_numbers.tolist()
        humans = (valid & ~batch.bot).tolist()
        human_days = [days[d] for d in itertools.compress(day_list, humans)]
        human_anons = list(itertools.compress(batch.anon, humans))
        self.people.update(zip(human_days, human_anons, strict=True))
        users = list(itertools.compress(batch.user, humans))
        self.anon_to_user.update(
            (anon, user) for anon, user in zip(human_anons, users, strict=True) if user is not None
        )
        for target, kind in ((self.day_gross_cents, PURCHASE), (self.day_refund_cents, REFUND)):
            for i in np.flatnonzero(batch.kind == kind).tolist():
                day = days[day_list[i]]
                target[day] += int(batch.cents[i])
                if kind == PURCHASE:
                    self.day_orders[day] += 1

    def add_invalid(self, kind: str, key: bytes, raw: bytes) -> None:
        self.invalid_events += 1
        self.invalid_by_kind[kind] += 1
        self.content_hash += message_hash(key, raw)

    def merge(self, other: ManifestBuilder) -> None:
        self.valid_events += other.valid_events
        self.invalid_events += other.invalid_events
        self.duplicate_events += other.duplicate_events
        self.content_hash += other.content_hash
        self.invalid_by_kind.update(other.invalid_by_kind)
        self.tally.update(other.tally)
        self.day_orders.update(other.day_orders)
        self.day_gross_cents.update(other.day_gross_cents)
        self.day_refund_cents.update(other.day_refund_cents)
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

        def usd(cents: int) -> str:
            return str(Decimal(cents).scaleb(-2))

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
                    "gross_revenue": usd(self.day_gross_cents[day]),
                    "refunds": usd(self.day_refund_cents[day]),
                    "active_users": active[day],
                }
                for day in sorted(day_events)
            },
            "by_country": dict(sorted(self._sum_by(2).items())),
        }
