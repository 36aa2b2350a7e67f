"""The stream job and the Spark batch side against the real broker and a real lake on object
storage (the local S3 server of `ecomlake up --with s3`): Iceberg through S3FileIO, Delta
through s3a. Reconciled with the generator's manifest: every valid event once, every malformed
message rejected with its reason (in the table and on the DLQ topic), nothing else; a restart
changes nothing, nor does the store going away while the job commits. Then the ETL's full and
incremental runs give curated tables that reconcile to the cent, and maintenance changes no
answer. The data folder keeps no table file: they are all in the bucket. (The other stream
and ETL tests write to a local disk; test_orchestrate runs the rest of the story on S3.)"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
from deltalake import DeltaTable
from pyarrow import fs

from ecomlake.config import Settings, load_settings
from ecomlake.core.storage import curated_uri, delta_storage_options, s3_filesystem
from ecomlake.services.kafka import KafkaService
from ecomlake.services.s3 import S3Service
from tests.integration.conftest import END, produce
from tests.integration.kafka_read import read_topic
from tests.integration.stream_helpers import (
    counts,
    expected_counts,
    merged_days,
    query,
    run_cli,
    stream_env,
)


def test_stream_reconciles_with_the_manifest(
    kafka: KafkaService,
    kafka_settings: Settings,
    s3_service: S3Service,
    s3_store: dict[str, str],
    warm_spark: str,
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
    # The same from dbt's runner (its own process, in .venvs/dbt).
    dbt = subprocess.run([sys.executable, "-m", "ecomlake", "transform"], env=wrong,
                         capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert dbt.returncode == 1 and "\n" not in dbt.stderr.strip(), dbt.stderr[-2000:]
    assert "the object store refused the credentials" in dbt.stderr

    # The Spark ETL on the same bucket, on the warm Spark (started with the store's
    # credentials): a full run, reconciled with the manifest to the cent.
    env |= {"ECOMLAKE_BATCH__CONNECT": warm_spark}
    out = run_cli(env, "etl")
    assert "full run" in out
    check_curated(data, manifest)
    assert not [p for p in (data / "lake").rglob("*") if p.is_file() and p.name != "catalog.db"]

    # Late events (12 hours back, people who were there before) arrive while the object
    # store is down: the job's writes and commits fail and are retried until the store is
    # back, and then every event is in the lake once.
    log = tmp_path / "stream-outage.log"
    with log.open("w") as sink:
        job = subprocess.Popen([sys.executable, "-m", "ecomlake", "stream", "--topic", topic,
                                "--stop-after-idle", "5"], env=env | {"COLUMNS": "200"},
                               stdout=sink, stderr=subprocess.STDOUT)  # fmt: skip
    wait_for(lambda: "running" in log.read_text(), job, timeout=180)
    s3_service.stop()
    late = produce(kafka_settings, topic, events=5_000, seed=7, end=END - timedelta(hours=12),
                   workers=2).manifest  # fmt: skip
    time.sleep(15)  # several checkpoints' commits fail
    assert job.poll() is None, log.read_text()[-3000:]
    s3_service.start()
    assert job.wait(timeout=600) == 0, log.read_text()[-3000:]
    # The outage did hit the job: Iceberg's writes and commits retried with back-off (short
    # outages) or the job restarted from its last checkpoint (longer ones).
    said = log.read_text()
    assert "Retrying task after failure" in said or "job RESTARTING" in said, said[-3000:]
    both = expected_counts(manifest)
    assert counts(data) == {k: v + expected_counts(late)[k] for k, v in both.items()}
    assert "incremental run" in run_cli(env, "etl")
    merged = check_curated(data, manifest, late)

    # Maintenance (Iceberg compaction and orphan listing over s3://, Delta OPTIMIZE and
    # VACUUM through s3a) changes no answer; then nothing is new.
    run_cli(env, "lake", "maintain")
    assert check_curated(data, manifest, late) == merged
    assert "already include" in run_cli(env, "etl")


def check_curated(data: Path, *manifests: dict[str, Any]) -> list[tuple[Any, ...]]:
    """curated.events and curated.orders, read from the bucket by delta-rs: every valid event
    once; orders, gross and refunds per day equal to the generators' (summed over runs)."""
    settings = load_settings(data_dir=data)
    root, options = curated_uri(settings), delta_storage_options(settings)
    assert root.startswith("s3://ecomlake/")
    db = duckdb.connect()
    for table in ("events", "orders"):
        arrow = DeltaTable(f"{root}/{table}", storage_options=options).to_pyarrow_table()
        db.register(table, arrow)
    valid = sum(m["valid_events"] for m in manifests)
    total = db.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone()
    assert total == (valid, valid)
    orders = db.execute(
        "SELECT CAST(order_date AS VARCHAR), count(*), sum(order_total_base) FROM orders "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    refunds = db.execute(
        "SELECT CAST(event_date AS VARCHAR), sum(value_base) FROM events "
        "WHERE event_type = 'refund' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    expected = merged_days(*manifests)
    assert orders == [(d, v["orders"], v["gross"]) for d, v in sorted(expected.items())
                      if v["orders"]]  # fmt: skip
    assert refunds == [(d, v["refunds"]) for d, v in sorted(expected.items()) if v["refunds"]]
    return sorted(
        db.execute("SELECT event_id, session_id, person_id, is_bot FROM events").fetchall()
    )


def env_bootstrap(env: dict[str, str]) -> str:
    return f"127.0.0.1:{env['ECOMLAKE_KAFKA__PORT']}"


def wait_for(ready: Callable[[], bool], job: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert job.poll() is None and time.monotonic() < deadline, "the job did not start"
        time.sleep(0.5)
