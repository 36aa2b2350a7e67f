"""Ctrl-C during a produce: the generator flushes, writes the manifest of what it sent, and the
topic holds exactly that."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from confluent_kafka import Consumer, KafkaException, TopicPartition

from ecomlake.config import Settings
from ecomlake.core.topics import ensure_topics
from ecomlake.services.kafka import KafkaService
from tests.integration.kafka_read import content_hash, read_topic


def test_sigint_flushes_and_the_manifest_matches_the_topic(
    kafka: KafkaService, kafka_settings: Settings, tmp_path: Path
) -> None:
    topic = "it.sigint"
    ensure_topics(kafka_settings.kafka.bootstrap_servers, {topic: 6})
    manifest = tmp_path / "m.json"
    env = dict(
        os.environ,
        ECOMLAKE_DATA_DIR=str(kafka_settings.data_dir),
        ECOMLAKE_KAFKA__PORT=str(kafka_settings.kafka.port),
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ecomlake",
            "generate",
            "--events",
            "1000000",
            "--rate",
            "5000",
            "--workers",
            "2",
            "--topic",
            topic,
            "--manifest",
            str(manifest),
            "--quiet",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Interrupt mid-production: once messages arrive (the workers have started; on a loaded
    # machine that takes anything from 2 to 15 s), a little later.
    deadline = time.monotonic() + 120
    while messages_on(kafka_settings, topic) == 0 and proc.poll() is None:
        assert time.monotonic() < deadline, "the generator produced nothing in 120 s"
        time.sleep(0.2)
    time.sleep(1)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    truth = json.loads(manifest.read_text())
    assert truth["interrupted"] is True
    assert 0 < truth["total_events"] < 1_000_000
    messages = read_topic(kafka_settings.kafka.bootstrap_servers, topic)
    assert len(messages) == truth["total_events"]
    assert content_hash(messages) == truth["content_hash"]


def messages_on(settings: Settings, topic: str) -> int:
    """Messages on `topic` now (0 while its metadata is not there yet)."""
    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers,
                         "group.id": "it.sigint.watch"})  # fmt: skip
    try:
        partitions = consumer.list_topics(topic, timeout=5).topics[topic].partitions
        total = 0
        for p in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=5)
            total += high - low
        return total
    except KafkaException:
        return 0
    finally:
        consumer.close()
