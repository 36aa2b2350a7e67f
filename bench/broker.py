"""A fresh Kafka broker in a temporary folder, on free ports, for one benchmark session."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from ecomlake.config import Settings, load_settings
from ecomlake.services.kafka import KafkaService


@dataclass(frozen=True)
class Session:
    folder: Path  # scratch space, deleted afterwards
    settings: Settings
    env: dict[str, str]  # for ecomlake subprocesses: the same data folder and ports


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def fresh_broker(console: Console, prefix: str) -> Iterator[Session]:
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        folder = Path(tmp)
        port, controller, jmx = free_port(), free_port(), free_port()
        settings = load_settings(
            data_dir=folder / "state",
            kafka={"port": port, "controller_port": controller},
            observe={"kafka_jmx_port": jmx},
        )
        env = dict(
            os.environ,
            ECOMLAKE_DATA_DIR=str(folder / "state"),
            ECOMLAKE_KAFKA__PORT=str(port),
            ECOMLAKE_KAFKA__CONTROLLER_PORT=str(controller),
            ECOMLAKE_OBSERVE__KAFKA_JMX_PORT=str(jmx),
        )
        kafka = KafkaService(settings)
        console.print(kafka.start())
        try:
            yield Session(folder, settings, env)
        finally:
            console.print(kafka.stop())
