"""raw.events (Iceberg) -> curated Delta tables, incrementally by snapshot or in full.

Incremental run: read only the raw snapshots committed since the one the curated tables have
absorbed (ecomlake.lake.marks), and recompute everything that depends on them - the whole
timeline of each person who has a new event or whose device was just linked to an account -
then MERGE the differences. Every step is a MERGE keyed on natural keys, so a run that dies
half-way and is run again converges to exactly the tables an uninterrupted run gives.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ecomlake.batch import delta
from ecomlake.batch.delta import (
    CURATED_TABLES,
    CURRENCY_RATES,
    CUSTOMERS,
    EVENTS,
    ORDER_ITEMS,
    ORDERS,
    SESSIONS,
    CuratedTable,
    changed_rows,
)
from ecomlake.batch.transforms import (
    BASE_COLUMNS,
    arrival,
    build_customers,
    build_order_items,
    build_orders,
    build_sessions,
    clean_events,
    curate_events,
    currency_rates,
    first_copies,
    identity_links,
)
from ecomlake.config import Settings
from ecomlake.core.spark import LAKE_CATALOG
from ecomlake.errors import EcomlakeError
from ecomlake.lake.marks import commit_metadata

log = logging.getLogger(__name__)
RAW_EVENTS = f"{LAKE_CATALOG}.raw.events"
# Test hook: die (like kill -9) right after this curated table is written.
CRASH_AFTER = "ECOMLAKE_ETL_CRASH_AFTER"
STEPS = ("read", *(t.name for t in CURATED_TABLES))

Step = Callable[[str], None]


@dataclass
class EtlReport:
    mode: str  # full | incremental | up-to-date | empty
    snapshot: int | None = None
    since: int | None = None
    new_rows: int = 0
    rows: dict[str, int] = field(default_factory=dict)


def raw_history(spark: SparkSession) -> list[int]:
    """raw.events' current snapshot and its ancestors, oldest first (the parent chain: a
    rollback leaves newer snapshots in the metadata but not in this list)."""
    refs = spark.sql(f"SELECT snapshot_id FROM {RAW_EVENTS}.refs WHERE name = 'main'").collect()
    if not refs:
        return []
    parents = {
        int(r.snapshot_id): r.parent_id
        for r in spark.sql(f"SELECT snapshot_id, parent_id FROM {RAW_EVENTS}.snapshots").collect()
    }
    chain: list[int] = []
    snapshot: int | None = int(refs[0].snapshot_id)
    while snapshot is not None and snapshot in parents:  # expired ancestors end the chain
        chain.append(snapshot)
        parent = parents[snapshot]
        snapshot = int(parent) if parent is not None else None
    return chain[::-1]


def absorbed_snapshot(
    spark: SparkSession, root: delta.CuratedRoot, history: list[int]
) -> int | None:
    """The raw snapshot every curated table has absorbed: the oldest of their marks in
    raw.events' history (ids are random numbers: order comes from the history). None when a
    table is missing or a mark has left the history (rolled back or expired)."""
    position = {snapshot: i for i, snapshot in enumerate(history)}
    marks = [delta.table_snapshot(spark, root, t) for t in CURATED_TABLES]
    if any(m is None or m not in position for m in marks):
        lost = [m for m in marks if m is not None and m not in position]
        if lost:
            log.warning(
                "raw.events snapshot %s (last processed) is no longer in its history "
                "(rolled back or expired): rebuilding in full",
                lost[0],
            )
        return None
    return min((m for m in marks if m is not None), key=position.__getitem__)


def _maybe_crash(table: CuratedTable) -> None:
    if os.environ.get(CRASH_AFTER) == table.name:
        log.warning("crash injected after %s", table.name)
        os._exit(137)


class Etl:
    def __init__(self, spark: SparkSession, settings: Settings, step: Step | None = None):
        self.spark = spark
        self.settings = settings
        self.root = delta.CuratedRoot(settings)
        self.step: Step = step or (lambda name: None)
        self.rates = currency_rates(spark)

    def run(self, full_refresh: bool = False) -> EtlReport:
        if not self.spark.catalog.tableExists(RAW_EVENTS):
            raise EcomlakeError("raw.events does not exist yet: run the stream job first")
        history = raw_history(self.spark)
        if not history:
            return EtlReport("empty")
        current = history[-1]
        done = None if full_refresh else absorbed_snapshot(self.spark, self.root, history)
        if done == current:
            log.info("curated tables are up to date with raw.events snapshot %s", current)
            return self._report(EtlReport("up-to-date", current, done))
        mode = "full" if done is None else "incremental"
        log.info("%s run up to raw.events snapshot %s", mode, current)
        metadata = commit_metadata(current, mode)
        with delta.commit_mark(self.spark, metadata):
            if done is None:
                report = self._full(current)
            else:
                report = self._incremental(done, current, metadata)
        return self._report(report)

    def _report(self, report: EtlReport) -> EtlReport:
        for table in CURATED_TABLES:
            if delta.exists(self.root, table):
                report.rows[table.name] = delta.read(self.spark, self.root, table).count()
        return report

    def _curate(self, base: DataFrame) -> DataFrame:
        b = self.settings.batch
        return curate_events(
            base,
            self.rates,
            gap_min=b.session_gap_min,
            bot_min_events=b.bot_min_events,
            bot_max_mean_gap_s=b.bot_max_mean_gap_s,
            partitions=b.shuffle_partitions,
        )

    def _base(self, raw: DataFrame) -> DataFrame:
        return clean_events(raw, self.settings.batch.pii_salt)

    def _write(self, table: CuratedTable, frame: DataFrame) -> None:
        delta.overwrite(frame, self.root, table)
        self.step(table.name)
        _maybe_crash(table)

    def _raw_rows(self, snapshot: int) -> int:
        row = self.spark.sql(
            f"SELECT summary['total-records'] AS n FROM {RAW_EVENTS}.snapshots "
            f"WHERE snapshot_id = {snapshot}"
        ).first()
        return int(row.n) if row is not None and row.n is not None else 0

    def _full(self, current: int) -> EtlReport:
        raw = self.spark.read.option("snapshot-id", str(current)).table(RAW_EVENTS)
        report = EtlReport("full", current, new_rows=self._raw_rows(current))
        self.step("read")
        self._write(EVENTS, self._curate(first_copies(self._base(raw))))
        # The other tables derive from what landed (columnar reads of the columns they use).
        events = delta.read(self.spark, self.root, EVENTS)
        self._write(SESSIONS, build_sessions(events))
        self._write(ORDERS, build_orders(events))
        self._write(ORDER_ITEMS, build_order_items(events, self.rates))
        self._write(CUSTOMERS, build_customers(events, delta.read(self.spark, self.root, ORDERS)))
        self._write(CURRENCY_RATES, self.rates)
        return report

    def _upsert(
        self, table: CuratedTable, rows: DataFrame, metadata: str, stale: DataFrame | None = None
    ) -> None:
        delta.upsert(self.spark, rows, self.root, table, stale, metadata)
        self.step(table.name)
        _maybe_crash(table)

    def _incremental(self, done: int, current: int, metadata: str) -> EtlReport:
        spark, keep = self.spark, StorageLevel.MEMORY_AND_DISK
        new_raw = (
            spark.read.format("iceberg")
            .option("start-snapshot-id", str(done))
            .option("end-snapshot-id", str(current))
            .load(RAW_EVENTS)
        )
        # The events as they were before this run: every frame below compares against them.
        start = delta.version(spark, EVENTS.path(self.root))
        existing = delta.read(spark, self.root, EVENTS, as_of=start)
        # A new row whose event_id curated.events holds from another arrival came after that
        # copy: dropped, even when another person claims it (it would change their
        # timeline). The same arrival is the same row, read again after a crashed run.
        arrived = first_copies(self._base(new_raw))
        taken = (
            existing.select("event_id", arrival().alias("_held"))
            .join(F.broadcast(arrived.select("event_id", arrival().alias("_new"))), "event_id")
            .where(~F.col("_held").eqNullSafe(F.col("_new")))
            .select("event_id")
        )
        new = arrived.join(F.broadcast(taken), "event_id", "left_anti").persist(keep)
        report = EtlReport("incremental", current, done, new_rows=new.count())

        # Who is affected: every device of every person with a new event (a new login can
        # pull a device's whole history into a user). Small frames: broadcast them.
        narrow = ["anonymous_id", "user_id", "event_time", "event_id"]
        links = identity_links(
            existing.where(F.col("user_id").isNotNull()).select(*narrow)
            .unionByName(new.select(*narrow))
        ).persist(keep)  # fmt: skip
        new_users = new.where(F.col("user_id").isNotNull()).select(
            F.col("user_id").alias("linked_user_id")
        )
        touched = (
            new.select("anonymous_id")
            .unionByName(
                links.join(new_users, "linked_user_id", "left_semi").select("anonymous_id")
            )
            .distinct()
        )
        persons = (
            touched.join(F.broadcast(links), "anonymous_id", "left")
            .select(F.coalesce("linked_user_id", "anonymous_id").alias("person_id"))
            .distinct()
            .persist(keep)
        )
        devices = (
            persons.select(F.col("person_id").alias("anonymous_id"))
            .unionByName(
                links.join(
                    F.broadcast(persons.withColumnRenamed("person_id", "linked_user_id")),
                    "linked_user_id",
                    "left_semi",
                ).select("anonymous_id")
            )
            .distinct()
            .persist(keep)
        )
        mine = existing.join(F.broadcast(devices), "anonymous_id", "left_semi")
        old_persons = mine.select("person_id").distinct().persist(keep)
        existing_base = mine.withColumn("ua_bot", F.col("bot_rule") == "user_agent").select(
            *BASE_COLUMNS
        )
        work = self._curate(existing_base.unionByName(new)).persist(keep)
        self.step("read")

        # Events: only rows that are new or whose derived columns changed.
        derived = ["person_id", "session_id", "is_bot", "bot_rule"]
        before = mine.select("event_id", *[F.col(c).alias(f"_old_{c}") for c in derived])
        same = " AND ".join(f"(`{c}` <=> `_old_{c}`)" for c in derived)
        changed = (
            work.join(before, "event_id", "left")
            .where(f"_old_person_id IS NULL OR NOT ({same})")
            .select(*work.columns)
        )
        self._upsert(EVENTS, changed, metadata)

        # The other tables: only rows that are new or differ from what the table holds, so
        # a file whose rows all stay the same is not rewritten.
        everyone = old_persons.unionByName(persons).distinct()
        sessions = build_sessions(work)
        old_sessions = delta.read(spark, self.root, SESSIONS).join(
            F.broadcast(everyone), "person_id", "left_semi"
        )
        stale = old_sessions.join(sessions, "session_id", "left_anti")
        self._upsert(SESSIONS, changed_rows(sessions, old_sessions), metadata, stale)

        # Orders of the affected people, and orders that got a new refund.
        order_ids = (
            work.where(F.col("order_id").isNotNull())
            .select("order_id")
            .unionByName(new.where(F.col("order_id").isNotNull()).select("order_id"))
            .distinct()
        )
        order_events = (
            delta.read(spark, self.root, EVENTS)
            .join(F.broadcast(order_ids), "order_id", "left_semi")
            .persist(keep)
        )
        orders = build_orders(order_events)

        def held(table: CuratedTable, by: DataFrame, key: str) -> DataFrame:
            return delta.read(spark, self.root, table).join(F.broadcast(by), key, "left_semi")

        self._upsert(ORDERS, changed_rows(orders, held(ORDERS, order_ids, "order_id")), metadata)
        items = build_order_items(order_events, self.rates)
        self._upsert(
            ORDER_ITEMS, changed_rows(items, held(ORDER_ITEMS, order_ids, "order_id")), metadata
        )

        customers = build_customers(work, orders.join(persons, "person_id", "left_semi"))
        stale_people = old_persons.join(customers, "person_id", "left_anti")
        old_customers = held(CUSTOMERS, everyone, "person_id")
        self._upsert(CUSTOMERS, changed_rows(customers, old_customers), metadata, stale_people)
        self._upsert(CURRENCY_RATES, self.rates, metadata)
        for frame in (new, links, persons, devices, old_persons, work, order_events):
            frame.unpersist()
        return report
