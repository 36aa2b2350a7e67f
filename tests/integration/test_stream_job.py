"""The stream job against the real broker and a real Iceberg lake, reconciled with the
generator's manifest: every valid event once, every malformed message rejected with its reason
(in the table and on the DLQ topic), nothing else, and a restart changes nothing."""

from __future__ import annotations

from pathlib import Path

import orjson

from ecomlake.config import Settings
from ecomlake.services.kafka import KafkaService
from tests.integration.conftest import produce
from tests.integration.kafka_read import read_topic
from tests.integration.stream_helpers import counts, expected_counts, query, run_cli, stream_env


def test_stream_reconciles_with_the_manifest(
    kafka: KafkaService, kafka_settings: Settings, tmp_path: Path
) -> None:
    topic = "it.stream"
    manifest = produce(
        kafka_settings, topic, events=50_000, bad_ratio=0.02, dup_ratio=0.01, workers=2
    ).manifest
    assert manifest["duplicate_events"] > 0 and manifest["invalid_events"] > 0
    data = tmp_path / "data"
    env = stream_env(kafka_settings, data, topic)

    run_cli(env, "stream", "--topic", topic, "--stop-after-idle", "3")
    first = counts(data)
    assert first == expected_counts(manifest)
    # The lake was written through the job's own local file system (no forked chmod per
    # file): Hadoop's default one leaves a .crc file beside each file it writes.
    assert not list((data / "lake").rglob("*.crc"))
    # The dead letters on Kafka are the rejected table, message for message.
    dlq = [orjson.loads(value) for _, value in read_topic(env_bootstrap(env), f"{topic}.dlq")]
    table = query(data, "SELECT kafka_partition, kafka_offset, reason FROM raw.events_rejected")
    assert sorted((d["kafka_partition"], d["kafka_offset"], d["reason"]) for d in dlq) == sorted(
        (r["kafka_partition"], r["kafka_offset"], r["reason"]) for r in table
    )

    # A second run resumes from the savepoint: nothing new, nothing twice.
    run_cli(env, "stream", "--topic", topic, "--stop-after-idle", "2")
    assert counts(data) == first


def env_bootstrap(env: dict[str, str]) -> str:
    return f"127.0.0.1:{env['ECOMLAKE_KAFKA__PORT']}"
