"""The stream job's work as a Spark Structured Streaming job, for the side-by-side benchmark
(runs in the spark environment; `bench.stream.run --spark-peer` starts it).

Same per-message logic (`ecomlake.stream.rows.process`: parse, validate, type, enrich), batched
through Arrow with `mapInPandas`; dedup on event_id in streaming state
(`dropDuplicatesWithinWatermark`, 24 h); valid and rejected rows appended to Iceberg tables in
the same JDBC catalog. `availableNow`: drains what is on the topic, then stops. Not a product
component: at-least-once (`foreachBatch`), no live windows, no dead-letter topic.

Usage: spark_peer.py TOPIC  (settings from ECOMLAKE_*). Prints "seconds N rows M".
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from typing import Any

from ecomlake.batch.schema import spark_type
from ecomlake.config import load_settings
from ecomlake.contracts.columns import EVENT_COLUMNS, REJECTED_COLUMNS
from ecomlake.stream.rows import process

NAMES = ["ok"] + [n for n, _ in EVENT_COLUMNS] + [f"r_{n}" for n, _ in REJECTED_COLUMNS]


def split_batches(frames: Iterator[Any]) -> Iterator[Any]:
    import pandas as pd

    for frame in frames:
        now = int(time.time() * 1000)
        out = []
        for value, partition, offset in zip(
            frame["value"], frame["partition"], frame["offset"], strict=True
        ):
            ok, row = process(bytes(value), int(partition), int(offset), now)
            out.append({"ok": ok, **(row if ok else {f"r_{k}": v for k, v in row.items()})})
        table = pd.DataFrame(out, columns=NAMES).astype(object)
        yield table.where(table.notna(), None)


def main() -> None:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    topic = sys.argv[1]
    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers import ecomlake from this env
    settings = load_settings()
    jars = sorted(str(p) for p in settings.jars("spark").glob("*.jar"))
    lake = settings.lake
    (settings.data_dir / "lake").mkdir(parents=True, exist_ok=True)
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.jars", ",".join(jars))
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.catalog.lake", "org.apache.iceberg.spark.SparkCatalog")
        .config("spark.sql.catalog.lake.catalog-impl", "org.apache.iceberg.jdbc.JdbcCatalog")
        .config("spark.sql.catalog.lake.uri", lake.catalog_uri(settings.data_dir))
        .config("spark.sql.catalog.lake.warehouse", lake.warehouse_uri(settings.data_dir))
        .config("spark.sql.catalog.lake.jdbc.schema-version", "V1")
        .config("spark.sql.catalog.lake.cache-enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    columns = [("ok", "BOOLEAN")] + EVENT_COLUMNS + [(f"r_{n}", k) for n, k in REJECTED_COLUMNS]
    schema = ", ".join(f"`{name}` {spark_type(kind)}" for name, kind in columns)
    spark.sql("CREATE NAMESPACE IF NOT EXISTS lake.peer")
    events = ", ".join(f"`{n}` {spark_type(k)}" for n, k in EVENT_COLUMNS)
    rejected = ", ".join(f"`{n}` {spark_type(k)}" for n, k in REJECTED_COLUMNS)
    spark.sql(f"CREATE TABLE IF NOT EXISTS lake.peer.events ({events}) USING iceberg "
              "PARTITIONED BY (event_date, event_type)")  # fmt: skip
    spark.sql(f"CREATE TABLE IF NOT EXISTS lake.peer.events_rejected ({rejected}) USING iceberg")
    source = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", settings.kafka.bootstrap_servers)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .load()
        .select("value", "partition", "offset")
    )
    split = (
        source.mapInPandas(split_batches, schema)
        .withColumn(
            "key", F.coalesce("event_id", F.concat_ws(":", "r_kafka_partition", "r_kafka_offset"))
        )
        .withColumn("at", F.coalesce("event_time", "r_ingest_time").cast("timestamp"))
        .withWatermark("at", "24 hours")
        .dropDuplicatesWithinWatermark(["key"])
    )
    event_names = [n for n, _ in EVENT_COLUMNS]
    rejected_names = [n for n, _ in REJECTED_COLUMNS]

    def write(batch: Any, batch_id: int) -> None:
        batch.persist()
        batch.filter("ok").select(*event_names).writeTo("lake.peer.events").append()
        batch.filter("NOT ok").select(*[F.col(f"r_{n}").alias(n) for n in rejected_names]).writeTo(
            "lake.peer.events_rejected"
        ).append()
        batch.unpersist()

    checkpoint = settings.data_dir / "spark" / "checkpoints" / topic
    started = time.monotonic()
    query = (
        split.writeStream.foreachBatch(write)
        .option("checkpointLocation", str(checkpoint))
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()
    seconds = time.monotonic() - started
    rows = spark.sql(
        "SELECT (SELECT count(*) FROM lake.peer.events) + "
        "(SELECT count(*) FROM lake.peer.events_rejected) AS n"
    ).first()
    print(f"seconds {seconds:.1f} rows {rows['n'] if rows else 0}")
    spark.stop()


if __name__ == "__main__":
    main()
