"""Airflow's ecommerce_daily, really run (`ecomlake orchestrate run`, i.e. `airflow dags test`)
over data from the real stream job: the sensor, the Spark ETL, dbt through Cosmos, the layer
checks, the warehouse load and maintenance. The lake is on object storage (the local S3 server
of `ecomlake up --with s3`), so this is the whole story on S3: every reader and writer of the
lake goes through the bucket, and the data folder keeps no table file.

1. the run for a day succeeds; the marts and the warehouse load match the generator's truth;
2. a rerun of the same interval succeeds and changes nothing (idempotent): the ETL, dbt and
   maintenance skip, the checks run; the hourly lake_maintenance then finds nothing to merge
   and does not update the curated asset;
3. an injected discrepancy (messages whose offsets the stream group committed but that never
   reached the lake: data loss) fails the run on check_kafka_vs_raw, with a message naming
   the layer and the numbers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from ecomlake.config import Settings, load_settings
from ecomlake.core.storage import parquet_files
from ecomlake.services.kafka import KafkaService
from tests.integration.conftest import END, produce
from tests.integration.stream_helpers import query, run_cli, stream_env

pytestmark = pytest.mark.integration
TOPIC = "it.orchestrate"
DAY = "2026-10-31"


def revenue(data: Path) -> dict[str, tuple[int, Decimal]]:
    rows = query(data, "SELECT CAST(order_date AS VARCHAR) AS d, orders, gross_revenue "
                       "FROM marts.fct_daily_revenue")  # fmt: skip
    return {r["d"]: (r["orders"], r["gross_revenue"]) for r in rows}


def orchestrate(
    env: dict[str, str], day: str, dag_id: str = "ecommerce_daily"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecomlake", "orchestrate", "run", dag_id, "--date", day],
        env=env | {"COLUMNS": "200"}, capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip


def lose_messages(settings: Settings, env: dict[str, str], count: int) -> None:
    """Produce `count` messages and commit the stream group past them, as if the job had
    acknowledged them without writing them."""
    bootstrap = settings.kafka.bootstrap_servers
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(count):
        producer.produce(TOPIC, json.dumps({"event_id": f"lost-{i}"}).encode(), partition=0)
    assert producer.flush(30) == 0
    group = Consumer({"bootstrap.servers": bootstrap, "group.id": env["ECOMLAKE_STREAM__GROUP_ID"],
                      "enable.auto.commit": False})  # fmt: skip
    try:
        _, high = group.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=10)
        group.commit(offsets=[TopicPartition(TOPIC, 0, high)], asynchronous=False)
    finally:
        group.close()


@pytest.mark.timeout(2400)
def test_ecommerce_daily_runs_checks_and_fails_on_lost_data(
    kafka: KafkaService,
    kafka_settings: Settings,
    s3_store: dict[str, str],
    warm_spark: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "data"
    on_s3 = s3_store | {"ECOMLAKE_LAKE__WAREHOUSE": "s3://ecomlake/it-orchestrate"}
    for key, value in on_s3.items():  # this process's readers (`query`) too
        monkeypatch.setenv(key, value)
    # The ETL and maintenance tasks open their Spark sessions on the shared warm Spark.
    env = stream_env(kafka_settings, data, TOPIC) | on_s3 | {"ECOMLAKE_BATCH__CONNECT": warm_spark}
    env["ECOMLAKE_KAFKA__EVENTS_TOPIC"] = TOPIC
    env["ECOMLAKE_ORCHESTRATE__SENSOR_TIMEOUT_S"] = "120"
    env["ECOMLAKE_ORCHESTRATE__SENSOR_POKE_S"] = "5"
    result = produce(kafka_settings, TOPIC, events=20_000, days=2.0, end=END, bad_ratio=0.02,
                     dup_ratio=0.02, bot_ratio=0.05)  # fmt: skip
    truth = result.manifest["by_day"][DAY]
    run_cli(env, "stream", "--topic", TOPIC, "--stop-after-idle", "3")

    # 1. One day, end to end.
    first = orchestrate(env, DAY)
    assert first.returncode == 0, (first.stdout + first.stderr)[-4000:]
    assert "ecommerce_daily 2026-10-31: success" in first.stdout
    for task in ("wait_for_lake", "etl", "dbt.fct_daily_revenue_model_build",
                 "check_kafka_vs_raw", "check_raw_vs_curated", "check_curated_vs_marts",
                 "check_freshness", "check_keys", "load_warehouse", "maintain_lake"):  # fmt: skip
        assert any(task in line and "success" in line for line in first.stdout.splitlines()), task
    assert "load_snowflake" in first.stdout and "skipped" in first.stdout
    orders, gross = revenue(data)[DAY]
    assert (orders, gross) == (truth["orders"], Decimal(truth["gross_revenue"]))
    [raw] = query(data, f"SELECT count(*) AS n FROM raw.events WHERE event_date = DATE '{DAY}'")
    con = duckdb.connect(str(data / "warehouse" / "ecomlake.duckdb"), read_only=True)
    try:
        loaded = con.execute("SELECT count(*) FROM raw_loads.events").fetchone()
        day_sql = f"SELECT rows FROM raw_loads.snapshots WHERE day = DATE '{DAY}'"
        snapshot_rows = (con.execute(day_sql).fetchone() or [None])[0]
    finally:
        con.close()
    assert loaded == (raw["n"],) and snapshot_rows == raw["n"]
    # The tables' files are all in the bucket: the data folder holds the Iceberg catalog.
    assert not [p for p in (data / "lake").rglob("*") if p.is_file() and p.name != "catalog.db"]
    assert parquet_files(load_settings(data_dir=data), "s3://ecomlake/it-orchestrate") > 10

    # 2. The same interval again: success, same marts; the ETL and maintenance have nothing
    # to do (maintenance compacted raw.events, which is not new data).
    before = revenue(data)
    again = orchestrate(env, DAY)
    assert again.returncode == 0, (again.stdout + again.stderr)[-4000:]
    assert revenue(data) == before
    assert any("maintain_lake" in line and "skipped" in line for line in again.stdout.splitlines())
    # The marts were built from this very curated data: the dbt tasks are skipped, the layer
    # checks still run and pass.
    for line in again.stdout.splitlines():
        if "marts_stale" in line or "fct_daily_revenue_model_build" in line:
            assert "skipped" in line, line
        if "check_curated_vs_marts" in line:
            assert "success" in line, line
    hourly = orchestrate(env, DAY, dag_id="lake_maintenance")
    assert hourly.returncode == 0, (hourly.stdout + hourly.stderr)[-4000:]
    states = {line.split("│")[1].strip(): line.split("│")[2].strip()
              for line in hourly.stdout.splitlines() if line.count("│") == 4}  # fmt: skip
    # No new raw rows: the curated asset is not updated (so marts_refresh does not run).
    assert states == {"catch_up_curated": "success", "publish_curated": "skipped",
                      "maintain": "skipped"}  # fmt: skip

    # 3. Lost messages: the run fails on the Kafka -> raw check, naming the numbers.
    lose_messages(kafka_settings, env, 3)
    broken = orchestrate(env, DAY)
    assert broken.returncode == 1
    said = " ".join((broken.stdout + broken.stderr).split())
    assert "check_kafka_vs_raw failed: kafka -> raw: 3 messages are in neither table" in said
    for line in broken.stdout.splitlines():
        if "check_kafka_vs_raw" in line:
            assert "failed" in line
        if any(c in line for c in ("check_raw_vs_curated", "check_curated_vs_marts",
                                   "check_keys")):  # fmt: skip
            assert "success" in line
