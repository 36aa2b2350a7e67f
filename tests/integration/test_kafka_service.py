"""The broker's lifecycle through the service runner: up, idempotent up, status, topics."""

from __future__ import annotations

from ecomlake.config import Settings
from ecomlake.core.topics import topic_partitions
from ecomlake.services.kafka import KafkaService


def test_up_creates_the_topics(kafka: KafkaService, kafka_settings: Settings) -> None:
    bootstrap = kafka_settings.kafka.bootstrap_servers
    assert topic_partitions(bootstrap, "ecom.events") == 6
    assert topic_partitions(bootstrap, "ecom.events.dlq") == 6
    assert topic_partitions(bootstrap, "no.such.topic") is None


def test_second_up_says_already_running(kafka: KafkaService, kafka_settings: Settings) -> None:
    assert "already running" in KafkaService(kafka_settings).start()


def test_status_reports_pid_ports_health(kafka: KafkaService) -> None:
    status = kafka.status()
    assert status.running and status.healthy
    assert status.pid == kafka.record().pid  # type: ignore[union-attr]
    assert kafka.settings.kafka.port in status.ports


def test_logs_go_to_the_data_folder(kafka: KafkaService, kafka_settings: Settings) -> None:
    log = kafka_settings.logs_dir / "kafka.log"
    assert "Kafka Server started" in log.read_text()
