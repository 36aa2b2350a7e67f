"""The warm Spark through the CLI: `up --with spark` starts the master, the worker and the Spark
Connect server; a Connect server killed with -9 is noticed (jobs would fall back to their own
application) and brought back by the next `up`; `down` leaves no process and no port behind.
The jobs on it are tested by the ETL story, the Airflow story and the dashboard test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecomlake.config import load_settings
from ecomlake.core.process import PidRecord, port_open
from ecomlake.core.spark import CONNECT_RECORD, warm_server
from tests.integration.conftest import free_port

pytestmark = pytest.mark.integration
PORTS = ("master_port", "master_ui_port", "worker_ui_port", "connect_port", "connect_ui_port")


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecomlake", *args],
        capture_output=True, text=True, env=env, timeout=400, check=False,
    )  # fmt: skip


@pytest.mark.timeout(900)
def test_up_with_spark_recovers_a_killed_connect_server_and_down_stops_all(
    tmp_path: Path,
) -> None:
    ports = {name: free_port() for name in PORTS}
    data = tmp_path / "state"
    env = dict(
        os.environ,
        ECOMLAKE_DATA_DIR=str(data),
        ECOMLAKE_KAFKA__PORT=str(free_port()),
        ECOMLAKE_KAFKA__CONTROLLER_PORT=str(free_port()),
        ECOMLAKE_OBSERVE__KAFKA_JMX_PORT="0",
        COLUMNS="200",
        **{f"ECOMLAKE_BATCH__{name.upper()}": str(port) for name, port in ports.items()},
    )
    settings = load_settings(data_dir=data, batch=ports)
    try:
        up = run("up", "--with", "spark", env=env)
        assert up.returncode == 0, up.stderr
        assert "spark-worker started" in up.stdout and "spark-connect started" in up.stdout
        assert f"sc://127.0.0.1:{ports['connect_port']}" in up.stdout
        status = run("status", env=env).stdout
        for name in ("spark ", "spark-worker", "spark-connect"):
            assert any(name in line and "healthy" in line for line in status.splitlines()), name
        assert warm_server(settings) == f"sc://127.0.0.1:{ports['connect_port']}"

        record = PidRecord.load(data / "run" / CONNECT_RECORD)
        assert record is not None
        os.kill(record.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while port_open("127.0.0.1", ports["connect_port"]) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert warm_server(settings) is None  # a job now starts its own application

        again = run("up", "--with", "spark", env=env)
        assert again.returncode == 0, again.stderr
        assert "spark is already running" in again.stdout
        assert "spark-connect started" in again.stdout
        assert warm_server(settings) is not None
    finally:
        down = run("down", env=env)
    assert down.returncode == 0, down.stderr
    assert "spark-connect stopped" in down.stdout and "spark-worker stopped" in down.stdout
    assert not any(port_open("127.0.0.1", port) for port in ports.values())
    leftover = subprocess.run(
        ["pgrep", "-f", str(data / "spark")], capture_output=True, check=False
    )
    assert leftover.stdout == b"", "a Spark process outlived `down`"
