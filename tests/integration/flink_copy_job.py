"""Run in the flink environment by test_flink_runtime: copy a Kafka topic into an Iceberg table
with Flink SQL (bounded), then count the table. Prints {"rows": N, "distinct_ids": M}."""

from __future__ import annotations

import json
import sys

from ecomlake.config import load_settings
from ecomlake.stream.runtime import table_environment
from ecomlake.stream.sql import LAKE_CATALOG


def main() -> None:
    bootstrap, topic, data_dir = sys.argv[1:4]
    settings = load_settings(data_dir=data_dir)
    env = table_environment(settings)
    env.get_config().set("parallelism.default", "2")
    env.execute_sql(f"CREATE DATABASE IF NOT EXISTS {LAKE_CATALOG}.it")
    env.execute_sql(
        f"CREATE TABLE {LAKE_CATALOG}.it.copied (event_id STRING, event_type STRING, "
        "event_time STRING)"
    )
    env.execute_sql(
        "CREATE TEMPORARY TABLE src (event_id STRING, event_type STRING, event_time STRING) "
        f"WITH ('connector'='kafka','topic'='{topic}','properties.bootstrap.servers'='{bootstrap}',"
        "'properties.group.id'='it-copy','scan.startup.mode'='earliest-offset',"
        "'scan.bounded.mode'='latest-offset','format'='json')"
    )
    env.execute_sql(f"INSERT INTO {LAKE_CATALOG}.it.copied SELECT * FROM src").wait()
    batch = table_environment(settings, streaming=False)
    query = f"SELECT COUNT(*), COUNT(DISTINCT event_id) FROM {LAKE_CATALOG}.it.copied"
    with batch.execute_sql(query).collect() as rows:
        count, distinct = next(iter(rows))
    print(json.dumps({"rows": count, "distinct_ids": distinct}))


if __name__ == "__main__":
    main()
