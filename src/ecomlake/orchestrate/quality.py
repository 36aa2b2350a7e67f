"""Data-quality checks between the layers, run by ecommerce_daily after dbt, and the
reconciliation of every layer with the generator's manifest that `ecomlake demo` reports.

Each check returns a `Check`; a failing one names the layer boundary and the numbers on both
sides, so the Airflow task that raises it says exactly where the data went wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ecomlake.config import Settings
from ecomlake.core.money import cents
from ecomlake.errors import EcomlakeError


class QualityError(EcomlakeError):
    """A check found the layers disagreeing."""


@dataclass(frozen=True)
class Check:
    layer: str  # e.g. "raw -> curated"
    ok: bool
    message: str

    def raise_if_failed(self) -> Check:
        if not self.ok:
            raise QualityError(f"{self.layer}: {self.message}")
        return self


def _query(settings: Settings, sql: str) -> list[dict[str, Any]]:
    from ecomlake.lake.query import query_rows

    return query_rows(settings, sql)


# --- Kafka -> raw ---------------------------------------------------------------------------
@dataclass(frozen=True)
class KafkaLedger:
    """Every message up to the stream job's committed offsets, and where it went."""

    messages: int
    in_raw: int
    rejected: int
    resends: int  # copies of an event already in raw.events, dropped by the dedup
    lost: int


def kafka_ledger(settings: Settings) -> KafkaLedger:
    committed = _committed_offsets(settings)
    raw = _query(settings, "SELECT kafka_partition AS p, kafka_offset AS o, event_id "
                           "FROM raw.events")  # fmt: skip
    rejected = _query(settings, "SELECT kafka_partition AS p, kafka_offset AS o "
                                "FROM raw.events_rejected")  # fmt: skip
    raw_at = {(r["p"], r["o"]) for r in raw}
    raw_ids = {r["event_id"] for r in raw}
    rejected_at = {(r["p"], r["o"]) for r in rejected}
    messages = in_raw = in_rejected = resends = lost = 0
    for position, event_id in _messages(settings, committed):
        messages += 1
        if position in raw_at:
            in_raw += 1
        elif position in rejected_at:
            in_rejected += 1
        elif event_id in raw_ids:
            resends += 1
        else:
            lost += 1
    return KafkaLedger(messages, in_raw, in_rejected, resends, lost)


def check_kafka_vs_raw(settings: Settings) -> Check:
    ledger = kafka_ledger(settings)
    numbers = (
        f"{ledger.messages:,} messages up to the committed offsets = {ledger.in_raw:,} in "
        f"raw.events + {ledger.rejected:,} in raw.events_rejected + {ledger.resends:,} re-sends "
        f"dropped by dedup"
    )
    if ledger.lost:
        return Check("kafka -> raw", False, f"{ledger.lost:,} messages are in neither table; "
                     f"{numbers} + {ledger.lost:,} lost")  # fmt: skip
    return Check("kafka -> raw", True, numbers)


def _committed_offsets(settings: Settings) -> dict[int, tuple[int, int]]:
    """Per partition: (log start, the stream job's committed offset)."""
    from confluent_kafka import Consumer, TopicPartition

    topic = settings.kafka.events_topic
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka.bootstrap_servers,
            "group.id": settings.stream.group_id,  # read its offsets, never commit
            "enable.auto.commit": False,
        }
    )
    try:
        meta = consumer.list_topics(topic, timeout=10)
        if topic not in meta.topics or meta.topics[topic].error is not None:
            raise EcomlakeError(f"Kafka topic {topic!r} not found: is Kafka up (`ecomlake up`)?")
        parts = [TopicPartition(topic, p) for p in meta.topics[topic].partitions]
        out = {}
        for tp in consumer.committed(parts, timeout=10):
            low, _ = consumer.get_watermark_offsets(tp, timeout=10)
            out[tp.partition] = (low, max(tp.offset, low))  # no commit yet: -1001
        return out
    finally:
        consumer.close()


def _messages(
    settings: Settings, ranges: dict[int, tuple[int, int]]
) -> Iterator[tuple[tuple[int, int], str | None]]:
    """((partition, offset), event_id or None) for each message in the ranges."""
    import orjson
    from confluent_kafka import Consumer, TopicPartition

    topic = settings.kafka.events_topic
    todo = {p: (low, high) for p, (low, high) in ranges.items() if high > low}
    if not todo:
        return
    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers,
                         "group.id": "ecomlake-quality", "enable.auto.commit": False,
                         "enable.partition.eof": False})  # fmt: skip
    try:
        consumer.assign([TopicPartition(topic, p, low) for p, (low, _) in todo.items()])
        remaining = dict(todo)
        idle = 0
        while remaining:
            batch = consumer.consume(10_000, timeout=1.0)
            idle = 0 if batch else idle + 1
            if idle > 30:
                raise EcomlakeError(f"Kafka stopped answering while reading {topic!r}")
            for msg in batch:
                p, o = msg.partition(), msg.offset()
                if msg.error() is not None or p is None or o is None:
                    continue
                if p not in remaining or o >= remaining[p][1]:
                    continue
                try:
                    value = orjson.loads(msg.value() or b"")
                    event_id = value.get("event_id") if isinstance(value, dict) else None
                except orjson.JSONDecodeError:
                    event_id = None
                yield (p, o), event_id if isinstance(event_id, str) else None
                if o + 1 >= remaining[p][1]:
                    del remaining[p]
    finally:
        consumer.close()


