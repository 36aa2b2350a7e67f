"""The stream job on a real standalone Flink cluster (`up --with flink` + `stream --cluster`)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from ecomlake.config import Settings, load_settings
from ecomlake.services.flink import FlinkJobManager
from ecomlake.services.kafka import KafkaService
from tests.integration.conftest import free_port, produce
from tests.integration.stream_helpers import counts, expected_counts, run_cli, stream_env


def test_stream_job_on_a_standalone_cluster(
    kafka: KafkaService, kafka_settings: Settings, tmp_path: Path
) -> None:
    topic = "it.cluster"
    manifest = produce(kafka_settings, topic, events=5_000, bad_ratio=0.02, dup_ratio=0.01).manifest
    data = tmp_path / "data"
    rest, metrics = free_port(), free_port()
    env = stream_env(kafka_settings, data, topic) | {
        "ECOMLAKE_STREAM__PARALLELISM": "2",  # two slots: two source readers, two Python workers
        "ECOMLAKE_STREAM__REST_PORT": str(rest),
        "ECOMLAKE_STREAM__METRICS_PORT": str(metrics),
    }
    cluster = FlinkJobManager(
        load_settings(
            data_dir=data,
            kafka=kafka_settings.kafka.model_dump(),
            stream={"rest_port": rest, "metrics_port": metrics},
        )
    )
    assert "flink-taskmanager started" in cluster.start()
    try:
        run_cli(env, "stream", "--cluster", "--topic", topic, "--stop-after-idle", "3")
        with urllib.request.urlopen(f"http://127.0.0.1:{rest}/jobs/overview", timeout=5) as r:
            jobs = json.load(r)["jobs"]
    finally:
        cluster.stop()
    # The job ran on the cluster (not in a mini-cluster) and was stopped with a savepoint.
    assert [(job["name"], job["state"]) for job in jobs] == [
        (f"ecomlake-stream {topic}", "FINISHED")
    ]
    assert counts(data) == expected_counts(manifest)
