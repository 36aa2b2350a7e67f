"""The stream job's plan with its endpoints swapped: a CSV file for Kafka, JSON files for Iceberg
and no Kafka copies (run in the flink environment by test_stream_plan.py).

Usage: flink_plan_job.py INPUT.csv OUTPUT_DIR  (CSV columns: partition, offset, base64 payload)
"""

from __future__ import annotations

import sys
from pathlib import Path

from ecomlake.config import load_settings
from ecomlake.stream import sql
from ecomlake.stream.job import JobOptions, flink_config
from ecomlake.stream.rows import EVENT_COLUMNS, REJECTED_COLUMNS, columns_ddl
from ecomlake.stream.runtime import table_environment
from ecomlake.stream.split import split_message


def main() -> None:
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    settings = load_settings()
    config = flink_config(settings, JobOptions(topic="file"), None)
    config.pop("metrics.reporter.prom.factory.class")
    env = table_environment(settings, config)
    env.execute_sql(
        "CREATE TEMPORARY TABLE file_events (kafka_partition INT, kafka_offset BIGINT, "
        f"payload BYTES, {sql.event_time_columns(settings.stream.allowed_lateness_s)}) WITH ("
        f"'connector'='filesystem','path'='{source}','format'='csv')"
    )
    for name, columns in (
        ("out_events", EVENT_COLUMNS),
        ("out_rejected", REJECTED_COLUMNS),
        ("out_metrics", sql.METRICS_COLUMNS),
    ):
        env.execute_sql(
            f"CREATE TEMPORARY TABLE {name} ({columns_ddl(columns)}) WITH ("
            f"'connector'='filesystem','path'='{out / name}','format'='json')"
        )
    endpoints = sql.Endpoints(
        source="file_events",
        events="out_events",
        rejected="out_rejected",
        metrics="out_metrics",
        dlq=None,
        live=None,
    )
    env.create_temporary_function("split_message", split_message())
    for statement in sql.views_sql(endpoints.source):
        env.execute_sql(statement)
    statements = env.create_statement_set()
    for statement in sql.inserts_sql(endpoints):
        statements.add_insert_sql(statement)
    statements.execute().wait()


if __name__ == "__main__":
    main()
