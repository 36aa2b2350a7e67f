"""The lake's raw tables, declared once next to the contract they hold: each column with its
Flink SQL type. The stream job's DDL, the Spark ETL's schema and the JVM format's row
(`jvm/stream-udf`, Columns.java, checked by a test) all follow these lists."""

from __future__ import annotations

MONEY = "DECIMAL(14, 2)"
ITEMS = f"ARRAY<ROW<product_id STRING, quantity INT, unit_price {MONEY}>>"

# raw.events: the contract's fields (payload fields null where a type has none), enrichment,
# and where the message came from.
EVENT_COLUMNS: list[tuple[str, str]] = [
    ("event_id", "STRING"),
    ("event_type", "STRING"),
    ("event_time", "TIMESTAMP(3)"),
    ("event_date", "DATE"),
    ("user_id", "STRING"),
    ("anonymous_id", "STRING"),
    ("session_id", "STRING"),
    ("ip", "STRING"),
    ("user_agent", "STRING"),
    ("page_url", "STRING"),
    ("referrer", "STRING"),
    ("schema_version", "INT"),
    ("traffic_source", "STRING"),
    ("page_type", "STRING"),
    ("product_id", "STRING"),
    ("category", "STRING"),
    ("price", MONEY),
    ("currency", "STRING"),
    ("quantity", "INT"),
    ("unit_price", MONEY),
    ("query", "STRING"),
    ("results_count", "INT"),
    ("order_id", "STRING"),
    ("items", ITEMS),
    ("total", MONEY),
    ("payment_method", "STRING"),
    ("amount", MONEY),
    ("reason", "STRING"),
    ("email", "STRING"),
    ("method", "STRING"),
    ("country_code", "STRING"),
    ("country_name", "STRING"),
    ("as_org", "STRING"),
    ("device_type", "STRING"),
    ("browser", "STRING"),
    ("os", "STRING"),
    ("is_bot", "BOOLEAN"),
    ("kafka_partition", "INT"),
    ("kafka_offset", "BIGINT"),
    ("ingest_time", "TIMESTAMP(3)"),
]
# raw.events_rejected: the original message and why it was refused. `payload` is readable
# (bytes that are not UTF-8 replaced by U+FFFD); `payload_bytes` is the message exactly, for
# replay (last: tables made before it existed gain it at the end). Both are NULL for a record
# without a value.
REJECTED_COLUMNS: list[tuple[str, str]] = [
    ("payload", "STRING"),
    ("reason", "STRING"),
    ("detail", "STRING"),
    ("kafka_partition", "INT"),
    ("kafka_offset", "BIGINT"),
    ("ingest_time", "TIMESTAMP(3)"),
    ("payload_bytes", "BYTES"),
]


def columns_ddl(columns: list[tuple[str, str]]) -> str:
    """`name TYPE, ...` for Flink SQL (names quoted: some, like `query`, are keywords)."""
    return ", ".join(f"`{name}` {kind}" for name, kind in columns)
