"""The user's path through the CLI: up, up again, status, generate, down --purge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ecomlake.core.process import port_open
from tests.integration.conftest import free_port


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecomlake", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


def test_up_status_generate_down(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "state"
    env = dict(
        os.environ,
        ECOMLAKE_DATA_DIR=str(data),
        ECOMLAKE_KAFKA__PORT=str(port),
        ECOMLAKE_KAFKA__CONTROLLER_PORT=str(free_port()),
        ECOMLAKE_OBSERVE__KAFKA_JMX_PORT=str(free_port()),
        COLUMNS="200",
    )
    try:
        first = run("up", env=env)
        assert first.returncode == 0, first.stderr
        assert "kafka started" in first.stdout and "ecom.events" in first.stdout
        again = run("up", env=env)
        assert "already running" in again.stdout
        status = run("status", env=env)
        assert "healthy" in status.stdout and str(port) in status.stdout

        manifest = tmp_path / "m.json"
        produced = run("generate", "--events", "3000", "--manifest", str(manifest), "-q", env=env)
        assert produced.returncode == 0, produced.stderr
        assert json.loads(manifest.read_text())["total_events"] == 3000
    finally:
        down = run("down", "--purge", env=env)
    assert down.returncode == 0, down.stderr
    assert "kafka stopped" in down.stdout
    assert not data.exists()
    assert not port_open("127.0.0.1", port)
    assert "stopped" in run("status", env=env).stdout
