"""How far the stream job is: the topic's end offsets against the offsets the job committed.

The Kafka source commits its group's offsets when a checkpoint completes, which is also when
the Iceberg sink commits its files. So "committed == end" means every message on the topic is
in the lake (or the dead-letter table); `--stop-after-idle` waits for that plus silence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from ecomlake.config import Settings
from ecomlake.core.topics import topic_partitions
from ecomlake.errors import EcomlakeError

COORDINATOR_MOVING = {
    KafkaError.NOT_COORDINATOR,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
}


@dataclass(frozen=True)
class Position:
    end: int  # messages on the topic (sum of high watermarks minus log starts)
    committed: int  # of those, covered by the job's last completed checkpoint

    @property
    def behind(self) -> int:
        return self.end - self.committed


class OffsetWatcher:
    def __init__(self, settings: Settings, topic: str) -> None:
        self.topic = topic
        self.consumer = Consumer(
            {
                "bootstrap.servers": settings.kafka.bootstrap_servers,
                "group.id": settings.stream.group_id,  # read its offsets, never commit
                "enable.auto.commit": False,
            }
        )
        if topic_partitions(settings.kafka.bootstrap_servers, topic) is None:
            raise EcomlakeError(
                f"Kafka topic {topic!r} does not exist at {settings.kafka.bootstrap_servers}: "
                "run `ecomlake up` (and `ecomlake generate`)"
            )
        self.last: Position | None = None
        self.since = time.monotonic()

    def position(self, attempts: int = 20) -> Position:
        """Retries the broker's transient answers (a fresh broker's group coordinator moves)."""
        for attempt in range(attempts):
            try:
                return self._position()
            except KafkaException as exc:
                error = exc.args[0]
                transient = error.retriable() or error.code() in COORDINATOR_MOVING
                if attempt == attempts - 1 or not transient:
                    raise
                time.sleep(0.5)
        raise AssertionError("unreachable")

    def _position(self) -> Position:
        metadata = self.consumer.list_topics(self.topic, timeout=10)
        parts = [TopicPartition(self.topic, p) for p in metadata.topics[self.topic].partitions]
        committed = {tp.partition: tp.offset for tp in self.consumer.committed(parts, timeout=10)}
        end = done = 0
        for tp in parts:
            low, high = self.consumer.get_watermark_offsets(tp, timeout=10)
            end += high - low
            done += max(committed[tp.partition], low) - low  # no commit yet: -1001
        return Position(end, done)

    def idle_for(self) -> float:
        """Seconds since the last change, 0 while anything is uncommitted."""
        now = self.position()
        if now != self.last or now.behind:
            self.last, self.since = now, time.monotonic()
            return 0.0
        return time.monotonic() - self.since

    def close(self) -> None:
        self.consumer.close()
