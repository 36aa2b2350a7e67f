"""The Flink runtime: PyFlink's bundled distribution plus the connector jars from Maven.

PyFlink finds its distribution through FLINK_HOME. Jars passed as `pipeline.jars` reach the
job's class loader but not the client side, where catalogs are created, and Iceberg's catalog
needs the Hadoop classes there. So the runtime assembles a FLINK_HOME in the data folder whose
lib/ links PyFlink's jars and ours (connectors from Maven, the job's own function built from
jvm/stream-udf): nothing copied, nothing downloaded.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from ecomlake.config import Settings, runtime_package
from ecomlake.core.jvm import require_jars, require_java
from ecomlake.core.storage import aws_env, iceberg_java_properties
from ecomlake.stream.sql import LAKE_CATALOG

if TYPE_CHECKING:
    from pyflink.table import TableEnvironment

# The client and embedded cluster log to the data folder's logs/flink/; the console gets WARN+.
LOG4J_PROPERTIES = """\
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = File
rootLogger.appenderRef.console.ref = Console
appender.file.name = File
appender.file.type = FILE
appender.file.append = true
appender.file.fileName = ${sys:log.file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
appender.console.name = Console
appender.console.type = CONSOLE
appender.console.filter.threshold.type = ThresholdFilter
appender.console.filter.threshold.level = WARN
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = flink %-5p %c{1} - %m%n
# One line per warning on the console (a store outage retries every few hundred ms); the
# stack traces go to the log file.
appender.console.layout.alwaysWriteExceptions = false
# Known-harmless warnings of a local mini-cluster without Hadoop or Kerberos.
logger.quiet1.name = org.apache.flink.runtime.util.HadoopUtils
logger.quiet1.level = ERROR
logger.quiet2.name = org.apache.hadoop.util.NativeCodeLoader
logger.quiet2.level = ERROR
logger.quiet3.name = org.apache.flink.runtime.security.token.DefaultDelegationTokenManager
logger.quiet3.level = ERROR
logger.quiet4.name = org.apache.flink.runtime.metrics.util.MetricUtils
logger.quiet4.level = ERROR
logger.quiet5.name = org.apache.flink.kafka.shaded.org.apache.kafka.common.utils.AppInfoParser
logger.quiet5.level = ERROR
logger.quiet8.name = org.apache.flink.connector.kafka.source.KafkaSourceBuilder
logger.quiet8.level = ERROR
# Kafka sinks register two metrics under one name; only the warning is lost.
logger.quiet9.name = org.apache.flink.metrics.MetricGroup
logger.quiet9.level = ERROR
# The Python workers' gRPC channels report their cancellation on every stop as errors.
logger.quiet6.name = org.apache.beam.runners.fnexecution.control.FnApiControlClient
logger.quiet6.level = OFF
logger.quiet10.name = org.apache.beam.runners.fnexecution.control.DefaultJobBundleFactory
logger.quiet10.level = ERROR
logger.quiet7.name = org.apache.flink.streaming.api.operators.python
logger.quiet7.level = ERROR
"""


def pyflink_dist() -> Path:
    """PyFlink's bundled distribution: this environment's, else the flink environment's."""
    return runtime_package("flink", "pyflink")


def assemble_flink_home(
    settings: Settings, home: Path | None = None, cluster: bool = False
) -> Path:
    """Link PyFlink's distribution and the connector jars into `home` (`<data>/flink/home`).

    A standalone cluster also needs the Python runtime jar in lib/ (PyFlink's client adds it
    itself for the embedded mini-cluster).
    """
    require_java(settings.java)
    jars = require_jars(settings.jars("flink"), "Flink connector")
    function = require_jars(settings.jars("stream-udf"), "stream function (jvm/stream-udf)")
    dist = pyflink_dist()
    home = home or settings.data_dir / "flink" / "home"
    if home.exists():
        shutil.rmtree(home)  # links only: rebuilt each time so jar upgrades take effect
    (home / "lib").mkdir(parents=True)
    logs = settings.logs_dir / "flink"
    logs.mkdir(parents=True, exist_ok=True)
    (home / "log").symlink_to(logs, target_is_directory=True)
    (home / "log4j-cli.properties").write_text(LOG4J_PROPERTIES)
    for name in ("bin", "conf", "opt", "plugins"):
        (home / name).symlink_to(dist / name, target_is_directory=True)
    # The Prometheus reporter ships as a plugin; on lib/ the embedded mini-cluster finds it too.
    reporter = sorted(dist.glob("plugins/metrics-prometheus/*.jar"))
    python = sorted(dist.glob("opt/flink-python-*.jar")) if cluster else []
    ours = sorted(jars.glob("*.jar")) + sorted(function.glob("*.jar"))
    for jar in sorted(dist.glob("lib/*.jar")) + reporter + python + ours:
        (home / "lib" / jar.name).symlink_to(jar)
    return home


# Iceberg's Hadoop I/O on the local warehouse: the stream function jar's file system sets
# permissions without forking `chmod` per file and writes no .crc files (LocalFileSystem.java).
# Found through HADOOP_CONF_DIR: Flink builds the Hadoop configuration Iceberg's catalog gets
# from it (the catalog's own `hadoop-conf-dir` option is read for Hive catalogs only).
CORE_SITE = """<?xml version="1.0"?>
<configuration>
  <property><name>fs.file.impl</name><value>dev.ecomlake.stream.LocalFileSystem</value></property>
</configuration>
"""


def hadoop_conf_dir(settings: Settings) -> Path:
    folder = settings.data_dir / "flink" / "hadoop-conf"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "core-site.xml").write_text(CORE_SITE)
    return folder


