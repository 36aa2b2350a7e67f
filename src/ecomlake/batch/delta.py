"""Writing the curated Delta tables: full overwrites, MERGE upserts, the ETL's commit mark."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ecomlake.config import Settings
from ecomlake.core.storage import curated_uri, is_delta_table, spark_uri
from ecomlake.lake.marks import recorded_snapshot

USER_METADATA = "spark.databricks.delta.commitInfo.userMetadata"


@dataclass(frozen=True)
class CuratedRoot:
    """Where the curated tables live: a local folder or an s3:// prefix (`curated_uri`)."""

    settings: Settings

    def uri(self, name: str) -> str:
        return f"{curated_uri(self.settings)}/{name}"


@dataclass(frozen=True)
class CuratedTable:
    name: str
    keys: tuple[str, ...]
    partition: str | None  # a date column
    # A key's partition never changes (an event's date, a session's start): a MERGE then
    # reads and rewrites only the partitions its rows fall in.
    fixed_partition: bool = False

    def path(self, root: CuratedRoot) -> str:
        """The table's location as Spark opens it."""
        return spark_uri(root.uri(self.name))


# An event keeps the date of its first copy ingested; a session id is a hash of its person
# and start, whose date is the partition.
EVENTS = CuratedTable("events", ("event_id",), "event_date", fixed_partition=True)
SESSIONS = CuratedTable("sessions", ("session_id",), "session_date", fixed_partition=True)
# An order's date is its earliest order event's, which a late copy could move: no bound (and
# a late event can move a person's first-seen day earlier).
ORDERS = CuratedTable("orders", ("order_id",), "order_date")
ORDER_ITEMS = CuratedTable("order_items", ("order_id", "line_number"), "order_date")
CUSTOMERS = CuratedTable("customers", ("person_id",), "first_seen_date")
CURRENCY_RATES = CuratedTable("currency_rates", ("currency",), None)
CURATED_TABLES = (EVENTS, SESSIONS, ORDERS, ORDER_ITEMS, CUSTOMERS, CURRENCY_RATES)


def exists(root: CuratedRoot, table: CuratedTable) -> bool:
    return is_delta_table(root.settings, root.uri(table.name))


@contextmanager
def commit_mark(spark: SparkSession, metadata: str) -> Iterator[None]:
    """Every Delta commit made inside carries `metadata` (see ecomlake.lake.marks)."""
    spark.conf.set(USER_METADATA, metadata)
    try:
        yield
    finally:
        spark.conf.unset(USER_METADATA)


def history(spark: SparkSession, path: str) -> list[dict[str, Any]]:
    # SQL, not delta.tables: it works the same on a Spark Connect session.
    rows = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").collect()
    return [row.asDict() for row in rows]


def version(spark: SparkSession, path: str) -> int:
    return max(int(h["version"]) for h in history(spark, path))


def table_snapshot(spark: SparkSession, root: CuratedRoot, table: CuratedTable) -> int | None:
    if not exists(root, table):
        return None
    return recorded_snapshot(history(spark, table.path(root)))


def overwrite(frame: DataFrame, root: CuratedRoot, table: CuratedTable) -> None:
    writer = frame.write.format("delta").mode("overwrite").option("overwriteSchema", "true")
    if table.partition:
        writer = writer.partitionBy(table.partition)
    writer.save(table.path(root))


def upsert(
    spark: SparkSession,
    rows: DataFrame,
    root: CuratedRoot,
    table: CuratedTable,
    stale: DataFrame | None = None,
    metadata: str = "",
) -> None:
    """MERGE `rows` into the table by its keys (changed rows updated, new ones inserted) and
    delete the keys in `stale`, all in one commit. The commit always happens, so it carries
    the ETL's mark even when nothing changed."""
    path = table.path(root)
    before = version(spark, path)
    prune = table.partition if table.fixed_partition else None
    source = rows.withColumn("_delete", F.lit(False))
    if stale is not None:
        kept = (*table.keys, prune) if prune and prune in stale.columns else table.keys
        gone = stale.select(*kept)
        for column in rows.columns:
            if column not in kept:
                gone = gone.withColumn(column, F.lit(None).cast(rows.schema[column].dataType))
        source = source.unionByName(gone.select(*rows.columns).withColumn("_delete", F.lit(True)))
    source = source.persist()
    try:
        on = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in table.keys)
        days = []
        if prune:
            days = sorted({r[0] for r in source.select(prune).distinct().collect()} - {None})
            # A literal bound on the target: Delta reads only these partitions' files.
            literals = ", ".join(f"DATE'{d}'" for d in days)
            on += f" AND t.`{prune}` IN ({literals})"
        if days or not prune:  # no rows at all: no MERGE (the mark is recorded below)
            _merge(spark, path, table.name, source, on, rows.columns, table.keys)
    finally:
        source.unpersist()
    if version(spark, path) == before:  # nothing to change: still record the mark
        spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ('ecomlake.etl'='{metadata}')")


def _merge(
    spark: SparkSession,
    path: str,
    name: str,
    source: DataFrame,
    on: str,
    columns: list[str],
    keys: tuple[str, ...],
) -> None:
    names = ", ".join(f"`{c}`" for c in columns)
    values = ", ".join(f"s.`{c}`" for c in columns)
    assign = ", ".join(f"t.`{c}` = s.`{c}`" for c in columns)
    changed = " OR ".join(f"NOT (t.`{c}` <=> s.`{c}`)" for c in columns if c not in keys)
    # MERGE in SQL over a temporary view (one name per table: a job merges one at a time).
    view = f"ecomlake_merge_{name}"
    source.createOrReplaceTempView(view)
    try:
        spark.sql(
            f"MERGE INTO delta.`{path}` t USING {view} s ON {on} "
            "WHEN MATCHED AND s._delete THEN DELETE "
            f"WHEN MATCHED AND NOT s._delete AND ({changed}) THEN UPDATE SET {assign} "
            f"WHEN NOT MATCHED AND NOT s._delete THEN INSERT ({names}) VALUES ({values})"
        ).collect()
    finally:
        spark.catalog.dropTempView(view)


def changed_rows(new: DataFrame, old: DataFrame) -> DataFrame:
    """The rows of `new` not already in `old` as they are: only they need a MERGE, and a file
    whose rows all stay the same is then not rewritten."""
    return new.subtract(old.select(*new.columns))


def read(
    spark: SparkSession, root: CuratedRoot, table: CuratedTable, as_of: int | None = None
) -> DataFrame:
    """The table, or its version `as_of`: a frame that must not see the run's own commits
    (a Spark Connect server re-resolves a frame's plan on every action)."""
    reader = spark.read.format("delta")
    if as_of is not None:
        reader = reader.option("versionAsOf", as_of)
    return reader.load(table.path(root))
