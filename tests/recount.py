"""An independent recount of a produced stream, to check the generator's manifest against.

It shares nothing with the manifest code but the contract validator and the rates table (the
definition of "valid" and of USD), so a bug in the generator's bookkeeping shows up here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from ecomlake.contracts import validate_message
from ecomlake.core.money import RATES_TO_USD

BOT_MARKERS = ("bot", "spider", "crawler", "facebookexternalhit")
FAR_FUTURE = datetime(2200, 1, 1, tzinfo=UTC)


def is_bot(user_agent: str) -> bool:
    agent = user_agent.lower()
    return any(marker in agent for marker in BOT_MARKERS)


def usd(amount: str, currency: str) -> Decimal:
    return (Decimal(amount) * RATES_TO_USD[currency]).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_EVEN
    )


def recount(messages: Iterable[bytes], now: datetime | None = None) -> dict[str, Any]:
    seen: set[str] = set()
    total = invalid = duplicates = 0
    by_type: Counter[str] = Counter()
    orders: Counter[str] = Counter()
    gross: defaultdict[str, Decimal] = defaultdict(Decimal)
    refunds: defaultdict[str, Decimal] = defaultdict(Decimal)
    people: defaultdict[str, set[str]] = defaultdict(set)
    anon_user: dict[str, str] = {}
    valid_events: list[dict[str, Any]] = []
    for raw in messages:
        total += 1
        event, rejection = validate_message(raw, now=now)
        if event is None:
            assert rejection is not None
            invalid += 1
            continue
        if event["event_id"] in seen:
            duplicates += 1
            continue
        seen.add(event["event_id"])
        valid_events.append(event)
        by_type[event["event_type"]] += 1
        day = event["event_time"][:10]
        if event["event_type"] == "purchase":
            orders[day] += 1
            gross[day] += usd(event["total"], event["currency"])
        if event["event_type"] == "refund":
            refunds[day] += usd(event["amount"], event["currency"])
        if not is_bot(event["user_agent"]):
            people[day].add(event["anonymous_id"])
            if event["user_id"]:
                anon_user[event["anonymous_id"]] = event["user_id"]
    return {
        "total_events": total,
        "valid_events": len(seen),
        "invalid_events": invalid,
        "duplicate_events": duplicates,
        "by_type": dict(by_type),
        "by_day": {
            day: {
                "orders": orders[day],
                "gross_revenue": gross[day],
                "refunds": refunds[day],
                "active_users": len({anon_user.get(a, a) for a in people[day]}),
            }
            for day in sorted(people)
        },
        "events": valid_events,
    }
