"""Lake maintenance in Spark (`ecomlake lake maintain`), for Iceberg and Delta alike.

Iceberg: rewrite_data_files (compaction), expire_snapshots, remove_orphan_files.
Delta: OPTIMIZE (compaction), VACUUM.

Safe next to the running stream job: compaction only replaces files (the job's appends do not
conflict with it), a commit that loses a race is retried, and orphan removal only considers
files older than `batch.orphan_min_age_h` so a commit in flight keeps its files. The snapshot
the ETL read last is never expired, so the next ETL run stays incremental.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pyspark.sql import SparkSession

from ecomlake.batch import delta
from ecomlake.config import Settings, load_settings
from ecomlake.core.jobs import emit_report, emit_step, emit_total
from ecomlake.core.spark import LAKE_CATALOG, create_session
from ecomlake.core.storage import parquet_files
from ecomlake.errors import EcomlakeError

log = logging.getLogger(__name__)
T = TypeVar("T")
CONFLICT_MARKERS = ("CommitFailedException", "ConcurrentModification", "ConcurrentAppend",
                    "ConcurrentDelete", "ValidationException", "ProtocolChanged")  # fmt: skip
ATTEMPTS = 5


def retried(what: str, action: Callable[[], T]) -> T:
    """Run `action`, retrying when its commit lost a race with another writer."""
    for attempt in range(1, ATTEMPTS + 1):
        started = time.monotonic()
        try:
            result = action()
            log.info("%s: %.1f s", what, time.monotonic() - started)
            return result
        except Exception as exc:
            text = str(exc)
            if attempt == ATTEMPTS or not any(m in text for m in CONFLICT_MARKERS):
                raise
            log.warning("%s: commit conflict (attempt %d), retrying", what, attempt)
            time.sleep(attempt)
    raise AssertionError("unreachable")


def _reason(exc: Exception) -> str:
    """The JVM's own message: a Py4J error's first line only names the call that failed."""
    lines = [line.strip(" :") for line in str(exc).splitlines() if line.strip()]
    named = [line for line in lines if "Exception" in line or "Error:" in line]
    return (named or lines or [type(exc).__name__])[0]


def _ts(when: datetime) -> str:
    return f"TIMESTAMP '{when.strftime('%Y-%m-%d %H:%M:%S')}'"


def iceberg_tables(spark: SparkSession) -> list[str]:
    names = []
    for ns in spark.sql(f"SHOW NAMESPACES IN {LAKE_CATALOG}").collect():
        for row in spark.sql(f"SHOW TABLES IN {LAKE_CATALOG}.{ns[0]}").collect():
            names.append(f"{ns[0]}.{row.tableName}")
    return sorted(names)


def _iceberg_files(spark: SparkSession, name: str) -> int:
    return int(spark.sql(f"SELECT count(*) FROM {LAKE_CATALOG}.{name}.files").first()[0])


def _keep_since(spark: SparkSession, settings: Settings, name: str, cutoff: datetime) -> datetime:
    """Never expire the raw snapshot the curated tables were built from."""
    if name != "raw.events":
        return cutoff
    from ecomlake.batch.etl import absorbed_snapshot, raw_history

    root = delta.CuratedRoot(settings)
    mark = absorbed_snapshot(spark, root, raw_history(spark))
    if mark is None:
        return cutoff
    row = spark.sql(
        f"SELECT committed_at FROM {LAKE_CATALOG}.raw.events.snapshots WHERE snapshot_id = {mark}"
    ).first()
    return cutoff if row is None else min(cutoff, row.committed_at)


def maintain_iceberg(
    spark: SparkSession, settings: Settings, name: str, now: datetime, retain_h: float
) -> dict[str, Any]:
    b = settings.batch
    before = _iceberg_files(spark, name)
    target = b.target_file_mb * 1024 * 1024
    call = f"CALL {LAKE_CATALOG}.system"
    rewritten = retried(
        f"{name} compaction",
        lambda: spark.sql(
            f"{call}.rewrite_data_files(table => '{name}', options => map("
            f"'min-input-files', '2', 'target-file-size-bytes', '{target}', "
            "'partial-progress.enabled', 'true'))"
        ).first(),
    )
    older = _keep_since(spark, settings, name, now - timedelta(hours=retain_h))
    expired = retried(
        f"{name} snapshot expiry",
        lambda: spark.sql(
            f"{call}.expire_snapshots(table => '{name}', older_than => {_ts(older)}, "
            f"retain_last => {b.retain_last_snapshots})"
        ).first(),
    )
    orphans = retried(
        f"{name} orphan files",
        lambda: spark.sql(
            f"{call}.remove_orphan_files(table => '{name}', "
            f"older_than => {_ts(now - timedelta(hours=b.orphan_min_age_h))})"
        ).count(),
    )
    rewritten_files = int(rewritten.rewritten_data_files_count) if rewritten else 0
    return {
        "table": name,
        "format": "iceberg",
        "files_before": before,
        "files_after": _iceberg_files(spark, name),
        "rewritten_files": rewritten_files,
        "expired": int(expired.deleted_data_files_count) if expired else 0,
        "orphans_removed": orphans,
        "note": f"{rewritten_files} files compacted",
    }


def _delta_files(spark: SparkSession, path: str) -> int:
    return int(spark.sql(f"DESCRIBE DETAIL delta.`{path}`").first().numFiles)


def maintain_delta(
    spark: SparkSession, root: delta.CuratedRoot, table: delta.CuratedTable, retain_h: float
) -> dict[str, Any]:
    name, path, stored_at = f"curated.{table.name}", table.path(root), root.uri(table.name)
    before = _delta_files(spark, path)
    retried(f"{name} OPTIMIZE", lambda: spark.sql(f"OPTIMIZE delta.`{path}`").collect())
    stored = parquet_files(root.settings, stored_at)  # VACUUM itself reports no count
    vacuum = f"VACUUM delta.`{path}` RETAIN {retain_h:g} HOURS"
    retried(f"{name} VACUUM", lambda: spark.sql(vacuum).collect())
    vacuumed = stored - parquet_files(root.settings, stored_at)
    after = _delta_files(spark, path)
    return {
        "table": name,
        "format": "delta",
        "files_before": before,
        "files_after": after,
        "expired": vacuumed,
        "note": f"{before - after} files fewer",
    }


def maintain(spark: SparkSession, settings: Settings, retain_h: float) -> dict[str, Any]:
    now = datetime.now(UTC).replace(tzinfo=None)
    root = delta.CuratedRoot(settings)
    icebergs = iceberg_tables(spark)
    deltas = [t for t in delta.CURATED_TABLES if delta.exists(root, t)]
    emit_total(len(icebergs) + len(deltas))
    report: dict[str, Any] = {"tables": [], "failed": False}
    for name in icebergs:
        try:
            report["tables"].append(maintain_iceberg(spark, settings, name, now, retain_h))
        except Exception as exc:
            log.error("%s: maintenance failed: %s", name, _reason(exc))
            report["failed"] = True
            report["tables"].append(
                {"table": name, "files_before": "-", "files_after": "-", "note": "failed"}
            )
        emit_step(name)
    for table in deltas:
        report["tables"].append(maintain_delta(spark, root, table, retain_h))
        emit_step(f"curated.{table.name}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecomlake.batch.maintain", description=__doc__)
    parser.add_argument("--retain-hours", type=float, help="default: batch.snapshot_retention_h")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    try:
        settings = load_settings()
        retain_h = (
            args.retain_hours
            if args.retain_hours is not None
            else settings.batch.snapshot_retention_h
        )
        spark = create_session(settings)
        try:
            report = maintain(spark, settings, retain_h)
        finally:
            spark.stop()
    except EcomlakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    emit_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
