"""One variant of the stream job, cut after a stage, draining a topic to a blackhole (runs in the
flink environment; `bench.stream.stages` starts it). Prints the job's wall time in seconds."""

from __future__ import annotations

import sys
import time

from ecomlake.config import load_settings
from ecomlake.stream import sql
from ecomlake.stream.explain import explain_rejection
from ecomlake.stream.geo_export import geo_table
from ecomlake.stream.job import JobOptions, flink_config
from ecomlake.stream.runtime import table_environment

# (kept in step with bench/stream/stages.py, which runs them)
VARIANTS = ("raw", "parse", "dedup", "dead_letters", "lake", "job")


def main() -> None:
    variant, topic, group = sys.argv[1:4]
    settings = load_settings(stream={"group_id": group})
    config = flink_config(settings, JobOptions(topic=topic), None)
    config.pop("metrics.reporter.prom.factory.class")
    env = table_environment(settings, config)
    for statement in sql.lake_tables_ddl():
        env.execute_sql(statement)
    env.create_temporary_system_function("explain_rejection", explain_rejection())
    bounded = "'scan.bounded.mode'='latest-offset',"
    source = sql.kafka_source_ddl(settings, topic, geo_table(settings.data_dir))
    env.execute_sql(source.replace("'format'=", bounded + "'format'="))
    raw = source.replace("source_events", "raw_source").split(" WITH (")[1]
    env.execute_sql(
        "CREATE TEMPORARY TABLE raw_source (payload BYTES) WITH ("
        + bounded
        + raw.split("'format'=")[0]
        + "'format'='raw')"
    )
    env.execute_sql(sql.kafka_dlq_ddl(settings))
    env.execute_sql(sql.kafka_live_ddl(settings))
    for statement in sql.views_sql("source_events"):
        env.execute_sql(statement)
    env.execute_sql("CREATE TEMPORARY TABLE sink1 (v STRING) WITH ('connector'='blackhole')")
    statements = env.create_statement_set()
    if variant == "raw":  # Kafka read, bytes only
        statements.add_insert_sql(
            "INSERT INTO sink1 SELECT CAST(payload AS STRING) FROM raw_source"
        )
    elif variant == "parse":  # + the format: contract, typing, enrichment, watermark (JVM)
        statements.add_insert_sql(
            "INSERT INTO sink1 SELECT CAST(ok AS STRING) || COALESCE(`e_event_id`, '') || "
            "COALESCE(`e_country_code`, '') || COALESCE(CAST(`e_items` AS STRING), '') FROM split"
        )
    elif variant == "dedup":  # + first copy per event_id (RocksDB)
        statements.add_insert_sql("INSERT INTO sink1 SELECT event_id FROM valid_events")
    elif variant == "dead_letters":  # + refused messages explained by Python
        statements.add_insert_sql("INSERT INTO sink1 SELECT event_id FROM valid_events")
        statements.add_insert_sql("INSERT INTO sink1 SELECT reason FROM dead_letters")
    elif variant == "lake":  # Iceberg raw.events and raw.events_rejected
        for statement in sql.inserts_sql(sql.Endpoints(dlq=None, live=None))[:2]:
            statements.add_insert_sql(statement)
    elif variant == "job":  # every sink of the real job
        for statement in sql.inserts_sql(sql.Endpoints()):
            statements.add_insert_sql(statement)
    else:
        raise SystemExit(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)}")
    started = time.monotonic()
    statements.execute().wait()
    print(f"seconds {time.monotonic() - started:.1f}")


if __name__ == "__main__":
    main()
