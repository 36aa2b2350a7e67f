"""The live page's arithmetic (LiveAggregates) and the commit tail over a real Iceberg table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from pyiceberg.catalog.sql import SqlCatalog

from ecomlake.core.money import to_usd
from ecomlake.dashboard.live import COLUMNS, LiveAggregates
from ecomlake.dashboard.tail import AppendTail

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 27, 12, 30, 15, tzinfo=UTC)
ITEM = pa.struct([("product_id", pa.string()), ("quantity", pa.int32()),
                  ("unit_price", pa.decimal128(14, 2))])  # fmt: skip
SCHEMA = pa.schema(
    [
        ("event_type", pa.string()),
        ("event_time", pa.timestamp("us")),
        ("user_id", pa.string()),
        ("anonymous_id", pa.string()),
        ("session_id", pa.string()),
        ("product_id", pa.string()),
        ("category", pa.string()),
        ("items", pa.list_(ITEM)),
        ("total", pa.decimal128(14, 2)),
        ("currency", pa.string()),
        ("country_code", pa.string()),
        ("is_bot", pa.bool_()),
    ]
)


def event(
    kind: str, ago_s: float, session: str, person: str | None = "u1", **fields: Any
) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row |= {"event_type": kind, "event_time": (NOW - timedelta(seconds=ago_s)).replace(tzinfo=None),
            "session_id": session, "user_id": person, "is_bot": False}  # fmt: skip
    return row | fields


def purchase(ago_s: float, session: str, total: str, currency: str, country: str | None,
             units: int = 1) -> dict[str, Any]:  # fmt: skip
    items = [{"product_id": "P1", "quantity": units, "unit_price": Decimal(total)}]
    return event("purchase", ago_s, session, total=Decimal(total), currency=currency,
                 country_code=country, items=items)  # fmt: skip


def table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def test_today_totals_are_exact_to_the_cent_and_by_country() -> None:
    live = LiveAggregates()
    live.fold(table([
        purchase(10, "s1", "19.99", "EUR", "DE"),
        purchase(20, "s2", "1990", "JPY", "JP", units=2),
        purchase(30, "s3", "5.01", "USD", None),
        purchase(40, "s4", "0.99", "EUR", "DE"),
    ]))  # fmt: skip
    view = live.view()
    expected = {
        "DE": to_usd(Decimal("19.99"), "EUR") + to_usd(Decimal("0.99"), "EUR"),
        "JP": to_usd(Decimal("1990"), "JPY"),
        "unknown": Decimal("5.01"),
    }
    assert view["today"]["orders"] == 4
    assert Decimal(str(view["today"]["revenue_usd"])) == sum(expected.values())
    shown = {c["country_code"]: Decimal(str(c["revenue_usd"])) for c in view["today"]["by_country"]}
    assert shown == expected
    ranked = [c["revenue_usd"] for c in view["today"]["by_country"]]
    assert ranked == sorted(ranked, reverse=True)
    assert view["clock"] == "2026-11-27T12:30:05Z" and view["day"] == "2026-11-27"


def test_funnel_is_closed_and_ignores_bots() -> None:
    live = LiveAggregates()
    live.fold(table([
        # s1: the whole funnel; s2: view and cart; s3: cart without a view (not counted at
        # cart); s4: a bot that buys (excluded everywhere); s5: only a page view.
        event("product_view", 50, "s1"), event("add_to_cart", 40, "s1"),
        event("checkout_started", 30, "s1"), purchase(20, "s1", "10.00", "USD", "US"),
        event("product_view", 50, "s2", "u2"), event("add_to_cart", 45, "s2", "u2"),
        event("add_to_cart", 50, "s3", "u3"),
        event("product_view", 50, "s4", "bot", is_bot=True),
        event("add_to_cart", 40, "s4", "bot", is_bot=True),
        event("page_view", 10, "s5", None, anonymous_id="a5"),
    ]))  # fmt: skip
    view = live.view()
    assert view["today"]["funnel"] == {"sessions": 4, "product_view": 2, "cart": 2,
                                       "checkout": 1, "purchase": 1}  # fmt: skip
    assert view["active_users"] == 4  # u1, u2, u3, a5: not the bot
    assert view["today"]["events"] == 10  # bots are events too


def test_minutes_window_and_days_follow_the_stream_clock() -> None:
    live = LiveAggregates(horizon_min=60)
    live.fold(table([
        event("page_view", 0, "s1"),
        event("page_view", 6 * 60, "s2", "u2"),  # outside the 5-minute active window
        event("page_view", 2 * 3600, "s3", "u3"),  # today, but before the 60-minute horizon
        event("page_view", 13 * 3600, "s4", "u4"),  # yesterday (late)
        event("page_view", 40 * 3600, "s5", "u5"),  # the day before yesterday: dropped
    ]))  # fmt: skip
    view = live.view()
    assert len(view["minutes"]) == 60
    assert view["minutes"][-1]["minute"] == "2026-11-27T12:30:00Z"
    assert sum(m["events"] for m in view["minutes"]) == 2
    assert view["active_users"] == 1
    assert view["today"]["events"] == 3
    assert set(live.days) == {date(2026, 11, 27), date(2026, 11, 26)}
    # A later batch moves the clock; buckets that fall out of the horizon are dropped.
    later = event("page_view", 0, "s9", "u9")
    later["event_time"] = (NOW + timedelta(hours=2)).replace(tzinfo=None)
    live.fold(table([later]))
    assert sum(m["events"] for m in live.view()["minutes"]) == 1


def test_top_products_rank_views_with_carts_and_units() -> None:
    live = LiveAggregates()
    rows = [event("product_view", i, f"s{i}", f"u{i}", product_id="P1", category="phones")
            for i in range(3)]  # fmt: skip
    rows += [event("product_view", 5, "s9", "u9", product_id="P2", category="books"),
             event("add_to_cart", 4, "s9", "u9", product_id="P2", category="books"),
             purchase(3, "s9", "12.00", "USD", "US", units=3)]  # fmt: skip
    live.fold(table(rows))
    top = live.view()["top_products"]
    assert [(p["product_id"], p["views"]) for p in top] == [("P1", 3), ("P2", 1)]
    assert top[1]["cart_adds"] == 1 and top[0]["category"] == "phones"
    assert top[0]["units"] == 3  # the purchase's line items name P1


def test_empty_view() -> None:
    assert LiveAggregates().view() == {"empty": True, "clock": None, "day": None, "rows_read": 0}


def test_tail_reads_only_what_each_append_added(tmp_path: Path) -> None:
    catalog = SqlCatalog("t", uri=f"sqlite:///{tmp_path / 'c.db'}",
                         warehouse=f"file://{tmp_path / 'wh'}")  # fmt: skip
    catalog.create_namespace("raw")
    iceberg = catalog.create_table("raw.events", schema=pa.schema([("n", pa.int64())]))
    tail = AppendTail(iceberg, ["n"])
    iceberg.append(pa.table({"n": [1, 2]}))
    commits, rows = tail.poll()
    assert [c.operation for c in commits] == ["append"] and rows is not None
    assert rows.column("n").to_pylist() == [1, 2]
    assert tail.poll() == ([], None)
    iceberg.append(pa.table({"n": [3]}))
    iceberg.append(pa.table({"n": [4, 5]}))
    commits, rows = tail.poll()
    assert [c.added_records for c in commits] == [1, 2]
    assert rows is not None and sorted(rows.column("n").to_pylist()) == [3, 4, 5]
    # A delete rewrites a file with the rows it keeps: a commit, but no new events.
    iceberg.delete("n = 4")
    commits, rows = tail.poll()
    assert rows is None and [c.operation for c in commits] == ["overwrite"]
    # A tail that starts after a seed scan skips what the seed covered.
    fresh = AppendTail(catalog.load_table("raw.events"), ["n"])
    seeded = fresh.skip_through(fresh.table.current_snapshot())
    assert len(seeded) == len(fresh.table.snapshots())
    iceberg.append(pa.table({"n": [6]}))
    assert fresh.poll()[1].column("n").to_pylist() == [6]  # type: ignore[union-attr]
