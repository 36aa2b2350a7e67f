"""Does the lake cover a data interval? What ecommerce_daily's sensor pokes.

The stream job commits raw.events at each checkpoint. An interval is covered once a snapshot
was committed after the interval's end and that snapshot holds either an event from at or after
the end (event time moved past it) or everything on the topic (the job has caught up with
Kafka, which is how a bounded backfill ends: nothing later will come).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime

from ecomlake.config import Settings

EVENTS = ("raw", "events")


@dataclass(frozen=True)
class Coverage:
    snapshot_id: int | None
    committed_at: datetime | None
    reaches_end: bool  # an event at or after the interval's end is in the lake
    behind: int | None  # Kafka messages not yet in the lake; None when Kafka is unreachable

    def covers(self, end: datetime) -> bool:
        if self.committed_at is None or self.committed_at < end:
            return False
        return self.reaches_end or self.behind == 0

    def describe(self, end: datetime) -> str:
        if self.snapshot_id is None or self.committed_at is None:
            return "raw.events has no snapshot yet: is the stream job running (`ecomlake stream`)?"
        lag = "Kafka unreachable" if self.behind is None else f"{self.behind:,} messages behind"
        later = "has" if self.reaches_end else "no"
        verdict = "covers" if self.covers(end) else "does not cover"
        return (
            f"raw.events snapshot {self.snapshot_id} (committed "
            f"{self.committed_at:%Y-%m-%d %H:%M:%S} UTC, {lag}, {later} event at or after the end) "
            f"{verdict} the interval ending {end:%Y-%m-%d %H:%M} UTC"
        )


def lake_coverage(settings: Settings, end: datetime) -> Coverage:
    from pyiceberg.exceptions import NoSuchTableError

    from ecomlake.lake.catalog import open_catalog

    try:
        table = open_catalog(settings).load_table(EVENTS)
    except NoSuchTableError:
        return Coverage(None, None, False, None)
    snapshot = table.current_snapshot()
    if snapshot is None:
        return Coverage(None, None, False, None)
    committed = datetime.fromtimestamp(snapshot.timestamp_ms / 1000, UTC)
    # Partition pruning on event_date makes this read at most the days after the end.
    later = table.scan(
        row_filter=f"event_date >= '{end.date().isoformat()}'",
        selected_fields=("event_time",),
        snapshot_id=snapshot.snapshot_id,
    ).to_arrow()
    naive_end = end.astimezone(UTC).replace(tzinfo=None)
    reaches = any(t is not None and t >= naive_end for t in later.column("event_time").to_pylist())
    return Coverage(snapshot.snapshot_id, committed, reaches, kafka_behind(settings))


def kafka_behind(settings: Settings) -> int | None:
    from confluent_kafka import KafkaException

    from ecomlake.core.offsets import OffsetWatcher
    from ecomlake.core.process import port_open
    from ecomlake.errors import EcomlakeError

    if not port_open(settings.kafka.host, settings.kafka.port):
        return None  # a client would retry (and log) for many seconds
    with contextlib.suppress(KafkaException, EcomlakeError):
        watcher = OffsetWatcher(settings, settings.kafka.events_topic)
        try:
            return watcher.position(attempts=3).behind
        finally:
            watcher.close()
    return None
