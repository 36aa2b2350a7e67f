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
    time.sleep(12)  # past the workers' start-up, also on a loaded machine
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    truth = json.loads(manifest.read_text())
    assert truth["interrupted"] is True
    assert 0 < truth["total_events"] < 1_000_000
    messages = read_topic(kafka_settings.kafka.bootstrap_servers, topic)
    assert len(messages) == truth["total_events"]
    assert content_hash(messages) == truth["content_hash"]
