"""Spark unit tests: run in `.venvs/spark` (`make test` does), on a small local session."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

from ecomlake.batch.schema import raw_events_ddl
from ecomlake.batch.transforms import EVENT_COLUMNS, currency_rates
from ecomlake.config import load_settings
from ecomlake.contracts.columns import EVENT_COLUMNS as RAW_COLUMNS
from ecomlake.core.spark import server_conf

T0 = datetime(2026, 3, 1, 12, 0, 0)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder
    # The connector jars and extensions of the jobs' own sessions (Delta for tests/spark/
    # test_delta.py), on one core.
    for key, value in server_conf(load_settings(), "local[1]").items():
        builder = builder.config(key, value)
    builder = (
        builder.config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
    )
    # The JVM's working directory: Spark 4.0 leaves ./artifacts/ there.
    with contextlib.chdir(tmp_path_factory.mktemp("spark-cwd")):
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def raw_row(n: int, **fields: Any) -> dict[str, Any]:
    """A raw.events row: a page view by device A1 unless fields say otherwise."""
    row: dict[str, Any] = {name: None for name, _ in RAW_COLUMNS}
    when = fields.pop("at", n)
    row.update(
        event_id=f"e{n}",
        event_type="page_view",
        event_time=at(when),
        anonymous_id="A1",
        session_id="client-1",
        ip="203.0.113.77",
        user_agent="Mozilla/5.0",
        page_url=f"/p/{n}",
        is_bot=False,
        kafka_partition=0,
        kafka_offset=n,
        ingest_time=at(when + 1),
    )
    row.update(fields)
    row["event_date"] = row["event_time"].date()
    return row


def raw_frame(spark: SparkSession, rows: list[dict[str, Any]]) -> DataFrame:
    names = [name for name, _ in RAW_COLUMNS]
    return spark.createDataFrame([tuple(r[n] for n in names) for r in rows], raw_events_ddl())


def curated_frame(spark: SparkSession, rows: list[dict[str, Any]]) -> DataFrame:
    """curated.events rows (derived columns given by the test) with the curated schema."""
    from ecomlake.batch.transforms import clean_events, curate_events

    schema = curate_events(
        clean_events(raw_frame(spark, [raw_row(0)]), "salt-salt"),
        currency_rates(spark),
        gap_min=30,
        bot_min_events=20,
        bot_max_mean_gap_s=5,
    ).schema
    full = []
    for r in rows:
        values: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
        values.update(event_date=r["event_time"].date(), is_bot=False)
        values.update(r)
        full.append(tuple(values[n] for n in EVENT_COLUMNS))
    return spark.createDataFrame(full, schema)


def usd(text: str) -> Decimal:
    return Decimal(text)
