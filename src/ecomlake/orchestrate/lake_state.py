"""Has the curated layer absorbed raw.events' current snapshot? Read without Spark: the ETL
marks each Delta commit with the raw snapshot it read (`ecomlake.batch.state`)."""

from __future__ import annotations

from ecomlake.config import Settings


def raw_snapshot(settings: Settings) -> int | None:
    from pyiceberg.exceptions import NoSuchTableError

    from ecomlake.lake.catalog import open_catalog

    try:
        snapshot = open_catalog(settings).load_table(("raw", "events")).current_snapshot()
    except NoSuchTableError:
        return None
    return snapshot.snapshot_id if snapshot is not None else None


def absorbed_snapshot(settings: Settings) -> int | None:
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    from ecomlake.batch.state import recorded_snapshot

    path = settings.lake.curated_dir(settings.data_dir) / "events"
    try:
        return recorded_snapshot(DeltaTable(str(path)).history())
    except TableNotFoundError:
        return None


def curated_is_current(settings: Settings) -> tuple[bool, str]:
    raw, absorbed = raw_snapshot(settings), absorbed_snapshot(settings)
    if raw is None:
        return True, "raw.events has no snapshot yet"
    if raw == absorbed:
        return True, f"curated has absorbed raw snapshot {raw}"
    return False, f"raw.events is at snapshot {raw}, curated at {absorbed}"