def lake_catalog_ddl(settings: Settings) -> str:
    """The Iceberg catalog in Flink SQL: the JDBC catalog over the local warehouse."""
    lake = settings.lake
    store = "".join(f"'{k}'='{v}'," for k, v in iceberg_java_properties(settings).items())
    return (
        f"CREATE CATALOG {LAKE_CATALOG} WITH ("
        "'type'='iceberg',"
        "'catalog-impl'='org.apache.iceberg.jdbc.JdbcCatalog',"
        f"'uri'='{lake.catalog_uri(settings.data_dir)}',"
        f"'warehouse'='{lake.warehouse_uri(settings.data_dir)}',"
        f"{store}"
        "'jdbc.schema-version'='V1')"
    )


def table_environment(
    settings: Settings, config: dict[str, str] | None = None, streaming: bool = True
) -> TableEnvironment:
    """A TableEnvironment (embedded mini-cluster unless `config` targets a cluster) with the
    lake catalog registered."""
    home = assemble_flink_home(settings)
    os.environ["FLINK_HOME"] = str(home)  # read when the gateway JVM starts
    os.environ["LOG4J_PROPERTIES"] = str(home / "log4j-cli.properties")
    os.environ["HADOOP_CONF_DIR"] = str(hadoop_conf_dir(settings))
    os.environ["JVM_ARGS"] = f"-Xmx{settings.stream.heap}"  # PyFlink's gateway JVM reads it
    os.environ.update(aws_env(settings))  # an s3:// warehouse: the SDK's credential chain
    from pyflink.common import Configuration
    from pyflink.table import EnvironmentSettings, TableEnvironment

    configuration = Configuration()
    for key, value in (config or {}).items():
        configuration.set_string(key, value)
    builder = EnvironmentSettings.new_instance().with_configuration(configuration)
    mode = builder.in_streaming_mode() if streaming else builder.in_batch_mode()
    env = TableEnvironment.create(mode.build())
    (settings.data_dir / "lake").mkdir(parents=True, exist_ok=True)
    env.execute_sql(lake_catalog_ddl(settings))
    return env
