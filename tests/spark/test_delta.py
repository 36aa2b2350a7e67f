"""The curated tables' MERGE (ecomlake.batch.delta.upsert): the right rows, one commit with the
ETL's mark, and files whose rows stay the same left alone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from ecomlake.batch import delta
from ecomlake.batch.delta import CuratedTable, changed_rows
from ecomlake.config import load_settings
from ecomlake.lake.marks import recorded_snapshot

TABLE = CuratedTable("t", ("k",), "day", fixed_partition=True)
SCHEMA = "k STRING, v INT, day DATE"


def frame(spark: SparkSession, *rows: tuple[str, int, int]) -> DataFrame:
    return spark.createDataFrame([(k, v, date(2026, 3, d)) for k, v, d in rows], SCHEMA)


def files_by_day(spark: SparkSession, root: delta.CuratedRoot) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in delta.read(spark, root, TABLE).inputFiles():
        out.setdefault(path.split("day=")[1].split("/")[0], set()).add(path)
    return out


def test_upsert_changes_only_what_changed_and_rewrites_only_those_files(
    spark: SparkSession, tmp_path: Path
) -> None:
    root = delta.CuratedRoot(load_settings(data_dir=tmp_path))
    delta.overwrite(frame(spark, ("k0", 0, 1), ("k1", 1, 2), ("k2", 2, 2), ("k3", 3, 3),
                          ("k4", 4, 4)), root, TABLE)  # fmt: skip
    before = files_by_day(spark, root)
    held = delta.read(spark, root, TABLE)
    # k1 changes, k2 and k3 stay as they are, k5 is new (day 3), k4 is gone (day 4).
    new = frame(spark, ("k1", 10, 2), ("k2", 2, 2), ("k3", 3, 3), ("k5", 5, 3))
    rows = changed_rows(new, held.where("k IN ('k1', 'k2', 'k3')"))
    assert sorted(r.k for r in rows.collect()) == ["k1", "k5"]
    stale = held.where("k = 'k4'")
    with delta.commit_mark(spark, '{"ecomlake.raw_snapshot": 7}'):
        delta.upsert(spark, rows, root, TABLE, stale, '{"ecomlake.raw_snapshot": 7}')

    result = {(r.k, r.v, r.day.day) for r in delta.read(spark, root, TABLE).collect()}
    assert result == {("k0", 0, 1), ("k1", 10, 2), ("k2", 2, 2), ("k3", 3, 3), ("k5", 5, 3)}
    after = files_by_day(spark, root)
    day = "2026-03-0{}".format
    assert after[day(1)] == before[day(1)]  # no row of day 1 in the MERGE: not even read
    assert after[day(2)] != before[day(2)]  # k1 changed: its file rewritten
    assert before[day(3)] < after[day(3)]  # k3 unchanged: its file kept, k5 in a new one
    assert day(4) not in after
    history = delta.history(spark, TABLE.path(root))
    assert len(history) == 2 and recorded_snapshot(history) == 7


def test_an_upsert_with_nothing_to_change_still_records_the_mark(
    spark: SparkSession, tmp_path: Path
) -> None:
    root = delta.CuratedRoot(load_settings(data_dir=tmp_path))
    delta.overwrite(frame(spark, ("k1", 1, 1)), root, TABLE)
    held = delta.read(spark, root, TABLE)
    rows = changed_rows(frame(spark, ("k1", 1, 1)), held)
    with delta.commit_mark(spark, '{"ecomlake.raw_snapshot": 8}'):
        delta.upsert(spark, rows, root, TABLE, None, '{"ecomlake.raw_snapshot": 8}')
    history = delta.history(spark, TABLE.path(root))
    assert [h["operation"] for h in history] == ["SET TBLPROPERTIES", "WRITE"]
    assert recorded_snapshot(history) == 8
    assert {(r.k, r.v) for r in delta.read(spark, root, TABLE).collect()} == {("k1", 1)}
