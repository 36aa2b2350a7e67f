"""The warm Spark (`ecomlake up --with spark`): a standalone master (UI on
`batch.master_ui_port`, 8090) and one worker, and a Spark Connect server (`batch.connect_port`,
15002; its application's UI on `batch.connect_ui_port`) whose application runs on them.

All three come from PySpark's bundled distribution plus the connector jars of `make setup`.
`ecomlake etl`, `lake maintain` and the Airflow tasks open a session on the Connect server while
it runs (ecomlake.core.spark.create_session): the JVMs, their JIT and the executor stay warm
between jobs. Each session brings its own lake catalog, so one server serves any data folder.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from pathlib import Path
from typing import Any

from ecomlake.config import runtime_python
from ecomlake.core.jvm import require_jars, require_java
from ecomlake.core.process import port_open
from ecomlake.core.spark import CONNECT_RECORD, pyspark_home, server_conf, session_conf
from ecomlake.core.storage import aws_env
from ecomlake.services.base import Service

LOOPBACK = "127.0.0.1"


def properties(conf: dict[str, str]) -> str:
    """A Spark properties file (Java properties: `\\` escapes, one `key=value` a line)."""
    return "".join(f"{key}={value.replace(chr(92), chr(92) * 2)}\n" for key, value in conf.items())


class _SparkProcess(Service):
    @property
    def state_dir(self) -> Path:
        return self.settings.data_dir / "spark" / "cluster"

    @property
    def conf_file(self) -> Path:
        """Its properties file: in the JVM's command line, so also the pid-reuse marker."""
        return self.state_dir / f"{self.name}.conf"

    @property
    def marker(self) -> str:
        return str(self.conf_file)

    @property
    def start_timeout_s(self) -> float:
        return 180.0

    @property
    def master_url(self) -> str:
        return f"spark://{LOOPBACK}:{self.settings.batch.master_port}"

    def preflight(self) -> None:
        require_java(self.settings.java)
        require_jars(self.settings.jars("spark"), "Spark connector")
        pyspark_home()

    def cluster_state(self) -> dict[str, Any] | None:
        """The master's JSON view (workers, applications), or None when it does not answer."""
        url = f"http://{LOOPBACK}:{self.settings.batch.master_ui_port}/json/"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                answer: dict[str, Any] = json.load(response)
                return answer
        except (OSError, ValueError):
            return None

    def conf(self) -> dict[str, str]:
        return {}

    def prepare(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.conf_file.write_text(properties(self.conf()))

    def env(self) -> dict[str, str]:
        java = Path(os.path.realpath(shutil.which(self.settings.java) or self.settings.java))
        # An s3:// warehouse: the AWS credentials its jobs' S3 clients read from the environment.
        store = aws_env(self.settings)
        return (
            os.environ
            | store
            | {
                "SPARK_HOME": str(pyspark_home()),
                "JAVA_HOME": str(java.parent.parent),
                "SPARK_CONF_DIR": str(self.state_dir),  # nothing from a user's own Spark set-up
                "SPARK_LOCAL_IP": LOOPBACK,
                "SPARK_LOCAL_DIRS": str(self.state_dir / "local"),
                # Python UDFs (none today) would run in the spark environment's interpreter.
                "PYSPARK_PYTHON": str(runtime_python("spark")),
            }
        )

    def cwd(self) -> Path:
        return self.state_dir  # Spark writes ./artifacts and ./spark-warehouse here

    def spark_class(self, main: str, *args: str) -> list[str]:
        # spark-class execs the JVM: the recorded pid is the JVM's.
        script = pyspark_home() / "bin" / "spark-class"
        return ["bash", str(script), main, "--properties-file", str(self.conf_file), *args]


class SparkMaster(_SparkProcess):
    name = "spark"
    group_kill = True

    @property
    def ports(self) -> tuple[int, ...]:
        b = self.settings.batch
        return (b.master_port, b.master_ui_port)

    def command(self) -> list[str]:
        b = self.settings.batch
        return self.spark_class(
            "org.apache.spark.deploy.master.Master",
            *("--host", LOOPBACK, "--port", str(b.master_port)),
            *("--webui-port", str(b.master_ui_port)),
        )

    def healthy(self) -> bool:
        return self.cluster_state() is not None

    def after_start(self) -> str:
        # The worker and the Connect server are part of "spark": started here, stopped with it.
        worker = SparkWorker(self.settings).start()
        connect = SparkConnectServer(self.settings).start()
        b = self.settings.batch
        return (
            f"; {worker}; {connect}; master UI http://{LOOPBACK}:{b.master_ui_port}, "
            f"jobs UI http://{LOOPBACK}:{b.connect_ui_port}, "
            f"Spark Connect sc://{LOOPBACK}:{b.connect_port}"
        )

    def start(self) -> str:
        rec = self.record()
        if rec is None:
            return super().start()
        # The master runs: bring back a worker or Connect server that died (kill -9, OOM).
        parts = "; ".join(part.start() for part in self.parts())
        return f"{self.name} is already running (pid {rec.pid}); {parts}"

    def stop(self) -> str:
        connect = SparkConnectServer(self.settings).stop()
        worker = SparkWorker(self.settings).stop()
        return f"{connect}; {worker}; {super().stop()}"

    def parts(self) -> list[Service]:
        return [SparkWorker(self.settings), SparkConnectServer(self.settings)]


class SparkWorker(_SparkProcess):
    name = "spark-worker"
    group_kill = True  # its executor is a child process

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.batch.worker_ui_port,)

    def command(self) -> list[str]:
        b = self.settings.batch
        return self.spark_class(
            "org.apache.spark.deploy.worker.Worker",
            *("--host", LOOPBACK, "--webui-port", str(b.worker_ui_port)),
            *("--cores", str(os.cpu_count() or 2), "--memory", b.executor_memory),
            *("--work-dir", str(self.state_dir / "work")),
            self.master_url,
        )

    def healthy(self) -> bool:
        state = self.cluster_state()
        return state is not None and int(state.get("aliveworkers", 0)) >= 1


class SparkConnectServer(_SparkProcess):
    name = "spark-connect"
    group_kill = True

    @property
    def pid_file(self) -> Path:
        return self.settings.run_dir / CONNECT_RECORD  # where create_session looks for it

    @property
    def ports(self) -> tuple[int, ...]:
        b = self.settings.batch
        return (b.connect_port, b.connect_ui_port)

    def conf(self) -> dict[str, str]:
        b = self.settings.batch
        return (
            server_conf(self.settings, self.master_url)
            # The lake of the data folder that started it; each session sends its own.
            | session_conf(self.settings)
            | {
                "spark.app.name": "ecomlake-spark-connect",
                "spark.executor.memory": b.executor_memory,
                "spark.driver.host": LOOPBACK,
                "spark.driver.bindAddress": LOOPBACK,
                "spark.ui.port": str(b.connect_ui_port),
                "spark.connect.grpc.binding.address": LOOPBACK,
                "spark.connect.grpc.binding.port": str(b.connect_port),
                "spark.connect.session.manager.defaultSessionTimeout": (
                    f"{b.connect_session_timeout_min}m"
                ),
                "spark.sql.warehouse.dir": str(self.state_dir / "warehouse"),
            }
        )

    def command(self) -> list[str]:
        script = pyspark_home() / "bin" / "spark-submit"
        return [
            "bash",
            str(script),
            *("--class", "org.apache.spark.sql.connect.service.SparkConnectServer"),
            *("--properties-file", str(self.conf_file)),
            "spark-internal",
        ]

    def healthy(self) -> bool:
        return port_open(LOOPBACK, self.settings.batch.connect_port)
