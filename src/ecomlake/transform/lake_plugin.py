"""dbt-duckdb plugin (profiles.yml, duckdb target): dbt's DuckDB connections read the curated
views' files where the lake keeps them. On an object store that is through pyarrow's S3 client
(`register_object_store`), so no DuckDB extension is downloaded; on a local disk it does
nothing. It runs inside dbt (`ecomlake transform`, Airflow's Cosmos tasks)."""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from ecomlake.config import load_settings
from ecomlake.lake.warehouse import register_object_store


class Plugin(BasePlugin):  # type: ignore[misc]
    def configure_connection(self, conn: Any) -> None:
        register_object_store(conn, load_settings())