# --- raw -> curated -> marts, for one day ---------------------------------------------------
def check_raw_vs_curated(settings: Settings, day: date) -> Check:
    d = day.isoformat()
    [row] = _query(settings, f"""
        SELECT (SELECT count(*) FROM raw.events WHERE event_date = DATE '{d}') AS raw_events,
               (SELECT count(*) FROM curated.events WHERE event_date = DATE '{d}')
                   AS curated_events,
               (SELECT count(DISTINCT order_id) FROM raw.events
                 WHERE event_date = DATE '{d}' AND event_type = 'purchase') AS raw_orders,
               (SELECT count(*) FROM curated.orders WHERE order_date = DATE '{d}')
                   AS curated_orders""")  # fmt: skip
    numbers = (
        f"{d}: raw.events {row['raw_events']:,} vs curated.events {row['curated_events']:,}; "
        f"raw purchases {row['raw_orders']:,} vs curated.orders {row['curated_orders']:,}"
    )
    ok = row["raw_events"] == row["curated_events"] and row["raw_orders"] == row["curated_orders"]
    return Check("raw -> curated", ok, numbers)


def check_curated_vs_marts(settings: Settings, day: date) -> Check:
    d = day.isoformat()
    [row] = _query(settings, f"""
        SELECT (SELECT count(*) FROM curated.orders WHERE order_date = DATE '{d}') AS orders,
               (SELECT coalesce(sum(order_total_base), 0) FROM curated.orders
                 WHERE order_date = DATE '{d}') AS gross,
               (SELECT coalesce(sum(orders), 0) FROM marts.fct_daily_revenue
                 WHERE order_date = DATE '{d}') AS mart_orders,
               (SELECT coalesce(sum(gross_revenue), 0) FROM marts.fct_daily_revenue
                 WHERE order_date = DATE '{d}') AS mart_gross""")  # fmt: skip
    gross, mart_gross = cents(row["gross"]), cents(row["mart_gross"])
    ok = row["orders"] == row["mart_orders"] and gross == mart_gross
    return Check("curated -> marts", ok, (
        f"{d}: curated.orders {row['orders']:,} orders, {_usd(gross)} vs "
        f"marts.fct_daily_revenue {row['mart_orders']:,} orders, {_usd(mart_gross)}"))  # fmt: skip


def _usd(cents: int) -> str:
    return f"${cents / 100:,.2f}"


# --- freshness and keys ---------------------------------------------------------------------
def check_freshness(settings: Settings, end: datetime, now: datetime | None = None) -> Check:
    """raw.events committed after the interval, recently, and curated has absorbed it."""
    from ecomlake.orchestrate.coverage import lake_coverage
    from ecomlake.orchestrate.lake_state import curated_is_current

    now = now or datetime.now(UTC)
    cover = lake_coverage(settings, end)
    if cover.committed_at is None or not cover.covers(end):
        return Check("freshness", False, cover.describe(end))
    age = now - cover.committed_at
    limit = timedelta(hours=settings.orchestrate.max_lake_age_h)
    if age > limit:
        return Check("freshness", False, f"the newest raw.events commit is {_hours(age)} old "
                     f"(limit {_hours(limit)}): is the stream job running?")  # fmt: skip
    current, why = curated_is_current(settings)
    if not current:
        return Check("freshness", False, f"the ETL is behind: {why}")
    return Check("freshness", True, f"raw.events committed {_hours(age)} ago, "
                 f"{cover.behind} messages behind Kafka; curated has absorbed it")  # fmt: skip


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


KEYS = {  # table: key columns
    "curated.events": ("event_id",),
    "curated.orders": ("order_id",),
    "curated.order_items": ("order_id", "line_number"),
    "curated.sessions": ("session_id",),
    "curated.customers": ("person_id",),
    "marts.fct_daily_revenue": ("order_date",),
    "marts.fct_orders": ("order_id",),
}


