"""The live page's numbers, folded from raw.events rows as the stream job commits them.

Time on the live page is the *stream clock*: the newest event time the lake holds. With the
generator running live it is "now"; over a backfill (the demo's two days) the page shows the
last hour of that data instead of an empty chart. "Today" is the stream clock's day (UTC).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from ecomlake.core.money import to_usd

# What the live page reads of raw.events (not the payload-sized columns).
COLUMNS = [
    "event_type",
    "event_time",
    "user_id",
    "anonymous_id",
    "session_id",
    "product_id",
    "category",
    "items",
    "total",
    "currency",
    "country_code",
    "is_bot",
]
MINUTE_MS = 60_000
# Closed-funnel steps as bits: a session counts at a step only if it reached all before it.
STEP_BITS = {"product_view": 1, "add_to_cart": 2, "checkout_started": 4, "purchase": 8}
FUNNEL = [("product_view", 1), ("cart", 3), ("checkout", 7), ("purchase", 15)]
ACTIVE_WINDOW_MIN = 5  # "active users" = distinct people in the last 5 minutes
TOP_PRODUCTS = 10
FOLD_SLICE = 5_000


@dataclass
class Minute:
    events: int = 0
    orders: int = 0
    revenue: Decimal = Decimal(0)
    people: set[str] = field(default_factory=set)
    views: Counter[str] = field(default_factory=Counter)
    cart_adds: Counter[str] = field(default_factory=Counter)
    units: Counter[str] = field(default_factory=Counter)


@dataclass
class Day:
    events: int = 0
    orders: int = 0
    revenue: Decimal = Decimal(0)
    country_revenue: defaultdict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    country_orders: Counter[str] = field(default_factory=Counter)
    sessions: dict[str, int] = field(default_factory=dict)  # session -> STEP_BITS reached


def _cents(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


class LiveAggregates:
    """Per-minute buckets over the last `horizon_min` minutes, and per-day totals for the
    stream clock's day and the one before it (late events land in yesterday's totals)."""

    def __init__(self, horizon_min: int = 60) -> None:
        self.horizon_min = horizon_min
        self.clock_ms: int | None = None
        self.minutes: dict[int, Minute] = {}
        self.days: dict[date, Day] = {}
        self.products: dict[str, str] = {}  # product_id -> category
        self.rows = 0

    def fold(self, rows: pa.Table) -> None:
        # In slices: converting a column to Python objects holds the GIL for the whole call,
        # and the web server's requests wait behind it (a 200k-row seed stalled them 0.9 s).
        for offset in range(0, rows.num_rows, FOLD_SLICE):
            self._fold(rows.slice(offset, FOLD_SLICE))

    def _fold(self, rows: pa.Table) -> None:
        column = rows.column("event_time")
        times = column.cast(pa.timestamp("ms", column.type.tz)).cast(pa.int64()).to_pylist()
        if not times:
            return
        newest = max(t for t in times if t is not None)
        self.clock_ms = max(self.clock_ms or newest, newest)
        floor = self.clock_ms - self.horizon_min * MINUTE_MS
        oldest_day = self._day(self.clock_ms) - timedelta(days=1)
        cols = {name: rows.column(name).to_pylist() for name in COLUMNS if name != "event_time"}
        for i, ms in enumerate(times):
            self.rows += 1
            kind, bot = cols["event_type"][i], bool(cols["is_bot"][i])
            day_key = self._day(ms)
            day = self.days.setdefault(day_key, Day()) if day_key >= oldest_day else None
            minute = self.minutes.setdefault(ms - ms % MINUTE_MS, Minute()) if ms >= floor else None
            product = cols["product_id"][i]
            if product is not None and cols["category"][i] is not None:
                self.products[product] = cols["category"][i]
            for bucket in (day, minute):
                if bucket is not None:
                    bucket.events += 1
            if kind == "purchase":
                revenue = to_usd(cols["total"][i], cols["currency"][i])
                country = cols["country_code"][i] or "unknown"
                if day is not None:
                    day.orders += 1
                    day.revenue += revenue
                    day.country_revenue[country] += revenue
                    day.country_orders[country] += 1
                if minute is not None:
                    minute.orders += 1
                    minute.revenue += revenue
                    for item in cols["items"][i] or []:
                        minute.units[item["product_id"]] += item["quantity"]
            if bot:
                continue
            session = cols["session_id"][i]
            if day is not None and session is not None:
                day.sessions[session] = day.sessions.get(session, 0) | STEP_BITS.get(kind, 0)
            if minute is not None:
                person = cols["user_id"][i] or cols["anonymous_id"][i]
                if person is not None:
                    minute.people.add(person)
                if kind == "product_view" and product is not None:
                    minute.views[product] += 1
                elif kind == "add_to_cart" and product is not None:
                    minute.cart_adds[product] += 1
        self._prune(floor, oldest_day)

    @staticmethod
    def _day(ms: int) -> date:
        return datetime.fromtimestamp(ms / 1000, UTC).date()

    def _prune(self, floor: int, oldest_day: date) -> None:
        for key in [k for k in self.minutes if k < floor - floor % MINUTE_MS]:
            del self.minutes[key]
        for day in [d for d in self.days if d < oldest_day]:
            del self.days[day]

    def view(self) -> dict[str, Any]:
        """The numbers the live page shows, JSON-ready."""
        if self.clock_ms is None:
            return {"empty": True, "clock": None, "day": None, "rows_read": 0}
        now_minute = self.clock_ms - self.clock_ms % MINUTE_MS
        series = []
        for k in range(self.horizon_min - 1, -1, -1):
            start = now_minute - k * MINUTE_MS
            m = self.minutes.get(start, Minute())
            series.append(
                {
                    "minute": _iso(start),
                    "events": m.events,
                    "orders": m.orders,
                    "revenue_usd": _cents(m.revenue),
                    "active_users": len(m.people),
                }
            )
        recent = [
            self.minutes[k] for k in self.minutes if k > now_minute - ACTIVE_WINDOW_MIN * MINUTE_MS
        ]
        active = set().union(*(m.people for m in recent)) if recent else set()
        views: Counter[str] = Counter()
        carts: Counter[str] = Counter()
        units: Counter[str] = Counter()
        for m in self.minutes.values():
            views.update(m.views)
            carts.update(m.cart_adds)
            units.update(m.units)
        top = [
            {
                "product_id": product,
                "category": self.products.get(product),
                "views": views[product],
                "cart_adds": carts[product],
                "units": units[product],
            }
            for product, _ in views.most_common(TOP_PRODUCTS)
        ]
        today_key = self._day(self.clock_ms)
        today = self.days.get(today_key, Day())
        human = list(today.sessions.values())
        return {
            "empty": False,
            "clock": _iso(self.clock_ms),
            "day": today_key.isoformat(),
            "rows_read": self.rows,
            "minutes": series,
            "active_users": len(active),
            "active_window_min": ACTIVE_WINDOW_MIN,
            "top_products": top,
            "today": {
                "events": today.events,
                "orders": today.orders,
                "revenue_usd": _cents(today.revenue),
                "by_country": [
                    {
                        "country_code": country,
                        "revenue_usd": _cents(revenue),
                        "orders": today.country_orders[country],
                    }
                    for country, revenue in sorted(
                        today.country_revenue.items(), key=lambda kv: (-kv[1], kv[0])
                    )
                ],
                "funnel": {"sessions": len(human)}
                | {step: sum(1 for b in human if b & bits == bits) for step, bits in FUNNEL},
            },
        }
