"""Has the curated layer absorbed raw.events' current snapshot? Read without Spark: the ETL
marks each Delta commit with the raw snapshot it read (`ecomlake.lake.marks`)."""

from __future__ import annotations

from ecomlake.config import Settings


def absorbed_snapshot(settings: Settings) -> int | None:
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    from ecomlake.lake.marks import recorded_snapshot

    path = settings.lake.curated_dir(settings.data_dir) / "events"
    try:
        return recorded_snapshot(DeltaTable(str(path)).history())
    except TableNotFoundError:
        return None


def curated_is_current(settings: Settings) -> tuple[bool, str]:
    """True when every raw.events snapshot after the one curated absorbed only rewrote files
    (compaction: operation `replace`), so the ETL would find no new rows."""
    from pyiceberg.exceptions import NoSuchTableError
    from pyiceberg.table.snapshots import Operation, Snapshot

    from ecomlake.lake.catalog import open_catalog

    try:
        table = open_catalog(settings).load_table(("raw", "events"))
    except NoSuchTableError:
        return True, "raw.events does not exist yet"
    current = table.current_snapshot()
    if current is None:
        return True, "raw.events has no snapshot yet"
    absorbed = absorbed_snapshot(settings)
    snapshot: Snapshot | None = current
    new = 0
    while snapshot is not None and snapshot.snapshot_id != absorbed:
        if snapshot.summary is None or snapshot.summary.operation != Operation.REPLACE:
            new += 1
        parent = snapshot.parent_snapshot_id
        snapshot = table.snapshot_by_id(parent) if parent is not None else None
    if snapshot is None:  # absorbed not among the ancestors: never run, rolled back, expired
        return (
            False,
            f"curated has absorbed {absorbed}, not an ancestor of raw's {current.snapshot_id}",
        )
    if new:
        return False, f"raw.events has {new} snapshot(s) with data after {absorbed}"
    return True, f"curated has absorbed raw.events up to {current.snapshot_id}"
