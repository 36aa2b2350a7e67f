"""An independent consumer that reads a whole topic back, for reconciliation."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from confluent_kafka import Consumer, TopicPartition

from ecomlake.generator.manifest import HASH_MOD, message_hash


def read_topic(bootstrap: str, topic: str, timeout_s: float = 60.0) -> list[tuple[bytes, bytes]]:
    """Every (key, value) currently in `topic`, from the start to the high watermarks."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reconcile-{uuid.uuid4()}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "isolation.level": "read_committed",
        }
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        ends = _ends(consumer, topic, partitions)
        settle = time.monotonic() + 10
        while not any(ends.values()) and time.monotonic() < settle:
            # Right after a broker restart a watermark query can answer 0 for a topic that
            # holds records (seen once in CI): ask again before calling the topic empty.
            time.sleep(1)
            ends = _ends(consumer, topic, partitions)
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        remaining = {p for p, end in ends.items() if end > 0}
        out: list[tuple[bytes, bytes]] = []
        deadline = time.monotonic() + timeout_s
        while remaining and time.monotonic() < deadline:
            for msg in consumer.consume(10_000, timeout=1.0):
                error = msg.error()
                if error is not None:
                    raise RuntimeError(error.str())
                out.append((msg.key() or b"", msg.value() or b""))
            # Positions, not the last offsets seen: transactional topics end in commit markers.
            for tp in consumer.position([TopicPartition(topic, p) for p in remaining]):
                if tp.offset >= ends[tp.partition]:
                    remaining.discard(tp.partition)
        assert not remaining, f"partitions not fully read: {sorted(remaining)}"
        return out
    finally:
        consumer.close()


def _ends(consumer: Consumer, topic: str, partitions: Iterable[int]) -> dict[int, int]:
    return {
        p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
        for p in partitions
    }


def content_hash(messages: list[tuple[bytes, bytes]]) -> str:
    return f"{sum(message_hash(k, v) for k, v in messages) % HASH_MOD:016x}"