def check_keys(settings: Settings) -> Check:
    """Keys unique and not null in the curated tables and the marts the checks rely on."""
    problems, counted = [], []
    for table, key in KEYS.items():
        cols = ", ".join(key)
        nulls = " OR ".join(f"{c} IS NULL" for c in key)
        [row] = _query(settings, f"SELECT count(*) AS n, count(*) - (SELECT count(*) FROM "
                       f"(SELECT DISTINCT {cols} FROM {table})) AS dupes, "
                       f"count(*) FILTER (WHERE {nulls}) AS nulls FROM {table}")  # fmt: skip
        counted.append(f"{table} {row['n']:,}")
        if row["dupes"] or row["nulls"]:
            problems.append(f"{table}({cols}): {row['dupes']:,} duplicates, "
                            f"{row['nulls']:,} nulls in {row['n']:,} rows")  # fmt: skip
    if problems:
        return Check("keys", False, "; ".join(problems))
    return Check("keys", True, "unique and not null: " + ", ".join(counted))


# --- the generator's manifest -> every layer (the demo's report) ----------------------------
LAYERS_SQL = """
SELECT (SELECT count(*) FROM raw.events) AS lake_events,
       (SELECT count(DISTINCT event_id) FROM raw.events) AS distinct_ids,
       (SELECT count(*) FROM raw.events_rejected) AS rejected,
       (SELECT count(*) FROM raw.events WHERE is_bot) AS bot_events
"""
CURATED_SQL = """
SELECT (SELECT count(*) FROM curated.events) AS curated_events,
       (SELECT count(*) FROM curated.sessions) AS sessions,
       (SELECT count(*) FROM curated.customers) AS customers
"""
ORDERS_SQL = (
    "SELECT CAST(order_date AS VARCHAR) AS day, count(*) AS orders, "
    "sum(order_total_base) AS gross_usd FROM curated.orders GROUP BY 1 ORDER BY 1"
)
REVENUE_SQL = (
    "SELECT CAST(order_date AS VARCHAR) AS day, orders, gross_revenue, refunds, net_revenue, "
    "aov FROM marts.fct_daily_revenue ORDER BY 1"
)
USERS_SQL = (
    "SELECT CAST(activity_date AS VARCHAR) AS day, dau, wau, mau "
    "FROM marts.fct_daily_active_users ORDER BY 1"
)


@dataclass(frozen=True)
class Reconciled:
    what: str  # e.g. "orders 2026-10-31 -> curated.orders"
    expected: int
    found: int | None  # None: a number of the manifest's, shown for reference

    @property
    def ok(self) -> bool:
        return self.found is None or self.found == self.expected


@dataclass(frozen=True)
class Reconciliation:
    """Each layer against the generator's manifest, and the rows it was read from."""

    lines: list[Reconciled]
    curated: dict[str, Any]
    revenue: list[dict[str, Any]]
    users: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)


def reconcile_manifest(settings: Settings, manifest: dict[str, Any]) -> Reconciliation:
    """Kafka's messages -> raw -> curated -> marts, each against the manifest's exact truth:
    counts per layer, then orders, gross and net revenue (to the cent) and DAU per day."""
    m = manifest
    [lake] = _query(settings, LAYERS_SQL)
    [curated] = _query(settings, CURATED_SQL)
    lines = [
        Reconciled("messages produced", m["total_events"], None),
        Reconciled("valid events (manifest) -> raw.events", m["valid_events"],
                   lake["lake_events"]),
        Reconciled("distinct event_ids in raw.events", m["valid_events"], lake["distinct_ids"]),
        Reconciled("malformed (manifest) -> raw.events_rejected", m["invalid_events"],
                   lake["rejected"]),
        Reconciled("re-sends dropped by dedup", m["duplicate_events"],
                   m["total_events"] - m["invalid_events"] - lake["lake_events"]),
        Reconciled("crawler events (flagged is_bot)", m["bot_events"], lake["bot_events"]),
        Reconciled("raw.events -> curated.events", lake["lake_events"],
                   curated["curated_events"]),
    ]  # fmt: skip
    orders = {row["day"]: row for row in _query(settings, ORDERS_SQL)}
    revenue = _query(settings, REVENUE_SQL)
    marts = {row["day"]: row for row in revenue}
    users = _query(settings, USERS_SQL)
    active = {row["day"]: row["dau"] for row in users}
    for day, truth in m["by_day"].items():
        row = orders.get(day, {"orders": 0, "gross_usd": 0})
        mart = marts.get(day, {"orders": 0, "gross_revenue": 0, "net_revenue": 0})
        gross = cents(truth["gross_revenue"])
        net = gross - cents(truth["refunds"])
        lines += [
            Reconciled(f"orders {day} -> curated.orders", truth["orders"], row["orders"]),
            Reconciled(f"gross cents {day} -> curated.orders", gross, cents(row["gross_usd"])),
            Reconciled(f"orders {day} -> fct_daily_revenue", truth["orders"], mart["orders"]),
            Reconciled(f"gross cents {day} -> fct_daily_revenue", gross,
                       cents(mart["gross_revenue"])),
            Reconciled(f"net cents {day} -> fct_daily_revenue", net, cents(mart["net_revenue"])),
            Reconciled(f"DAU {day} -> fct_daily_active_users", truth["active_users"],
                       active.get(day, 0)),
        ]  # fmt: skip
    return Reconciliation(lines, curated, revenue, users)
