"""Produce into the real broker, read it all back with an independent consumer, reconcile."""

from __future__ import annotations

import threading
import time

import orjson

from ecomlake.config import Settings
from ecomlake.generator.run import Result
from ecomlake.services.kafka import KafkaService
from tests.integration.conftest import produce
from tests.integration.kafka_read import content_hash, read_topic
from tests.recount import recount

ROUNDTRIP = {"bad_ratio": 0.02, "dup_ratio": 0.02}


def test_50k_events_arrive_exactly_as_the_manifest_says(
    kafka: KafkaService, kafka_settings: Settings
) -> None:
    result = produce(kafka_settings, "it.roundtrip", events=50_000, workers=2, **ROUNDTRIP)
    manifest = result.manifest
    assert result.delivery_errors == 0
    messages = read_topic(kafka_settings.kafka.bootstrap_servers, "it.roundtrip")
    assert len(messages) == manifest["total_events"] == 50_000
    assert content_hash(messages) == manifest["content_hash"]
    truth = recount(value for _, value in messages)
    for field in ("valid_events", "invalid_events", "duplicate_events", "by_type"):
        assert truth[field] == manifest[field], field
    # Keyed by session, so all of a session's events share one partition, in order.
    for key, value in messages:
        try:
            event = orjson.loads(value)
        except orjson.JSONDecodeError:
            continue
        if isinstance(event, dict) and isinstance(event.get("session_id"), str):
            assert key == event["session_id"].encode()


def test_broker_restart_during_produce_loses_nothing(
    kafka: KafkaService, kafka_settings: Settings
) -> None:
    topic = "it.restart"
    box: dict[str, Result] = {}
    # Throttled so the produce is still running while the broker goes down and comes back.
    worker = threading.Thread(
        target=lambda: box.setdefault(
            "r", produce(kafka_settings, topic, events=40_000, **ROUNDTRIP, rate=5_000.0)
        )
    )
    worker.start()
    time.sleep(3.0)
    assert worker.is_alive(), "produce finished before the restart: slow it down"
    kafka.stop()
    time.sleep(2.0)
    kafka.start()
    worker.join(timeout=300)
    result = box["r"]
    assert result.delivery_errors == 0
    messages = read_topic(kafka_settings.kafka.bootstrap_servers, topic)
    assert len(messages) == result.manifest["total_events"] == 40_000
    assert content_hash(messages) == result.manifest["content_hash"]
    # The idempotent producer's retries across the restart added no copies of their own.
    truth = recount(value for _, value in messages)
    assert truth["duplicate_events"] == result.manifest["duplicate_events"]
    assert truth["valid_events"] == result.manifest["valid_events"]
