"""The embedded DuckDB warehouse: the curated Delta tables as views, the marts dbt builds.

The views read the Parquet files of each Delta table's current version (delta-rs lists them),
so DuckDB reads only the columns and partitions a model needs and nothing is copied. They are
re-registered before every dbt run; a view therefore shows the curated version of that run.

On an object store the files are s3:// URIs. DuckDB's own S3 client (the httpfs extension) is
not bundled and would be downloaded at run time; instead every connection that reads the views
registers pyarrow's S3 client, the one pyiceberg already uses, as DuckDB's `s3` file system
(`register_object_store`; dbt's connections through the `ecomlake.transform.lake_plugin`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from ecomlake.config import Settings
from ecomlake.core.storage import curated_tables as stored_curated_tables
from ecomlake.core.storage import curated_uri, on_object_store, open_delta, s3_filesystem
from ecomlake.errors import EcomlakeError

if TYPE_CHECKING:
    from deltalake import DeltaTable

CURATED_SCHEMA = "curated"
MART_SCHEMA = "marts"


def warehouse_path(settings: Settings) -> Path:
    return settings.data_dir / "warehouse" / "ecomlake.duckdb"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def register_object_store(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Let `con` read s3:// files of the lake's store (a no-op on a local disk)."""
    if not on_object_store(settings) or con.filesystem_is_registered("s3"):
        return
    from fsspec.implementations.arrow import ArrowFSWrapper

    class LakeStore(ArrowFSWrapper):  # type: ignore[misc]
        protocol = "s3"  # the scheme DuckDB routes to this file system

    con.register_filesystem(LakeStore(s3_filesystem(settings)))


def curated_view_sql(table: DeltaTable) -> str:
    """SELECT over the table's current files, columns in the table's order."""
    schema = pa.schema(table.schema().to_arrow())
    columns = ", ".join(f'"{field.name}"' for field in schema)
    files = table.file_uris()
    if not files:  # an empty table: no file to read, but the columns and types still hold
        casts = ", ".join(
            f'CAST(NULL AS {_duckdb_type(field.type)}) AS "{field.name}"' for field in schema
        )
        return f"SELECT {casts} WHERE false"
    partitions = table.metadata().partition_columns
    hive = ", ".join(f"'{p}': '{_duckdb_type(schema.field(p).type)}'" for p in partitions)
    options = f", hive_partitioning = true, hive_types = {{{hive}}}" if partitions else ""
    listing = ", ".join(_quote(f) for f in files)
    return f"SELECT {columns} FROM read_parquet([{listing}]{options})"


def _duckdb_type(arrow_type: pa.DataType) -> str:
    con = duckdb.connect()
    try:
        con.register("empty", pa.table({"c": pa.array([], type=arrow_type)}))
        return str(con.sql("SELECT c FROM empty").types[0])
    finally:
        con.close()


def register_curated(
    con: duckdb.DuckDBPyConnection, settings: Settings, tables: dict[str, str]
) -> None:
    """(Re)create a `curated.<table>` view for each curated Delta table (name -> location)."""
    register_object_store(con, settings)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {CURATED_SCHEMA}")
    for name, uri in tables.items():
        sql = curated_view_sql(open_delta(settings, uri))
        con.execute(f'CREATE OR REPLACE VIEW {CURATED_SCHEMA}."{name}" AS {sql}')


def attach_marts(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """Make the warehouse's marts visible in `con` as `marts.<model>` (read-only)."""
    if not path.exists():
        raise EcomlakeError(f"no warehouse at {path}: run `ecomlake transform` first")
    try:
        con.execute(f"ATTACH {_quote(str(path))} AS warehouse (READ_ONLY)")
    except duckdb.IOException as exc:
        raise EcomlakeError(f"the warehouse {path} is busy (dbt running?): {exc}") from None
    models = [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'warehouse' "
            "AND schema_name = ? ORDER BY 1",
            [MART_SCHEMA],
        ).fetchall()
    ]
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {MART_SCHEMA}")
    for model in models:
        source = f'warehouse.{MART_SCHEMA}."{model}"'
        con.execute(f'CREATE VIEW {MART_SCHEMA}."{model}" AS SELECT * FROM {source}')
    return models


def curated_tables(settings: Settings) -> dict[str, str]:
    """The curated Delta tables the ETL has written, name -> location (folder or s3:// URI)."""
    tables = stored_curated_tables(settings)
    if not tables:
        raise EcomlakeError(
            f"no curated tables in {curated_uri(settings)}: run `ecomlake etl` first"
        )
    return tables


def refresh_curated_views(settings: Settings, tables: dict[str, str] | None = None) -> Path:
    """Point the warehouse's curated views at the tables' current files (before dbt runs);
    returns the warehouse's path."""
    path = warehouse_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:  # DuckDB allows one writing process
        raise EcomlakeError(f"the warehouse {path} is in use by another process: {exc}") from None
    try:
        register_curated(con, settings, curated_tables(settings) if tables is None else tables)
    finally:
        con.close()
    return path
