"""Apache Kafka 4.x in KRaft mode: one combined broker + controller from the Maven-fetched jars."""

from __future__ import annotations

import base64
import subprocess
import uuid
from pathlib import Path

from ecomlake.config import Settings
from ecomlake.core.jvm import require_jars, require_java
from ecomlake.core.topics import broker_reachable, ensure_topics
from ecomlake.errors import EcomlakeError
from ecomlake.services.base import Service

LOG4J2_PROPERTIES = """\
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
"""


def server_properties(settings: Settings, log_dir: Path) -> str:
    k = settings.kafka
    # A single node: every internal topic must have replication factor 1 or it never forms.
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@{k.host}:{k.controller_port}",
            f"listeners=PLAINTEXT://{k.host}:{k.port},CONTROLLER://{k.host}:{k.controller_port}",
            f"advertised.listeners=PLAINTEXT://{k.host}:{k.port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            f"log.dirs={log_dir}",
            f"num.partitions={k.partitions}",
            "auto.create.topics.enable=false",
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "num.network.threads=2",
            "num.io.threads=4",
            "",
        ]
    )


# Every MBean, names lower-cased (kafka_server_brokertopicmetrics_messagesinpersec_count, ...).
JMX_EXPORTER_CONFIG = """\
lowercaseOutputName: true
rules:
  - pattern: ".*"
"""


def new_cluster_id() -> str:
    """16 random bytes, url-safe base64 without padding, never starting with "-" (which the
    storage tool, like Kafka's own id generator, would take for an option)."""
    while True:
        raw = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not raw.startswith("-"):
            return raw


class KafkaService(Service):
    name = "kafka"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.jars = settings.jars("kafka")

    @property
    def ports(self) -> tuple[int, ...]:
        k, jmx = self.settings.kafka, self.settings.observe.kafka_jmx_port
        return (k.port, k.controller_port, *([jmx] if self.jmx_agent() else []))

    @property
    def host(self) -> str:
        return self.settings.kafka.host

    @property
    def start_timeout_s(self) -> float:
        return self.settings.kafka.start_timeout_s

    @property
    def config_file(self) -> Path:
        return self.state_dir / "server.properties"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "data"

    def preflight(self) -> None:
        require_java(self.settings.java)
        require_jars(self.jars, "Kafka")

    def _java(self, main: str, *args: str) -> list[str]:
        return [
            self.settings.java,
            f"-Dlog4j2.configurationFile={self.state_dir / 'log4j2.properties'}",
            "-cp",
            f"{self.jars}/*",
            main,
            *args,
        ]

    def prepare(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        # The configuration is rewritten each start so port changes in settings take effect.
        self.config_file.write_text(server_properties(self.settings, self.log_dir))
        (self.state_dir / "log4j2.properties").write_text(LOG4J2_PROPERTIES)
        (self.state_dir / "jmx-exporter.yaml").write_text(JMX_EXPORTER_CONFIG)
        if (self.log_dir / "meta.properties").is_file():
            return
        cluster_id_file = self.state_dir / "cluster.id"
        if not cluster_id_file.is_file():
            cluster_id_file.write_text(new_cluster_id())
        cluster_id = cluster_id_file.read_text().strip()
        result = subprocess.run(
            self._java(
                "kafka.tools.StorageTool",
                "format",
                # One argument, so an id from an older version that starts with "-" is not
                # read as an option.
                f"--cluster-id={cluster_id}",
                "-c",
                str(self.config_file),
                "--ignore-formatted",
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:]
            raise EcomlakeError(f"formatting Kafka storage failed: {' '.join(tail)}")

    def jmx_agent(self) -> list[str]:
        """The Prometheus JMX exporter agent's flag, when its jar is fetched and a port is set."""
        port = self.settings.observe.kafka_jmx_port
        jars = sorted(self.settings.jars("jmx").glob("jmx_prometheus_javaagent-*.jar"))
        if not port or not jars:
            return []
        config = self.state_dir / "jmx-exporter.yaml"
        return [f"-javaagent:{jars[-1]}={self.settings.kafka.host}:{port}:{config}"]

    def command(self) -> list[str]:
        heap = self.settings.kafka.heap
        return [
            self.settings.java,
            *self.jmx_agent(),
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.state_dir / 'log4j2.properties'}",
            "-cp",
            f"{self.jars}/*",
            "kafka.Kafka",
            str(self.config_file),  # holds the state dir path: doubles as the pid-reuse marker
        ]

    def healthy(self) -> bool:
        return broker_reachable(self.settings.kafka.bootstrap_servers)

    def after_start(self) -> str:
        k = self.settings.kafka
        created = ensure_topics(
            k.bootstrap_servers,
            {
                k.events_topic: k.partitions,
                k.dlq_topic: k.partitions,
                k.metrics_topic: k.partitions,
            },
        )
        return f"; topics created: {', '.join(created)}" if created else ""
