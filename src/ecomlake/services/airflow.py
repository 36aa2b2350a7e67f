"""Airflow (`ecomlake up --with airflow`): the API server with the UI on
`orchestrate.port` (8080), plus the scheduler, the DAG processor and the triggerer, each its own
managed process, all reading the DAGs in orchestrate/dags/ and the metadata DB in the data
folder (SQLite by default, `orchestrate.metadata_db` for PostgreSQL).

Airflow's workers ignore SIGTERM from their parents, so each component is stopped by process
group (FACTS.md).
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from typing import Any

from ecomlake.core.jobs import job_command
from ecomlake.core.process import STARTED_MARKER
from ecomlake.errors import EcomlakeError
from ecomlake.orchestrate.airflow_home import airflow_bin, airflow_env, airflow_home
from ecomlake.services.base import Service


class _AirflowProcess(Service):
    component = ""
    group_kill = True

    @property
    def ports(self) -> tuple[int, ...]:
        return ()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.orchestrate.port}"

    def health(self) -> dict[str, Any] | None:
        try:
            url = f"{self.api_url}/api/v2/monitor/health"
            with urllib.request.urlopen(url, timeout=2) as response:
                answer: dict[str, Any] = json.load(response)
                return answer
        except (OSError, ValueError):
            return None

    def env(self) -> dict[str, str]:
        return airflow_env(self.settings)

    @property
    def marker(self) -> str:
        # Airflow rewrites its command line and environment block (setproctitle): the start
        # time, recorded at spawn, identifies the process instead.
        return STARTED_MARKER

    def command(self) -> list[str]:
        return [str(airflow_bin()), self.component]

    def healthy(self) -> bool:
        status = (self.health() or {}).get(self.component.replace("-", "_"), {})
        return bool(status) and status.get("status") == "healthy"


class AirflowApiServer(_AirflowProcess):
    name = "airflow"
    component = "api-server"

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.orchestrate.port,)

    def command(self) -> list[str]:
        port = str(self.settings.orchestrate.port)
        return [*super().command(), "--host", "127.0.0.1", "--port", port]

    def healthy(self) -> bool:
        health = self.health()
        return health is not None and health.get("metadatabase", {}).get("status") == "healthy"

    def preflight(self) -> None:
        if not airflow_bin().exists():
            raise EcomlakeError("the airflow environment is missing: run `make setup`")

    def prepare(self) -> None:
        """Create or upgrade the metadata DB and the lake pool before anything starts."""
        airflow_home(self.settings).mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            job_command("airflow", "ecomlake.orchestrate.dag_run", ["--prepare"]),
            env=self.env(), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise EcomlakeError(f"Airflow metadata DB set-up failed: {done.stderr.strip()[-400:]}")

    @property
    def start_timeout_s(self) -> float:
        return 120.0

    def after_start(self) -> str:
        started = [cls(self.settings).start() for cls in COMPONENTS]
        return f"; {'; '.join(started)}; UI {self.api_url}"

    def stop(self) -> str:
        stopped = [cls(self.settings).stop() for cls in COMPONENTS]
        return "; ".join([*stopped, super().stop()])

    def parts(self) -> list[Service]:
        return [cls(self.settings) for cls in COMPONENTS]


class AirflowScheduler(_AirflowProcess):
    name = "airflow-scheduler"
    component = "scheduler"


class AirflowDagProcessor(_AirflowProcess):
    name = "airflow-dag-processor"
    component = "dag-processor"


class AirflowTriggerer(_AirflowProcess):
    name = "airflow-triggerer"
    component = "triggerer"


COMPONENTS: tuple[type[_AirflowProcess], ...] = (
    AirflowScheduler,
    AirflowDagProcessor,
    AirflowTriggerer,
)
