"""The stream job against the real broker and a real Iceberg lake, reconciled with the manifest:
every valid event once, every malformed message rejected with its reason, nothing else.
(Restarts without duplicates need the job to resume from its own checkpoints: not built yet.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ecomlake.config import Settings, load_settings
from ecomlake.lake.catalog import open_catalog
from ecomlake.lake.query import run_query
from ecomlake.services.kafka import KafkaService
from tests.integration.conftest import produce

COUNTS = """
SELECT (SELECT count(*) FROM raw.events) AS events,
       (SELECT count(DISTINCT event_id) FROM raw.events) AS distinct_ids,
       (SELECT count(country_code) FROM raw.events) AS with_country,
       (SELECT count(*) FROM raw.events WHERE is_bot) AS bots,
       (SELECT count(*) FROM raw.events_rejected) AS rejected,
       (SELECT count(reason) FROM raw.events_rejected) AS with_reason
"""


def stream_once(env: dict[str, str], topic: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ecomlake", "stream", "--bounded", "--topic", topic],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def counts(data_dir: Path) -> dict[str, Any]:
    [row] = run_query(open_catalog(load_settings(data_dir=data_dir)), COUNTS).to_pylist()
    return dict(row)


def test_stream_reconciles_with_the_manifest(
    kafka: KafkaService, kafka_settings: Settings, tmp_path: Path
) -> None:
    topic = "it.stream"
    manifest = produce(
        kafka_settings, topic, events=20_000, bad_ratio=0.02, dup_ratio=0.01
    ).manifest
    data = tmp_path / "data"
    env = dict(
        os.environ, ECOMLAKE_DATA_DIR=str(data), ECOMLAKE_KAFKA__PORT=str(kafka_settings.kafka.port)
    )

    stream_once(env, topic)
    first = counts(data)
    assert first == {
        "events": manifest["valid_events"],
        "distinct_ids": manifest["valid_events"],
        "with_country": manifest["valid_events"],
        "bots": manifest["bot_events"],
        "rejected": manifest["invalid_events"],
        "with_reason": manifest["invalid_events"],
    }
    assert manifest["duplicate_events"] > 0 and manifest["invalid_events"] > 0
