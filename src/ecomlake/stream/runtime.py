"""The Flink runtime: PyFlink's bundled distribution plus the connector jars from Maven.

PyFlink finds its distribution through FLINK_HOME. Jars passed as `pipeline.jars` reach the
job's class loader but not the client side, where catalogs are created, and Iceberg's catalog
needs the Hadoop classes there. So the runtime assembles a FLINK_HOME in the data folder whose
lib/ links PyFlink's jars and ours: nothing copied, nothing downloaded.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from ecomlake.config import Settings
from ecomlake.errors import EcomlakeError
from ecomlake.services.base import require_jars, require_java

if TYPE_CHECKING:
    from pyflink.table import TableEnvironment

LAKE_CATALOG = "lake"


def pyflink_dist() -> Path:
    try:
        import pyflink
    except ImportError:
        raise EcomlakeError(
            "PyFlink is not installed in this environment: run stream jobs with "
            ".venvs/flink/bin/python (make setup creates it)"
        ) from None
    return Path(pyflink.__file__).parent


def assemble_flink_home(settings: Settings) -> Path:
    """Link PyFlink's distribution and the connector jars into `<data>/flink/home`."""
    require_java(settings.java)
    jars = require_jars(settings.jars("flink"), "Flink connector")
    dist = pyflink_dist()
    home = settings.data_dir / "flink" / "home"
    if home.exists():
        shutil.rmtree(home)  # links only: rebuilt each time so jar upgrades take effect
    (home / "lib").mkdir(parents=True)
    (home / "log").mkdir()
    for name in ("bin", "conf", "opt", "plugins"):
        (home / name).symlink_to(dist / name, target_is_directory=True)
    for jar in sorted(dist.glob("lib/*.jar")) + sorted(jars.glob("*.jar")):
        (home / "lib" / jar.name).symlink_to(jar)
    return home


def lake_catalog_ddl(settings: Settings) -> str:
    """The Iceberg catalog in Flink SQL: the JDBC catalog over the local warehouse."""
    lake = settings.lake
    return (
        f"CREATE CATALOG {LAKE_CATALOG} WITH ("
        "'type'='iceberg',"
        "'catalog-impl'='org.apache.iceberg.jdbc.JdbcCatalog',"
        f"'uri'='{lake.catalog_uri(settings.data_dir)}',"
        f"'warehouse'='{lake.warehouse_uri(settings.data_dir)}',"
        "'jdbc.schema-version'='V1')"
    )


def table_environment(settings: Settings, streaming: bool = True) -> TableEnvironment:
    """A TableEnvironment on Flink's embedded mini-cluster, with the lake catalog registered."""
    os.environ["FLINK_HOME"] = str(assemble_flink_home(settings))  # read when the JVM starts
    from pyflink.table import EnvironmentSettings, TableEnvironment

    mode = (
        EnvironmentSettings.in_streaming_mode()
        if streaming
        else (EnvironmentSettings.in_batch_mode())
    )
    env = TableEnvironment.create(mode)
    (settings.data_dir / "lake").mkdir(parents=True, exist_ok=True)
    env.execute_sql(lake_catalog_ddl(settings))
    return env
