"""The Flink runtime works end to end on this machine: PyFlink's mini-cluster reads the real
broker with the Kafka connector and commits into an Iceberg table in the JDBC catalog, which
pyiceberg and DuckDB then read from the core environment."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ecomlake.config import REPO_ROOT, Settings, load_settings, runtime_python
from ecomlake.lake.query import run_query
from ecomlake.lake.tables import Lake
from ecomlake.services.kafka import KafkaService
from tests.integration.conftest import produce

FLINK_PYTHON = runtime_python("flink")


def test_kafka_to_iceberg_copy_counts_every_event(
    kafka: KafkaService, kafka_settings: Settings, tmp_path: Path
) -> None:
    bootstrap, topic = kafka_settings.kafka.bootstrap_servers, "it.flink"
    manifest = produce(kafka_settings, topic, events=5_000, bad_ratio=0.0, dup_ratio=0.0).manifest
    job = Path(__file__).with_name("flink_copy_job.py")
    result = subprocess.run(
        [str(FLINK_PYTHON), str(job), bootstrap, topic, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts == {"rows": manifest["valid_events"], "distinct_ids": manifest["valid_events"]}
    assert manifest["valid_events"] == 5_000
    # The same table through pyiceberg + DuckDB in the core environment: one shared catalog.
    lake = Lake(load_settings(data_dir=tmp_path / "data"))
    seen = run_query(lake, "SELECT count(DISTINCT event_id) AS n FROM it.copied").to_pylist()
    assert seen == [{"n": 5_000}]
