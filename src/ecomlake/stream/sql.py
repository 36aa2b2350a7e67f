"""The stream job's SQL: table definitions and the statements that connect them.

Everything here is a string built from settings, so the same plan runs against Kafka and
Iceberg in production and against files in tests (`Endpoints` names the tables to use).

Data flow (one statement set, one Flink job):

    source (ok, rowtime + watermark, payload, typed event columns, partition, offset) = `split`
    (the Kafka format `ecomlake-v1`, JVM: contract, typing, enrichment, once per message)
      -> valid rows, first copy of each event_id (ROW_NUMBER dedup)      = view `valid_events`
           -> raw.events (Iceberg)
           -> 1-minute tumbling windows by country                       = view `metrics_minute`
                -> live.metrics_minute (Iceberg), ecom.metrics.live (Kafka, upsert)
      -> refused rows -> explain_rejection (Python reference, Arrow batches) = view `dead_letters`
           -> raw.events_rejected (Iceberg), ecom.events.dlq (Kafka)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ecomlake.config import Settings
from ecomlake.contracts.columns import EVENT_COLUMNS, REJECTED_COLUMNS, columns_ddl
from ecomlake.core.money import RATES_TO_USD

LAKE_CATALOG = "lake"
EVENTS = f"{LAKE_CATALOG}.`raw`.events"  # `raw` is a keyword in Flink SQL
REJECTED = f"{LAKE_CATALOG}.`raw`.events_rejected"
METRICS = f"{LAKE_CATALOG}.live.metrics_minute"

EVENT_NAMES = [name for name, _ in EVENT_COLUMNS]
REJECTED_NAMES = [name for name, _ in REJECTED_COLUMNS]
# What the source's format (jvm/stream-udf, `ecomlake-v1`) makes of every Kafka value: the
# contract's decision, the time for the watermark (the epoch for a refused message), the
# original bytes, the event's columns (NULL for a refused message) but Kafka's own, which are
# metadata columns, and the USD revenue of a purchase (for the live aggregates). The Java side
# declares the same list and refuses a table that differs.
FORMAT = "ecomlake-v1"
FORMAT_COLUMNS: list[tuple[str, str]] = (
    [("ok", "BOOLEAN"), ("rowtime", "TIMESTAMP(3)"), ("payload", "BYTES")]
    + [(f"e_{n}", k) for n, k in EVENT_COLUMNS if n not in ("kafka_partition", "kafka_offset")]
    + [("revenue_usd", "DECIMAL(14, 2)")]
)
METRICS_COLUMNS: list[tuple[str, str]] = [
    ("window_start", "TIMESTAMP(3)"),
    ("window_end", "TIMESTAMP(3)"),
    ("country_code", "STRING"),  # 'unknown' when the IP has no country
    ("events", "BIGINT"),
    ("orders", "BIGINT"),
    ("revenue_usd", "DECIMAL(16, 2)"),
    ("active_sessions", "BIGINT"),
    ("active_users", "BIGINT"),  # user_id, else anonymous_id; crawlers excluded
]


@dataclass(frozen=True)
class Endpoints:
    """Where the job reads and writes: Kafka + Iceberg by default, anything in tests."""

    source: str = "source_events"
    events: str = EVENTS
    rejected: str = REJECTED
    metrics: str = METRICS
    dlq: str | None = "dlq_sink"  # None: no Kafka copy of the dead letters
    live: str | None = "live_metrics_sink"  # None: no Kafka copy of the live metrics


def source_columns(lateness_s: float) -> str:
    """The format's columns, Kafka's partition and offset, processing time and the watermark
    (declared on the source, so it advances per Kafka partition)."""
    return (
        f"{columns_ddl(FORMAT_COLUMNS)}, "
        "kafka_partition INT METADATA FROM 'partition' VIRTUAL, "
        "kafka_offset BIGINT METADATA FROM 'offset' VIRTUAL, "
        "proctime AS PROCTIME(), "
        f"WATERMARK FOR rowtime AS rowtime - INTERVAL '{lateness_s:g}' SECOND"
    )


def format_options(geo: Path) -> str:
    """The format's options: the geo table (`geo_export`) and the USD rates table."""
    rates = ";".join(f"{code}={rate}" for code, rate in RATES_TO_USD.items())
    path = str(geo).replace("'", "''")
    return f"'format'='{FORMAT}','{FORMAT}.geo'='{path}','{FORMAT}.rates'='{rates}'"


def kafka_source_ddl(settings: Settings, topic: str, geo: Path, name: str = "source_events") -> str:
    k, s = settings.kafka, settings.stream
    return (
        f"CREATE TEMPORARY TABLE {name} ({source_columns(s.allowed_lateness_s)}) WITH ("
        f"'connector'='kafka','topic'='{topic}',"
        f"'properties.bootstrap.servers'='{k.bootstrap_servers}',"
        f"'properties.group.id'='{s.group_id}',"
        # The committed position on a first start; a restart restores the checkpoint's offsets.
        "'scan.startup.mode'='group-offsets','properties.auto.offset.reset'='earliest',"
        f"{format_options(geo)})"
    )


def _transactional(settings: Settings, sink: str) -> str:
    # Exactly-once: records become visible to read_committed consumers on each checkpoint.
    # The timeout must stay under the broker's transaction.max.timeout.ms (15 min default).
    return (
        "'sink.delivery-guarantee'='exactly-once',"
        f"'sink.transactional-id-prefix'='{settings.stream.group_id}-{sink}',"
        "'properties.transaction.timeout.ms'='600000'"
    )


