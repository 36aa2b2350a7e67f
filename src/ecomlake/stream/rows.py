"""From a raw Kafka message to a lake row: validated, typed, enriched, or rejected with a reason.

One pure function per outcome: the Python reference the stream job's JVM format is checked
against, and the reason for each refused message. The columns are declared with the contract
(`ecomlake.contracts.columns`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ecomlake.contracts import Rejection, load_schema, validate_message
from ecomlake.contracts.columns import EVENT_COLUMNS
from ecomlake.stream.enrich import geo_lookup, parse_user_agent

MONEY_FIELDS = ("price", "unit_price", "total", "amount")
INT_FIELDS = ("schema_version", "quantity", "results_count")
# Every field of the v1 contract, in column order (the schema is the source of truth; a test
# checks that EVENT_COLUMNS covers it).
CONTRACT_FIELDS = [name for name, _ in EVENT_COLUMNS if name in load_schema()["properties"]]


def _timestamp(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).replace(tzinfo=None)


def event_row(event: dict[str, Any], partition: int, offset: int, ingest_ms: int) -> dict[str, Any]:
    """A valid event as a raw.events row (money as Decimal, times as UTC timestamps)."""
    row: dict[str, Any] = {name: event.get(name) for name in CONTRACT_FIELDS}
    when = datetime.fromisoformat(event["event_time"]).replace(tzinfo=None)  # UTC
    row["event_time"] = when
    row["event_date"] = date(when.year, when.month, when.day)
    for name in MONEY_FIELDS:
        if row[name] is not None:
            row[name] = Decimal(row[name])
    for name in INT_FIELDS:  # JSON Schema's integers include 2.0
        if row[name] is not None:
            row[name] = int(row[name])
    if row["items"] is not None:
        row["items"] = [
            {
                "product_id": i["product_id"],
                "quantity": int(i["quantity"]),
                "unit_price": Decimal(i["unit_price"]),
            }
            for i in row["items"]
        ]
    geo = geo_lookup(event["ip"])
    agent = parse_user_agent(event["user_agent"])
    row.update(
        country_code=geo.country_code,
        country_name=geo.country_name,
        as_org=geo.as_org,
        device_type=agent.device_type,
        browser=agent.browser,
        os=agent.os,
        is_bot=agent.is_bot,
        kafka_partition=partition,
        kafka_offset=offset,
        ingest_time=_timestamp(ingest_ms),
    )
    return row


def rejected_row(
    raw: bytes | None, why: Rejection, partition: int, offset: int, ingest_ms: int
) -> dict[str, Any]:
    return {
        "payload": None if raw is None else raw.decode("utf-8", errors="replace"),
        "payload_bytes": raw,
        "reason": why.reason,
        "detail": why.detail,
        "kafka_partition": partition,
        "kafka_offset": offset,
        "ingest_time": _timestamp(ingest_ms),
    }


def process(
    raw: bytes | None, partition: int, offset: int, ingest_ms: int
) -> tuple[bool, dict[str, Any]]:
    """(True, raw.events row) or (False, raw.events_rejected row): nothing is dropped."""
    event, why = validate_message(raw, now=datetime.fromtimestamp(ingest_ms / 1000, UTC))
    if event is None:
        assert why is not None
        return False, rejected_row(raw, why, partition, offset, ingest_ms)
    return True, event_row(event, partition, offset, ingest_ms)
