"""The Spark session the Spark ETL, lake maintenance and dbt's Spark target share: Iceberg's
JDBC catalog `lake` plus Delta Lake, on the warm Spark of `ecomlake up --with spark` (Spark
Connect) when it runs, else in the job's own application.

Jars come from the Maven manifest (`jvm/lib/spark`, fetched by `make setup`): nothing is
downloaded at run time. Runs in `.venvs/spark` and `.venvs/dbt` (PySpark is imported inside).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ecomlake.config import Settings, runtime_package
from ecomlake.core.process import PidRecord, port_open, process_alive
from ecomlake.core.storage import aws_env, iceberg_java_properties, spark_s3a_conf
from ecomlake.errors import EcomlakeError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LAKE_CATALOG = "lake"  # the same name the stream job and pyiceberg use
LOCAL_IO = {"io-impl": "org.apache.iceberg.hadoop.HadoopFileIO"}  # the JDBC catalog's default
log = logging.getLogger(__name__)


def server_conf(settings: Settings, master: str | None = None) -> dict[str, str]:
    """What a Spark application fixes at start: jars, extensions, memory."""
    jars = sorted(str(p) for p in settings.jars("spark").glob("*.jar"))
    if not jars:
        raise EcomlakeError(f"no Spark jars in {settings.jars('spark')}: run `make setup`")
    batch = settings.batch
    return {
        "spark.master": master or batch.master,
        "spark.app.name": "ecomlake-batch",
        "spark.jars": ",".join(jars),
        "spark.driver.memory": batch.driver_memory,
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension,"
        "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        **{f"spark.hadoop.{k}": v for k, v in spark_s3a_conf(settings).items()},
    }


def session_conf(settings: Settings) -> dict[str, str]:
    """What each session sets for itself: the lake's catalog (its data folder), shuffles and
    Delta's defaults. A session of the warm server sends these when it connects, so one
    server serves jobs of any data folder."""
    lake, batch = settings.lake, settings.batch
    catalog = f"spark.sql.catalog.{LAKE_CATALOG}"
    return {
        "spark.sql.shuffle.partitions": str(batch.shuffle_partitions),
        "spark.sql.session.timeZone": "UTC",
        # File listings (Delta VACUUM, Iceberg orphan removal) default to 10,000 tasks.
        "spark.sql.sources.parallelPartitionDiscovery.parallelism": str(batch.shuffle_partitions),
        catalog: "org.apache.iceberg.spark.SparkCatalog",
        f"{catalog}.catalog-impl": "org.apache.iceberg.jdbc.JdbcCatalog",
        f"{catalog}.uri": lake.catalog_uri(settings.data_dir),
        f"{catalog}.warehouse": lake.warehouse_uri(settings.data_dir),
        f"{catalog}.jdbc.schema-version": "V1",
        # Every read sees the newest commit (the stream job commits every few seconds).
        f"{catalog}.cache-enabled": "false",
        # Delta rebuilds a table's state from its log in 50 tasks by default: the curated
        # tables' logs hold hundreds of actions, and a run loads each table's state several
        # times (2 tasks cut the ETL's CPU by ~30% on the test lake; docs/benchmarks.md).
        "spark.databricks.delta.snapshotPartitions": str(batch.delta_snapshot_partitions),
        # Curated tables stay readable by delta-rs (`ecomlake query`): no deletion vectors.
        "spark.databricks.delta.properties.defaults.enableDeletionVectors": "false",
        "spark.databricks.delta.schema.autoMerge.enabled": "false",
        # VACUUM's own safety check is replaced by the configured retention.
        "spark.databricks.delta.retentionDurationCheck.enabled": "false",
        # An s3:// warehouse: Iceberg through S3FileIO, Delta through s3a (a session's own
        # Hadoop keys reach the file systems it opens: how a warm server's session gets them).
        # The FileIO is always named: a warm server started for an s3:// lake must not lend
        # its S3FileIO to a session of a local one.
        **{f"{catalog}.{k}": v for k, v in (iceberg_java_properties(settings) or LOCAL_IO).items()},
        **spark_s3a_conf(settings),
    }


def spark_conf(settings: Settings, master: str | None = None) -> dict[str, str]:
    """Everything a job's own (local or cluster) application is started with. Its Hadoop keys
    are in the server's part as `spark.hadoop.*` (unprefixed, Spark warns it ignores them)."""
    hadoop = spark_s3a_conf(settings)
    own = {k: v for k, v in session_conf(settings).items() if k not in hadoop}
    return server_conf(settings, master) | own


def pyspark_home() -> Path:
    """PySpark's bundled distribution (bin/, jars/): this environment's, else the spark one's."""
    return runtime_package("spark", "pyspark")


CONNECT_RECORD = "spark-connect.json"  # the pid record `ecomlake up --with spark` writes


def warm_server(settings: Settings) -> str | None:
    """The Spark Connect address of the warm Spark (`ecomlake up --with spark`) when it runs."""
    record = PidRecord.load(settings.run_dir / CONNECT_RECORD)
    if record is None or not process_alive(record.pid, record.marker):
        return None
    port = settings.batch.connect_port
    return f"sc://127.0.0.1:{port}" if port_open("127.0.0.1", port) else None


def metastore_conf(metastore_dir: Path) -> dict[str, str]:
    """A Hive metastore in embedded Derby under `metastore_dir`: tables that outlive the
    session (the dbt Spark target's schemas). Derby allows one process at a time."""
    return {
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": str(metastore_dir / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={metastore_dir / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={metastore_dir}",
    }


def create_session(
    settings: Settings, master: str | None = None, metastore_dir: Path | None = None
) -> SparkSession:
    """A session on `batch.connect` or the warm Spark when it runs, else the job's own
    application (`master`, default `batch.master`). With `metastore_dir`, catalog tables
    persist there (Hive, in the job's own application: the warm server has no metastore)."""
    from pyspark.sql import SparkSession

    batch = settings.batch
    url = (batch.connect or warm_server(settings)) if batch.warm and master is None else None
    if url is not None and metastore_dir is None:
        log.info("Spark: a session on the warm server at %s", url)
        remote = SparkSession.builder.remote(url)
        for key, value in session_conf(settings).items():
            remote = remote.config(key, value)
        return remote.getOrCreate()
    log.info("Spark: starting a %s application", master or settings.batch.master)
    # Executors import nothing from ecomlake, but must run this environment's Python.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.update(aws_env(settings))  # an s3:// warehouse: the JVM's AWS credentials
    (settings.data_dir / "lake").mkdir(parents=True, exist_ok=True)
    conf = spark_conf(settings, master)
    if metastore_dir is not None:
        metastore_dir.mkdir(parents=True, exist_ok=True)
        conf |= metastore_conf(metastore_dir)
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    # The JVM starts in a scratch folder of the data folder: Spark 4.0 creates `./artifacts/`
    # (and `./spark-warehouse/` without a metastore) in its working directory.
    scratch = settings.data_dir / "spark"
    scratch.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(scratch):
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