def kafka_dlq_ddl(settings: Settings, name: str = "dlq_sink") -> str:
    k = settings.kafka
    return (
        f"CREATE TEMPORARY TABLE {name} ({columns_ddl(REJECTED_COLUMNS)}) WITH ("
        f"'connector'='kafka','topic'='{k.dlq_topic}',"
        f"'properties.bootstrap.servers'='{k.bootstrap_servers}','format'='json',"
        "'json.timestamp-format.standard'='ISO-8601',"
        f"{_transactional(settings, 'dlq')})"
    )


def kafka_live_ddl(settings: Settings, name: str = "live_metrics_sink") -> str:
    k = settings.kafka
    return (
        f"CREATE TEMPORARY TABLE {name} ({columns_ddl(METRICS_COLUMNS)}, "
        "PRIMARY KEY (window_start, country_code) NOT ENFORCED) WITH ("
        f"'connector'='upsert-kafka','topic'='{k.metrics_topic}',"
        f"'properties.bootstrap.servers'='{k.bootstrap_servers}',"
        "'key.format'='json','value.format'='json',"
        "'key.json.timestamp-format.standard'='ISO-8601',"
        "'value.json.timestamp-format.standard'='ISO-8601',"
        "'value.json.encode.decimal-as-plain-number'='true',"
        f"{_transactional(settings, 'live')})"
    )


def lake_tables_ddl() -> list[str]:
    """The Iceberg tables (created once; the job appends)."""
    return [
        f"CREATE DATABASE IF NOT EXISTS {LAKE_CATALOG}.`raw`",
        f"CREATE DATABASE IF NOT EXISTS {LAKE_CATALOG}.live",
        f"CREATE TABLE IF NOT EXISTS {EVENTS} ({columns_ddl(EVENT_COLUMNS)}) "
        "PARTITIONED BY (event_date, event_type)",
        f"CREATE TABLE IF NOT EXISTS {REJECTED} ({columns_ddl(REJECTED_COLUMNS)})",
        f"CREATE TABLE IF NOT EXISTS {METRICS} ({columns_ddl(METRICS_COLUMNS)})",
    ]


def upgrade_ddl(rejected_columns: set[str]) -> list[str]:
    """ALTERs that bring a lake made by an earlier version up to these columns."""
    missing = [(n, k) for n, k in REJECTED_COLUMNS if n not in rejected_columns]
    return [f"ALTER TABLE {REJECTED} ADD ({columns_ddl(missing)})"] if missing else []


def _quoted(names: list[str], prefix: str = "") -> str:
    return ", ".join(f"`{prefix}{name}`" for name in names)


def views_sql(source: str) -> list[str]:
    """The job's views over `source` (see the module docstring)."""
    events = ", ".join(f"`e_{name}` AS `{name}`" for name in EVENT_NAMES)
    format_names = _quoted([name for name, _ in FORMAT_COLUMNS])
    return [
        # The source's rows under the names the rest uses (a projection: no extra work).
        f"CREATE TEMPORARY VIEW split AS SELECT {format_names}, proctime, "
        f"kafka_partition AS e_kafka_partition, kafka_offset AS e_kafka_offset FROM {source}",
        # Refused messages only, a batch at a time through the Python reference for the reason.
        "CREATE TEMPORARY VIEW dead_letters AS SELECT why.payload AS payload, "
        "why.reason AS reason, why.detail AS detail, kafka_partition, kafka_offset, "
        "ingest_time, payload_bytes FROM (SELECT explain_rejection(payload, e_ingest_time) AS why, "
        "e_kafka_partition AS kafka_partition, e_kafka_offset AS kafka_offset, "
        "e_ingest_time AS ingest_time, payload AS payload_bytes FROM split WHERE NOT ok)",
        # First copy of each event_id wins; ordering by processing time keeps it append-only.
        f"CREATE TEMPORARY VIEW valid_events AS SELECT rowtime, {_quoted(EVENT_NAMES)}, "
        f"revenue_usd FROM (SELECT rowtime, {events}, revenue_usd, ROW_NUMBER() OVER "
        "(PARTITION BY `e_event_id` ORDER BY proctime) AS rn FROM split WHERE ok) WHERE rn = 1",
        "CREATE TEMPORARY VIEW metrics_minute AS SELECT window_start, window_end, "
        "COALESCE(country_code, 'unknown') AS country_code, COUNT(*) AS events, "
        "COUNT(*) FILTER (WHERE event_type = 'purchase') AS orders, "
        "CAST(COALESCE(SUM(revenue_usd), 0) AS DECIMAL(16, 2)) AS revenue_usd, "
        "COUNT(DISTINCT session_id) AS active_sessions, "
        "COUNT(DISTINCT COALESCE(user_id, anonymous_id)) FILTER (WHERE NOT is_bot) "
        "AS active_users "
        "FROM TABLE(TUMBLE(TABLE valid_events, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE)) "
        "GROUP BY window_start, window_end, COALESCE(country_code, 'unknown')",
    ]


def inserts_sql(endpoints: Endpoints) -> list[str]:
    rejected = _quoted(REJECTED_NAMES)
    statements = [
        f"INSERT INTO {endpoints.events} SELECT {_quoted(EVENT_NAMES)} FROM valid_events",
        # Columns named: a table made before payload_bytes existed has it appended.
        f"INSERT INTO {endpoints.rejected} ({rejected}) SELECT {rejected} FROM dead_letters",
        f"INSERT INTO {endpoints.metrics} SELECT * FROM metrics_minute",
    ]
    if endpoints.dlq:
        statements.append(f"INSERT INTO {endpoints.dlq} SELECT {rejected} FROM dead_letters")
    if endpoints.live:
        statements.append(f"INSERT INTO {endpoints.live} SELECT * FROM metrics_minute")
    return statements
