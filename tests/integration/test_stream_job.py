"""The stream job against the real broker and a real Iceberg lake on object storage (the
local S3 server of `ecomlake up --with s3`, through Iceberg's S3FileIO), reconciled with the
generator's manifest: every valid event once, every malformed message rejected with its reason
(in the table and on the DLQ topic), nothing else, and a restart changes nothing. The data
folder keeps no table file: they are all in the bucket. (The other stream tests write to a
local disk.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from pyarrow import fs

from ecomlake.config import Settings, load_settings
from ecomlake.core.storage import s3_filesystem
from ecomlake.services.kafka import KafkaService
from tests.integration.conftest import produce
from tests.integration.kafka_read import read_topic
from tests.integration.stream_helpers import counts, expected_counts, query, run_cli, stream_env


def test_stream_reconciles_with_the_manifest(
    kafka: KafkaService,
    kafka_settings: Settings,
    s3_store: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    topic = "it.stream"
    manifest = produce(
        kafka_settings, topic, events=50_000, bad_ratio=0.02, dup_ratio=0.01, workers=2
    ).manifest
    assert manifest["duplicate_events"] > 0 and manifest["invalid_events"] > 0
    data = tmp_path / "data"
    on_s3 = s3_store | {"ECOMLAKE_LAKE__WAREHOUSE": "s3://ecomlake/it-stream"}
    for key, value in on_s3.items():  # this process's readers (`query`) too
        monkeypatch.setenv(key, value)
    env = stream_env(kafka_settings, data, topic) | on_s3

    run_cli(env, "stream", "--topic", topic, "--stop-after-idle", "3")
    first = counts(data)
    assert first == expected_counts(manifest)
    # Every table file is in the bucket; the data folder holds the catalog only.
    assert not [p for p in (data / "lake").rglob("*") if p.is_file() and p.name != "catalog.db"]
    store = s3_filesystem(load_settings(data_dir=data))
    stored = store.get_file_info(fs.FileSelector("ecomlake/it-stream", recursive=True))
    assert sum(f.path.endswith(".parquet") for f in stored) >= 2  # events and rejected
    # The dead letters on Kafka are the rejected table, message for message.
    dlq = [orjson.loads(value) for _, value in read_topic(env_bootstrap(env), f"{topic}.dlq")]
    table = query(data, "SELECT kafka_partition, kafka_offset, reason FROM raw.events_rejected")
    assert sorted((d["kafka_partition"], d["kafka_offset"], d["reason"]) for d in dlq) == sorted(
        (r["kafka_partition"], r["kafka_offset"], r["reason"]) for r in table
    )

    # A second run resumes from the savepoint: nothing new, nothing twice.
    run_cli(env, "stream", "--topic", topic, "--stop-after-idle", "2")
    assert counts(data) == first

    # A wrong credential is one line naming the settings, not a stack trace.
    wrong = env | {"ECOMLAKE_S3__SECRET_ACCESS_KEY": "not-the-secret"}
    refused = subprocess.run([sys.executable, "-m", "ecomlake", "lake", "tables"], env=wrong,
                             capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: the object store refused the credentials: check ECOMLAKE_S3__ACCESS_KEY_ID "
        "and ECOMLAKE_S3__SECRET_ACCESS_KEY (and s3.endpoint)"
    )


def env_bootstrap(env: dict[str, str]) -> str:
    return f"127.0.0.1:{env['ECOMLAKE_KAFKA__PORT']}"
