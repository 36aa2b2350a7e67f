"""Kafka admin helpers: reachability and idempotent topic creation."""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from ecomlake.errors import EcomlakeError


def admin(bootstrap: str) -> AdminClient:
    # Silence librdkafka's own logging: unreachable brokers are reported by us, in one line.
    return AdminClient({"bootstrap.servers": bootstrap, "log_level": 0})


def broker_reachable(bootstrap: str, timeout_s: float = 2.0) -> bool:
    try:
        md = admin(bootstrap).list_topics(timeout=timeout_s)
    except KafkaException:
        return False
    return bool(md.brokers)


def topic_partitions(bootstrap: str, topic: str, timeout_s: float = 5.0) -> int | None:
    """Partition count of `topic`, or None when it does not exist."""
    try:
        md = admin(bootstrap).list_topics(topic=topic, timeout=timeout_s)
    except KafkaException as exc:
        raise EcomlakeError(
            f"Kafka at {bootstrap} is not reachable ({exc.args[0].str()}): run `ecomlake up`"
        ) from None
    meta = md.topics.get(topic)
    if meta is None or meta.error is not None:
        return None
    return len(meta.partitions)


def ensure_topics(bootstrap: str, topics: dict[str, int], timeout_s: float = 30.0) -> list[str]:
    """Create the topics that do not exist yet. Returns the names it created."""
    client = admin(bootstrap)
    existing = set(client.list_topics(timeout=timeout_s).topics)
    missing = [
        NewTopic(name, num_partitions=n, replication_factor=1)
        for name, n in topics.items()
        if name not in existing
    ]
    if not missing:
        return []
    created = []
    for name, future in client.create_topics(missing, request_timeout=timeout_s).items():
        try:
            future.result()
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise EcomlakeError(f"creating topic {name} failed: {exc.args[0].str()}") from None
    return created
