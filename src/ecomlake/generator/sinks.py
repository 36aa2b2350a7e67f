"""Where generated messages go: a Kafka topic (the real thing) or a JSONL file."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

from confluent_kafka import KafkaError, Producer


class Sink(Protocol):
    def send(self, key: bytes, value: bytes) -> None: ...

    def send_many(self, keys: list[bytes], values: list[bytes]) -> None:
        """Send in order; the hot path of a backfill."""
        ...

    def close(self) -> tuple[int, int]:
        """Flush; return (delivered, delivery errors)."""
        ...


def producer_config(bootstrap: str) -> dict[str, Any]:
    """Exactly-once-per-partition producing, tuned for throughput on a small machine."""
    return {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,  # retries never duplicate or reorder
        "acks": "all",
        "compression.type": "lz4",
        "linger.ms": 25,
        "batch.size": 1_000_000,
        "batch.num.messages": 10_000,
        "queue.buffering.max.messages": 500_000,
        "queue.buffering.max.kbytes": 524_288,
        # Keep retrying through a broker restart instead of failing messages.
        "message.timeout.ms": 300_000,
        "message.max.bytes": 1_000_000,
        # Delivery reports only for failures: a Python callback per message costs throughput.
        "delivery.report.only.error": True,
        "log_level": 3,
    }


class KafkaSink:
    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        # The default delivery callback: called for failed messages only (see the config).
        self.producer = Producer({**producer_config(bootstrap), "on_delivery": self._on_delivery})
        self.sent = 0
        self.errors = 0
        self.first_error: str | None = None
        self._lock = threading.Lock()
        self._since_poll = 0

    def _on_delivery(self, err: KafkaError | None, _msg: object) -> None:
        if err is None:
            return
        with self._lock:
            self.errors += 1
            self.first_error = self.first_error or err.str()

    def _produce_waiting(self, key: bytes, value: bytes) -> None:
        while True:
            try:
                self.producer.produce(self.topic, value, key)
                return
            except BufferError:
                self.producer.poll(0.05)  # local queue full: wait for deliveries, never drop

    def send(self, key: bytes, value: bytes) -> None:
        self._produce_waiting(key, value)
        self.sent += 1
        self._since_poll += 1
        if self._since_poll >= 1_000:
            self.producer.poll(0)
            self._since_poll = 0

    def send_many(self, keys: list[bytes], values: list[bytes]) -> None:
        produce, topic = self.producer.produce, self.topic
        for key, value in zip(keys, values, strict=True):
            try:
                produce(topic, value, key)
            except BufferError:
                self._produce_waiting(key, value)
        self.sent += len(values)
        self.producer.poll(0)

    def close(self) -> tuple[int, int]:
        remaining = self.producer.flush(600)
        if remaining:
            self.errors += remaining
            self.first_error = self.first_error or f"{remaining} messages not delivered in time"
        return self.sent - self.errors, self.errors


class FileSink:
    """One message per line (the generator never puts a newline inside a message)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("wb", buffering=1 << 20)
        self.count = 0
        self.first_error: str | None = None

    def send(self, key: bytes, value: bytes) -> None:
        self.handle.write(value + b"\n")
        self.count += 1

    def send_many(self, keys: list[bytes], values: list[bytes]) -> None:
        self.handle.write(b"".join(value + b"\n" for value in values))
        self.count += len(values)

    def close(self) -> tuple[int, int]:
        self.handle.close()
        return self.count, 0
