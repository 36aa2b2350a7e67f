"""Each curated-layer transform on small fixed frames: boundaries, stitching, money, PII, bots."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from pyspark.sql import SparkSession
from pyspark.testing import assertDataFrameEqual

from ecomlake.batch.transforms import (
    build_customers,
    build_order_items,
    build_orders,
    build_sessions,
    clean_events,
    curate_events,
    currency_rates,
    deduplicate,
    first_copies,
)
from tests.spark.conftest import at, curated_frame, raw_frame, raw_row

SALT = "test-salt-123"
pytestmark = pytest.mark.unit


def curate(spark: SparkSession, rows: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    base = deduplicate(clean_events(raw_frame(spark, rows), SALT))
    return curate_events(
        base, currency_rates(spark), gap_min=30, bot_min_events=20, bot_max_mean_gap_s=5.0
    )


def test_pii_is_pseudonymized(spark: SparkSession) -> None:
    rows = [
        raw_row(1, event_type="user_signup", email=" Ann@Example.com ", user_id="U1"),
        raw_row(2, ip="2001:DB8:85a3:8d3:1319:8a2e:370:7348"),
        raw_row(3, ip="unknown"),
    ]
    out = clean_events(raw_frame(spark, rows), SALT)
    assert "email" not in out.columns and "ip" not in out.columns
    got = {r.event_id: (r.email_hash, r.ip_prefix) for r in out.collect()}
    digest = hashlib.sha256(f"{SALT}ann@example.com".encode()).hexdigest()
    assert got == {
        "e1": (digest, "203.0.113.0"),
        "e2": (None, "2001:db8:85a3::"),
        "e3": (None, None),
    }


def test_deduplicate_keeps_first_ingested_copy(spark: SparkSession) -> None:
    rows = [
        raw_row(1, page_url="/late-copy", ingest_time=at(500), kafka_offset=9),
        raw_row(1, page_url="/first-copy", ingest_time=at(5), kafka_offset=3),
        raw_row(2),
    ]
    out = deduplicate(clean_events(raw_frame(spark, rows), SALT))
    assert sorted((r.event_id, r.page_url) for r in out.collect()) == [
        ("e1", "/first-copy"),
        ("e2", "/p/2"),
    ]


def test_an_id_reused_for_another_persons_event_keeps_the_first_copy_only(
    spark: SparkSession,
) -> None:
    rows = [
        raw_row(1, anonymous_id="A1", page_url="/first", ingest_time=at(5), kafka_offset=3),
        # The same id, hours later, from another device: not a re-send, still one event.
        raw_row(1, anonymous_id="B7", page_url="/reused", ingest_time=at(9000), kafka_offset=8),
        raw_row(1, anonymous_id="A1", page_url="/first", ingest_time=at(5), kafka_offset=3),
        raw_row(2, anonymous_id="B7"),
    ]
    base = first_copies(clean_events(raw_frame(spark, rows), SALT))
    out = curate_events(
        base, currency_rates(spark), gap_min=30, bot_min_events=20, bot_max_mean_gap_s=5.0
    )
    assert sorted((r.event_id, r.person_id, r.page_url) for r in out.collect()) == [
        ("e1", "A1", "/first"),
        ("e2", "B7", "/p/2"),
    ]


def test_stitching_applies_to_earlier_events_and_all_devices(spark: SparkSession) -> None:
    rows = [
        raw_row(1, anonymous_id="A1", at=0),  # before the login: still the user
        raw_row(2, anonymous_id="A1", event_type="user_login", user_id="U1", at=60),
        raw_row(3, anonymous_id="A2", event_type="user_login", user_id="U1", at=5000),
        raw_row(4, anonymous_id="A2", at=5060),
        raw_row(5, anonymous_id="A3", at=70),  # never identified: the device itself
    ]
    out = curate(spark, rows)
    assert {r.event_id: r.person_id for r in out.collect()} == {
        "e1": "U1",
        "e2": "U1",
        "e3": "U1",
        "e4": "U1",
        "e5": "A3",
    }


def test_sessions_split_after_30_minutes_of_inactivity(spark: SparkSession) -> None:
    rows = [
        raw_row(1, at=0, session_id="c1"),
        raw_row(2, at=1800, session_id="c1"),  # exactly 30 min later: same session
        raw_row(3, at=3600.001, session_id="c1"),  # 30 min + 1 ms: a new one, same client id
        # Refunds belong to orders, not to visits.
        raw_row(4, at=3700, event_type="refund", order_id="O1", currency="USD"),
    ]
    out = {r.event_id: r.session_id for r in curate(spark, rows).collect()}
    assert out["e1"] == out["e2"] != out["e3"]
    assert out["e4"] is None


def test_bot_rule_user_agent_and_behaviour(spark: SparkSession) -> None:
    crawler = [raw_row(i, anonymous_id="B1", is_bot=True, at=i * 60) for i in range(1, 4)]
    fast = [raw_row(100 + i, anonymous_id="F1", at=i * 2) for i in range(20)]  # 20 hits, 2 s
    short = [raw_row(200 + i, anonymous_id="S1", at=i * 2) for i in range(19)]  # only 19
    slow = [raw_row(300 + i, anonymous_id="H1", at=i * 10) for i in range(25)]  # 10 s apart
    out = curate(spark, crawler + fast + short + slow)
    rules = {(r.anonymous_id, r.is_bot, r.bot_rule) for r in out.collect()}
    assert rules == {
        ("B1", True, "user_agent"),
        ("F1", True, "behaviour"),
        ("S1", False, None),
        ("H1", False, None),
    }


def test_orders_convert_half_even_and_sum_refunds(spark: SparkSession) -> None:
    items = [{"product_id": "P1", "quantity": 2, "unit_price": Decimal("0.25")}]
    rows = [
        # CAD 0.50 x 0.73 = 0.365 -> 0.36 half-even (half-up would say 0.37)
        raw_row(1, event_type="purchase", order_id="O1", total=Decimal("0.50"),
                currency="CAD", items=items, payment_method="card", at=100),
        raw_row(2, event_type="refund", order_id="O1", amount=Decimal("0.25"), currency="CAD",
                at=90_000),  # 0.1825 -> 0.18
        raw_row(3, event_type="refund", order_id="O1", amount=Decimal("0.25"), currency="CAD",
                at=95_000),
        # JPY 1234 x 0.0067 = 8.2678 -> 8.27
        raw_row(4, event_type="purchase", order_id="O2", total=Decimal("1234"),
                currency="JPY", anonymous_id="A9",
                items=[{"product_id": "P2", "quantity": 1, "unit_price": Decimal("1234")}]),
    ]  # fmt: skip
    events = curate(spark, rows)
    orders = build_orders(events).select(
        "order_id", "order_date", "person_id", "currency", "order_total", "order_total_base",
        "refunded_base", "refunds",
    )  # fmt: skip
    expected = [
        ("O1", at(100).date(), "A1", "CAD", Decimal("0.50"), Decimal("0.36"), Decimal("0.36"), 2),
        ("O2", at(4).date(), "A9", "JPY", Decimal("1234.00"), Decimal("8.27"), Decimal("0"), 0),
    ]
    assertDataFrameEqual(orders, spark.createDataFrame(expected, orders.schema))
    lines = build_order_items(events, currency_rates(spark)).select(
        "order_id", "line_number", "product_id", "quantity", "line_total", "line_total_base"
    )
    assertDataFrameEqual(
        lines,
        spark.createDataFrame(
            [
                ("O1", 1, "P1", 2, Decimal("0.50"), Decimal("0.36")),
                ("O2", 1, "P2", 1, Decimal("1234.00"), Decimal("8.27")),
            ],
            lines.schema,
        ),
    )


def test_sessions_table(spark: SparkSession) -> None:
    rows = [
        {"event_id": "e1", "event_type": "page_view", "event_time": at(0), "person_id": "U1",
         "session_id": "s1", "page_url": "/home", "device_type": "mobile",
         "country_code": "DE"},
        {"event_id": "e2", "event_type": "product_view", "event_time": at(30),
         "person_id": "U1", "session_id": "s1", "page_url": "/p/1", "country_code": "FR"},
        {"event_id": "e3", "event_type": "purchase", "event_time": at(95), "person_id": "U1",
         "session_id": "s1", "value_base": Decimal("12.34"), "order_id": "O1"},
        {"event_id": "e4", "event_type": "page_view", "event_time": at(9000),
         "person_id": "U1", "session_id": "s2", "page_url": "/again", "is_bot": True},
    ]  # fmt: skip
    sessions = build_sessions(curated_frame(spark, rows)).select(
        "session_id", "person_id", "duration_s", "events", "page_views", "landing_page",
        "device_type", "country_code", "converted", "orders", "revenue_base", "is_bot",
    )  # fmt: skip
    expected = [
        ("s1", "U1", 95, 3, 2, "/home", "mobile", "DE", True, 1, Decimal("12.34"), False),
        ("s2", "U1", 0, 1, 1, "/again", None, None, False, 0, Decimal("0.00"), True),
    ]
    assertDataFrameEqual(sessions, spark.createDataFrame(expected, sessions.schema))


def test_customers_table(spark: SparkSession) -> None:
    rows = [
        {"event_id": "e1", "event_type": "page_view", "event_time": at(0), "person_id": "U1",
         "anonymous_id": "A1", "country_code": "GB"},
        {"event_id": "e2", "event_type": "user_signup", "event_time": at(50),
         "person_id": "U1", "anonymous_id": "A1", "user_id": "U1", "country_code": "US"},
        {"event_id": "e3", "event_type": "purchase", "event_time": at(60), "person_id": "U1",
         "anonymous_id": "A2", "user_id": "U1", "order_id": "O1", "total": Decimal("10.00"),
         "currency": "USD", "value_base": Decimal("10.00"), "items": []},
        {"event_id": "e4", "event_type": "refund", "event_time": at(99_000),
         "person_id": "U1", "anonymous_id": "A2", "user_id": "U1", "order_id": "O1",
         "amount": Decimal("4.00"), "currency": "USD", "value_base": Decimal("4.00")},
        {"event_id": "e5", "event_type": "page_view", "event_time": at(5), "person_id": "A7",
         "anonymous_id": "A7", "is_bot": True},
    ]  # fmt: skip
    events = curated_frame(spark, rows)
    customers = build_customers(events, build_orders(events)).select(
        "person_id", "first_seen", "first_country_code", "signup_time", "first_order_time",
        "lifetime_orders", "lifetime_revenue_base", "lifetime_refunds_base", "is_identified",
        "devices", "is_bot",
    )  # fmt: skip
    expected = [
        ("U1", at(0), "GB", at(50), at(60), 1, Decimal("10.00"), Decimal("4.00"), True, 2,
         False),
        ("A7", at(5), None, None, None, 0, Decimal("0.00"), Decimal("0.00"), False, 1, True),
    ]  # fmt: skip
    assertDataFrameEqual(customers, spark.createDataFrame(expected, customers.schema))
