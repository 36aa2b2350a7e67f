"""Loading an interval's raw.events snapshot into the warehouse.

DuckDB (default): the interval's rows, read from that exact Iceberg snapshot, replace the day
in `raw_loads.events` of the warehouse file, with a row in `raw_loads.snapshots` saying which
snapshot it came from; a rerun replaces the same day (idempotent).

Snowflake (real accounts, `orchestrate.snowflake_load = true`): no copy at all. An Iceberg
table in Snowflake reads the lake's own metadata through an external volume and a catalog
integration, and is refreshed to the snapshot's metadata file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ecomlake.config import Settings
from ecomlake.errors import EcomlakeError

SCHEMA = "raw_loads"


@dataclass(frozen=True)
class Loaded:
    day: date
    snapshot_id: int
    rows: int


def load_day_into_duckdb(settings: Settings, day: date, snapshot_id: int) -> Loaded:
    import duckdb

    from ecomlake.lake.catalog import open_catalog
    from ecomlake.lake.warehouse import warehouse_path

    table = open_catalog(settings).load_table(("raw", "events"))
    if table.snapshot_by_id(snapshot_id) is None:
        raise EcomlakeError(f"raw.events has no snapshot {snapshot_id} (expired?)")
    rows = table.scan(
        row_filter=f"event_date = '{day.isoformat()}'", snapshot_id=snapshot_id
    ).to_arrow()
    path = warehouse_path(settings)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        raise EcomlakeError(f"the warehouse {path} is in use by another process: {exc}") from None
    try:
        con.execute("BEGIN")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.events AS FROM rows LIMIT 0")
        con.execute(f"DELETE FROM {SCHEMA}.events WHERE event_date = ?", [day])
        con.execute(f"INSERT INTO {SCHEMA}.events BY NAME FROM rows")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {SCHEMA}.snapshots (day DATE PRIMARY KEY, "
            "snapshot_id BIGINT, rows BIGINT, loaded_at TIMESTAMPTZ)"
        )
        con.execute(
            f"INSERT OR REPLACE INTO {SCHEMA}.snapshots VALUES (?, ?, ?, now())",
            [day, snapshot_id, rows.num_rows],
        )
        con.execute("COMMIT")
    finally:
        con.close()
    return Loaded(day, snapshot_id, rows.num_rows)


def snowflake_statements(
    settings: Settings, metadata_location: str, table: str = "RAW.EVENTS"
) -> list[str]:
    """The statements that point Snowflake's Iceberg table at a snapshot's metadata file.
    The lake must live on object storage the external volume can read (lake.warehouse =
    s3://...); the path is given relative to the volume's base location."""
    o = settings.orchestrate
    base = settings.lake.warehouse_uri(settings.data_dir).rstrip("/") + "/"
    if not metadata_location.startswith(base):
        raise EcomlakeError(f"{metadata_location} is not under the lake warehouse {base}")
    relative = metadata_location[len(base) :]
    return [
        f"CREATE ICEBERG TABLE IF NOT EXISTS {table} "
        f"EXTERNAL_VOLUME = '{o.snowflake_external_volume}' "
        f"CATALOG = '{o.snowflake_catalog_integration}' METADATA_FILE_PATH = '{relative}'",
        f"ALTER ICEBERG TABLE {table} REFRESH '{relative}'",
    ]
