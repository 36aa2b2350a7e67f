"""A local standalone Flink cluster (`ecomlake up --with flink`): a JobManager with the REST
API and web UI on `stream.rest_port` (8081), and one TaskManager, both from PyFlink's bundled
distribution plus the connector jars. `ecomlake stream --cluster` submits the job there.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

from ecomlake.core.jvm import require_jars, require_java
from ecomlake.core.storage import aws_env
from ecomlake.services.base import Service
from ecomlake.stream.runtime import assemble_flink_home, pyflink_dist


def cluster_config(java_opts: str, rest_port: int, metrics_port: int) -> str:
    """config.yaml with flattened keys (Flink 2 reads both nested and flattened)."""
    settings = {
        "env.java.opts.all": java_opts,
        "jobmanager.rpc.address": "localhost",
        "jobmanager.bind-host": "localhost",
        "taskmanager.bind-host": "localhost",
        "taskmanager.host": "localhost",
        "rest.address": "localhost",
        "rest.bind-address": "localhost",
        "rest.port": str(rest_port),
        "jobmanager.memory.process.size": "1024m",
        "taskmanager.memory.process.size": "2560m",
        "taskmanager.numberOfTaskSlots": "2",
        "parallelism.default": "1",
        "metrics.reporter.prom.factory.class": (
            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
        ),
        "metrics.reporter.prom.port": f"{metrics_port}-{metrics_port + 9}",
    }
    return "".join(f"{key}: {json.dumps(value)}\n" for key, value in settings.items())


def _bundled_java_opts() -> str:
    """PyFlink's own JVM flags (module opens Java 17 needs), read from its config."""
    text = (pyflink_dist() / "conf" / "config.yaml").read_text()
    found = re.search(r"^\s+all:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else ""


class _FlinkProcess(Service):
    script = ""

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.stream.rest_port}"

    def overview(self) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(f"{self.rest_url}/overview", timeout=2) as response:
                answer: dict[str, Any] = json.load(response)
                return answer
        except (OSError, ValueError):
            return None

    def preflight(self) -> None:
        require_java(self.settings.java)
        require_jars(self.settings.jars("flink"), "Flink connector")

    @property
    def home(self) -> Path:
        return self.settings.data_dir / "flink" / "cluster"

    def prepare(self) -> None:
        home = assemble_flink_home(self.settings, self.home / "home", cluster=True)
        conf = self.home / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        s = self.settings.stream
        (conf / "config.yaml").write_text(
            cluster_config(_bundled_java_opts(), s.rest_port, s.metrics_port + 10)
        )
        for name in ("log4j-console.properties", "log4j.properties"):
            source = home / "conf" / name
            if source.exists():
                (conf / name).write_text(source.read_text())

    def env(self) -> dict[str, str]:
        home = self.home / "home"
        # config.sh derives FLINK_HOME from the (symlink-resolved) script, i.e. PyFlink's own
        # folder; the lib dir override is what puts the connectors on the classpath.
        return {
            "FLINK_HOME": str(home),
            "FLINK_LIB_DIR": str(home / "lib"),
            "FLINK_CONF_DIR": str(self.home / "conf"),
            "FLINK_LOG_DIR": str(self.settings.logs_dir),
        } | aws_env(self.settings)  # an s3:// warehouse: the TaskManager's sink writes there

    def command(self) -> list[str]:
        # start-foreground execs the JVM, so the recorded pid is the JVM's; the conf path in
        # its command line is the pid-reuse marker.
        return ["bash", str(self.home / "home" / "bin" / self.script), "start-foreground"]

    @property
    def marker(self) -> str:
        return str(self.home / "conf")


class FlinkJobManager(_FlinkProcess):
    name = "flink"
    script = "jobmanager.sh"

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.stream.rest_port,)

    def healthy(self) -> bool:
        return self.overview() is not None

    def after_start(self) -> str:
        # The TaskManager is part of "flink": started here, stopped with the JobManager.
        return f"; {FlinkTaskManager(self.settings).start()}; UI {self.rest_url}"

    def stop(self) -> str:
        return f"{FlinkTaskManager(self.settings).stop()}; {super().stop()}"

    def parts(self) -> list[Service]:
        return [FlinkTaskManager(self.settings)]


class FlinkTaskManager(_FlinkProcess):
    name = "flink-taskmanager"
    script = "taskmanager.sh"

    @property
    def ports(self) -> tuple[int, ...]:
        return ()

    def prepare(self) -> None:  # the JobManager prepared the shared home and conf
        pass

    def healthy(self) -> bool:
        overview = self.overview()
        return overview is not None and overview.get("taskmanagers", 0) >= 1
