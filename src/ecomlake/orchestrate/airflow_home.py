"""Where Airflow keeps its state and how it is configured: one environment for the services
(`ecomlake up --with airflow`), `ecomlake orchestrate` and the tests, all from the settings."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ecomlake.config import REPO_ROOT, Settings, runtime_python
from ecomlake.errors import EcomlakeError

DAGS_DIR = REPO_ROOT / "orchestrate" / "dags"
DBT_PROJECT_DIR = REPO_ROOT / "transform"
LAKE_POOL = "lake"  # one writer at a time on the lake and the DuckDB warehouse


def airflow_home(settings: Settings) -> Path:
    return settings.airflow_home


def airflow_bin() -> Path:
    return runtime_python("airflow").parent / "airflow"


def dbt_executable() -> Path:
    return runtime_python("dbt").parent / "dbt"


def metadata_db(settings: Settings) -> str:
    return settings.airflow_metadata_db


def airflow_env(settings: Settings) -> dict[str, str]:
    """The process environment for every Airflow command and task."""
    home = airflow_home(settings)
    port = settings.orchestrate.port
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            # The default 32 idle workers take 5.5 GB on this kind of machine (FACTS.md).
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_db(settings),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            # A local platform: the UI opens without a login (put a real auth manager in front
            # of a shared deployment).
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos"),
            "ECOMLAKE_DATA_DIR": str(settings.data_dir),
            "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_VERSION_CHECK": "false",
        }
    )
    return env


def dbt_manifest(settings: Settings) -> Path:
    """The parsed dbt project Cosmos renders the task group from; re-parsed when a project
    file is newer (a parse takes seconds, so it is not done on every DAG parse)."""
    target = settings.data_dir / "dbt" / "airflow" / "target"
    manifest = target / "manifest.json"
    newest = max(p.stat().st_mtime for p in DBT_PROJECT_DIR.rglob("*") if p.is_file())
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return manifest
    dbt = dbt_executable()
    if not dbt.exists():
        raise EcomlakeError("the dbt environment is missing: run `make setup`")
    env = dict(os.environ, DBT_TARGET_PATH=str(target),
               DBT_LOG_PATH=str(target.parent / "logs"), DBT_SEND_ANONYMOUS_USAGE_STATS="false",
               DBT_VERSION_CHECK="false")  # fmt: skip
    done = subprocess.run(
        [str(dbt), "parse", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target", "duckdb", "--quiet"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise EcomlakeError(f"dbt parse failed: {(done.stdout + done.stderr).strip()[-500:]}")
    return manifest
