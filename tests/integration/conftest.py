"""A real Kafka broker for the integration tests: its own ports and data folder."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecomlake.config import Settings, load_settings
from ecomlake.services.kafka import KafkaService


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def kafka_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data = tmp_path_factory.mktemp("ecomlake-data")
    return load_settings(
        data_dir=data, kafka={"port": free_port(), "controller_port": free_port(), "heap": "768m"}
    )


@pytest.fixture(scope="session")
def kafka(kafka_settings: Settings) -> Iterator[KafkaService]:
    service = KafkaService(kafka_settings)
    service.start()
    yield service
    service.stop()


def log_tail(path: Path, lines: int = 20) -> str:
    return (
        "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
    )
