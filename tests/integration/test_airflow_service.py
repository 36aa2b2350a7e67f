"""`ecomlake up --with airflow`: the API server with the UI, the scheduler, the DAG processor
and the triggerer come up healthy and see the repo's DAGs; `down` leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from ecomlake.config import load_settings
from ecomlake.services.airflow import COMPONENTS, AirflowApiServer
from tests.integration.conftest import free_port

pytestmark = pytest.mark.integration


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def processes_in_groups(groups: list[int]) -> list[int]:
    """Every process of the given process groups (each component leads its own)."""
    found = subprocess.run(["pgrep", "-g", ",".join(map(str, groups))], capture_output=True,
                           text=True, check=False)  # fmt: skip
    return [int(pid) for pid in found.stdout.split()]


@pytest.mark.timeout(600)
def test_airflow_comes_up_sees_the_dags_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    settings = load_settings(data_dir=tmp_path / "data", orchestrate={"port": port})
    server = AirflowApiServer(settings)
    message = server.start()
    try:
        for name in ("airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"):
            assert f"{name} started" in message, message
        _, body = get(f"http://127.0.0.1:{port}/api/v2/monitor/health")
        health = json.loads(body)
        assert {k: v["status"] for k, v in health.items()} == {
            "metadatabase": "healthy", "scheduler": "healthy", "triggerer": "healthy",
            "dag_processor": "healthy",
        }  # fmt: skip
        status, page = get(f"http://127.0.0.1:{port}/")
        assert status == 200 and b"<html" in page.lower()
        # The DAG processor parses the repo's DAGs into the metadata DB.
        from sqlalchemy import create_engine, text

        engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'airflow' / 'airflow.db'}")
        deadline, dags = time.monotonic() + 180, set[str]()
        while time.monotonic() < deadline and len(dags) < 3:
            with engine.connect() as con:
                dags = {row[0] for row in con.execute(text("SELECT dag_id FROM dag"))}
            time.sleep(2)
        assert dags == {"ecommerce_daily", "lake_maintenance", "marts_refresh"}
        assert server.status().healthy
    finally:
        groups = [s.pid for s in (server.status(), *(c(settings).status() for c in COMPONENTS))
                  if s.pid is not None]  # fmt: skip
        stopped = server.stop()
    assert len(groups) == 4
    assert "airflow stopped" in stopped or "airflow killed" in stopped
    leftovers = processes_in_groups(groups)
    for pid in leftovers:  # do not leak into the next tests, then fail
        os.kill(pid, signal.SIGKILL)
    assert leftovers == []
    assert all(not cls(settings).status().running for cls in COMPONENTS)
