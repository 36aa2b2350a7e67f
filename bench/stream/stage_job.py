"""One variant of the stream job, cut after a stage, draining a topic to a blackhole (runs in the
flink environment; `bench.stream.stages` starts it). Prints the job's wall time in seconds."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

from ecomlake.config import load_settings
from ecomlake.stream import sql
from ecomlake.stream.job import JobOptions, flink_config
from ecomlake.stream.rows import CONTRACT_FIELDS, process
from ecomlake.stream.runtime import table_environment
from ecomlake.stream.split import split_message

VARIANTS = ("source", "json_value_29", "udtf_null_62", "udtf_narrow", "udtf", "dedup", "lake")
# (kept in step with bench/stream/stages.py, which runs them)


def null_row(payload: bytes, partition: int, offset: int) -> Iterator[Any]:
    from pyflink.common import Row

    yield Row(True, *([None] * (len(sql.SPLIT_COLUMNS) - 1)))


def narrow_row(payload: bytes, partition: int, offset: int) -> Iterator[Any]:
    from pyflink.common import Row

    ok, row = process(bytes(payload), partition, offset, 0)
    yield Row(ok, row.get("event_id"))


def main() -> None:
    variant, topic, group = sys.argv[1:4]
    from pyflink.table.udf import udtf

    settings = load_settings(stream={"group_id": group})
    config = flink_config(settings, JobOptions(topic=topic), None)
    config.pop("metrics.reporter.prom.factory.class")
    env = table_environment(settings, config)
    for statement in sql.lake_tables_ddl():
        env.execute_sql(statement)
    bounded = "'format'='raw','scan.bounded.mode'='latest-offset'"
    env.execute_sql(sql.kafka_source_ddl(settings, topic).replace("'format'='raw'", bounded))
    env.create_temporary_function("split_message", split_message())
    split_types = [kind for _, kind in sql.SPLIT_COLUMNS]
    env.create_temporary_function("null_row", udtf(null_row, result_types=split_types))
    env.create_temporary_function(
        "narrow_row", udtf(narrow_row, result_types=["BOOLEAN", "STRING"])
    )
    for statement in sql.views_sql("source_events"):
        env.execute_sql(statement)
    env.execute_sql("CREATE TEMPORARY TABLE sink1 (v STRING) WITH ('connector'='blackhole')")
    lateral = (
        "FROM source_events AS s, LATERAL TABLE({}(s.payload, s.kafka_partition, s.kafka_offset))"
    )
    statements = env.create_statement_set()
    if variant == "source":  # Kafka read + the event-time column and watermark
        statements.add_insert_sql(
            "INSERT INTO sink1 SELECT CAST(event_time AS STRING) FROM source_events"
        )
    elif variant == "json_value_29":  # what typing every field in SQL would cost
        fields = [f for f in CONTRACT_FIELDS if f != "items"]
        values = " || ".join(
            f"COALESCE(JSON_VALUE(CAST(payload AS STRING), '$.{f}'), '')" for f in fields
        )
        statements.add_insert_sql(f"INSERT INTO sink1 SELECT {values} FROM source_events")
    elif variant == "udtf_null_62":  # the Python bridge alone, at the real row width
        statements.add_insert_sql(
            f"INSERT INTO sink1 SELECT CAST(t.f0 AS STRING) {lateral.format('null_row')} AS t"
        )
    elif variant == "udtf_narrow":  # validate + type + enrich, two columns back
        statements.add_insert_sql(
            f"INSERT INTO sink1 SELECT t.f1 {lateral.format('narrow_row')} AS t"
        )
    elif variant == "udtf":  # the real function, the real row
        statements.add_insert_sql("INSERT INTO sink1 SELECT `e_event_id` FROM split")
    elif variant == "dedup":
        statements.add_insert_sql("INSERT INTO sink1 SELECT event_id FROM valid_events")
    elif variant == "lake":  # dedup + Iceberg raw.events and raw.events_rejected
        for statement in sql.inserts_sql(sql.Endpoints(dlq=None, live=None))[:2]:
            statements.add_insert_sql(statement)
    else:
        raise SystemExit(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)}")
    started = time.monotonic()
    statements.execute().wait()
    print(f"seconds {time.monotonic() - started:.1f}")


if __name__ == "__main__":
    main()
