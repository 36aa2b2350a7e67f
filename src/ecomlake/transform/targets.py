"""Each dbt target's view of the curated lake, prepared before dbt runs (inside .venvs/dbt).

- duckdb: `curated.*` views in the warehouse file over the Delta tables' current files.
- spark: `curated.*` external Delta tables in a Hive metastore (Derby) in the data folder; the
  same session then serves dbt-spark's session method.
- snowflake-dialect: fakesnow (DuckDB underneath) with the curated tables copied in, patched
  into the Snowflake connector for the length of the run. A dialect check, not Snowflake.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ecomlake.config import Settings
from ecomlake.core.storage import open_delta, spark_uri
from ecomlake.lake.warehouse import curated_tables, refresh_curated_views

log = logging.getLogger(__name__)

TARGETS = ("duckdb", "spark", "snowflake-dialect", "snowflake", "databricks")
LOCAL_TARGETS = TARGETS[:3]  # the ones `ecomlake transform` can run on this machine


def spark_metastore(settings: Settings) -> Path:
    return settings.data_dir / "warehouse" / "spark"


def fakesnow_dir(settings: Settings) -> Path:
    return settings.data_dir / "warehouse" / "fakesnow"


@contextmanager
def prepared(target: str, settings: Settings) -> Iterator[dict[str, str]]:
    """Make `source('curated', ...)` resolvable on `target` while inside; yields env vars."""
    tables = curated_tables(settings)
    if target == "duckdb":
        yield _prepare_duckdb(settings, tables)
    elif target == "spark":
        with _spark(settings, tables):
            yield {}
    elif target == "snowflake-dialect":
        with _fakesnow(settings, tables):
            yield {}
    else:  # real accounts: their curated tables are the account's business
        yield {}


def _prepare_duckdb(settings: Settings, tables: dict[str, str]) -> dict[str, str]:
    path = refresh_curated_views(settings, tables)
    log.info("duckdb: curated views %s in %s", ", ".join(tables), path)
    return {"ECOMLAKE_WAREHOUSE": str(path)}


@contextmanager
def _spark(settings: Settings, tables: dict[str, str]) -> Iterator[None]:
    from ecomlake.core.spark import create_session

    spark = create_session(settings, metastore_dir=spark_metastore(settings))
    try:
        spark.sql("CREATE DATABASE IF NOT EXISTS curated")
        for name, uri in tables.items():
            location = spark_uri(uri) if "://" in uri else f"file:{Path(uri).resolve().as_posix()}"
            registered = spark.catalog.tableExists(f"curated.{name}")
            if registered and _location(spark, name) != location:
                spark.sql(f"DROP TABLE curated.{name}")  # the data folder or the lake moved
                registered = False
            if not registered:
                quoted = location.replace("'", "\\'")
                spark.sql(f"CREATE TABLE curated.{name} USING DELTA LOCATION '{quoted}'")
        log.info("spark: curated tables %s", ", ".join(tables))
        yield
    finally:
        spark.stop()


def _location(spark: Any, name: str) -> str:
    rows = spark.sql(f"DESCRIBE DETAIL curated.{name}").collect()
    return str(rows[0]["location"]).rstrip("/")


TEMPORARY_TABLE = re.compile(r"^(\s*create\s+(?:or\s+replace\s+)?)temporary\s+table\b", re.I)


@contextmanager
def _qualified_temporary_tables() -> Iterator[None]:
    """dbt-snowflake creates `temporary table db.schema.x__dbt_tmp` (incremental runs, unit
    tests); DuckDB allows temporary tables only in its `temp` catalog, so fakesnow refuses them.
    Inside, such statements create ordinary tables (replaced on the next run) instead."""
    from fakesnow.cursor import FakeSnowflakeCursor

    original = FakeSnowflakeCursor.execute

    def execute(self: Any, command: str, *args: Any, **kwargs: Any) -> Any:
        return original(self, TEMPORARY_TABLE.sub(r"\1table", command), *args, **kwargs)

    FakeSnowflakeCursor.execute = execute
    try:
        yield
    finally:
        FakeSnowflakeCursor.execute = original


@contextmanager
def _fakesnow(settings: Settings, tables: dict[str, str]) -> Iterator[None]:
    import fakesnow
    import pyarrow as pa
    import snowflake.connector

    directory = fakesnow_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    with fakesnow.patch(db_path=directory), _qualified_temporary_tables():
        con = snowflake.connector.connect(database="ECOMLAKE", schema="CURATED")
        duck = con._duck_conn  # fakesnow's DuckDB underneath
        for name, uri in tables.items():
            data = open_delta(settings, uri).to_pyarrow_table()
            # Nested columns (a basket's items) have no use in the models; Snowflake would
            # hold them as VARIANT.
            flat = [f.name for f in data.schema if not pa.types.is_nested(f.type)]
            duck.register("incoming", data.select(flat))
            duck.execute(f"CREATE OR REPLACE TABLE ecomlake.curated.{name} AS "
                         "SELECT * FROM incoming")  # fmt: skip
            duck.unregister("incoming")
        con.close()
        log.info("fakesnow: curated tables %s", ", ".join(tables))
        yield
