"""A real Kafka broker for the integration tests: its own ports and data folder."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ecomlake.config import Settings, load_settings
from ecomlake.core.topics import ensure_topics
from ecomlake.generator.options import GeneratorOptions
from ecomlake.generator.run import Result, Target, generate
from ecomlake.services.kafka import KafkaService
from ecomlake.services.s3 import S3Service
from ecomlake.services.spark import SparkMaster

# A fixed window end keeps every integration stream the same from run to run.
END = datetime(2026, 11, 1, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def kafka_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data = tmp_path_factory.mktemp("ecomlake-data")
    return load_settings(
        data_dir=data,
        kafka={"port": free_port(), "controller_port": free_port(), "heap": "768m"},
        observe={"kafka_jmx_port": free_port()},
    )


@pytest.fixture(scope="session")
def kafka(kafka_settings: Settings) -> Iterator[KafkaService]:
    service = KafkaService(kafka_settings)
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def warm_spark(tmp_path_factory: pytest.TempPathFactory, s3_store: dict[str, str]) -> Iterator[str]:
    """The warm Spark of `ecomlake up --with spark` (master, worker, Spark Connect server) on
    free ports, shared by every Spark job of the session: its address, for a job's
    ECOMLAKE_BATCH__CONNECT. Each job's session brings its own data folder's catalog (a local
    one, or one on the S3 server: the JVMs start with its credentials, as `up` gives them)."""
    ports = {
        name: free_port()
        for name in (
            "master_port",
            "master_ui_port",
            "worker_ui_port",
            "connect_port",
            "connect_ui_port",
        )
    }
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("warm-spark"),
        batch=ports,
        lake={"warehouse": "s3://ecomlake/warm-spark"},
        s3={"port": int(s3_store["ECOMLAKE_S3__PORT"]),
            "access_key_id": s3_store["ECOMLAKE_S3__ACCESS_KEY_ID"],
            "secret_access_key": s3_store["ECOMLAKE_S3__SECRET_ACCESS_KEY"]},
    )  # fmt: skip
    service = SparkMaster(settings)
    service.start()
    yield f"sc://127.0.0.1:{ports['connect_port']}"
    service.stop()


@pytest.fixture(scope="session")
def s3_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Service]:
    """The local S3 server of `ecomlake up --with s3` on a free port, with credentials given
    as a user would give them (the bucket `ecomlake` exists; each test puts its warehouse
    under its own prefix). A test may stop and start it (a store outage)."""
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("s3-server"),
        s3={"port": free_port(), "access_key_id": "it-key",
            "secret_access_key": "it-secret-0123456789"},
    )  # fmt: skip
    service = S3Service(settings)
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def s3_store(s3_service: S3Service) -> dict[str, str]:
    """The environment a test's jobs need to reach the local S3 server."""
    s3 = s3_service.settings.s3
    assert s3.access_key_id is not None and s3.secret_access_key is not None
    return {
        "ECOMLAKE_S3__PORT": str(s3.port),
        "ECOMLAKE_S3__ACCESS_KEY_ID": s3.access_key_id.get_secret_value(),
        "ECOMLAKE_S3__SECRET_ACCESS_KEY": s3.secret_access_key.get_secret_value(),
    }


def log_tail(path: Path, lines: int = 20) -> str:
    return (
        "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
    )


def produce(settings: Settings, topic: str, **options: Any) -> Result:
    """Generate into `topic` (created with 6 partitions) on the fixture's broker."""
    ensure_topics(settings.kafka.bootstrap_servers, {topic: 6})
    params: dict[str, Any] = {"end": END, "days": 1.0, **options}
    target = Target("kafka", bootstrap=settings.kafka.bootstrap_servers, topic=topic)
    return generate(GeneratorOptions(**params), target)
