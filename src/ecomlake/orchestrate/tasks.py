"""Operators and task callables the ecomlake DAGs share: the one module of the package that
imports Airflow (and Cosmos). The work itself lives in the rest of `ecomlake.orchestrate`
(typed, unit-tested, importable without Airflow); this module adapts it to Airflow."""

from __future__ import annotations

import functools
import logging
from datetime import date, datetime
from typing import Any

from airflow.sdk import Asset, BaseSensorOperator
from airflow.sdk.exceptions import AirflowSensorTimeout, AirflowSkipException
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import InvocationMode, LoadMode, TestBehavior

from ecomlake.config import Settings, load_settings
from ecomlake.orchestrate.airflow_home import (
    DBT_PROJECT_DIR,
    LAKE_POOL,
    dbt_manifest,
)

log = logging.getLogger(__name__)
CURATED = Asset("ecomlake://lake/curated", group="lake")
MARTS = Asset("ecomlake://warehouse/marts", group="warehouse")


@functools.cache
def settings() -> Settings:
    """The settings of this Airflow's processes: loaded once per process, when a DAG file or a
    task first asks (not at import), from the environment `ecomlake up` gives Airflow."""
    return load_settings()


def interval_day(context: Any) -> date:
    """The UTC day a daily run is for: its data interval's start."""
    start: datetime = context["data_interval_start"]
    return start.date()


class LakeCoversInterval(BaseSensorOperator):  # type: ignore[misc]
    """Waits until raw.events (Iceberg) holds the whole data interval; on timeout, says what
    the lake has and what is missing instead of a bare timeout."""

    def poke(self, context: Any) -> bool:
        from ecomlake.orchestrate.coverage import lake_coverage

        end: datetime = context["data_interval_end"]
        coverage = lake_coverage(settings(), end)
        log.info("%s", coverage.describe(end))
        covered = coverage.covers(end)
        if covered:
            context["ti"].xcom_push(key="snapshot_id", value=coverage.snapshot_id)
        return covered

    def execute(self, context: Any) -> Any:
        try:
            return super().execute(context)
        except AirflowSensorTimeout:
            from ecomlake.orchestrate.coverage import lake_coverage

            end: datetime = context["data_interval_end"]
            missing = lake_coverage(settings(), end).describe(end)
            raise AirflowSensorTimeout(f"gave up after {self.timeout:.0f} s: {missing}") from None


def run_etl() -> dict[str, Any]:
    """The Spark ETL (raw -> curated), skipped without starting a JVM when curated has
    already absorbed raw's current snapshot: reruns of an interval change nothing."""
    from ecomlake.orchestrate.jobs import run_module
    from ecomlake.orchestrate.lake_state import curated_is_current

    current, why = curated_is_current(settings())
    if current:
        log.info("%s: nothing to do", why)
        return {"mode": "up-to-date"}
    log.info("%s: running the ETL", why)
    report = run_module(settings(), "spark", "ecomlake.batch.job", [])
    log.info("ETL: %s", report)
    return report


def register_curated_views() -> None:
    """dbt's sources on DuckDB are views over the Delta tables' current files."""
    from ecomlake.lake.warehouse import refresh_curated_views

    refresh_curated_views(settings())


def skip_if_marts_current() -> str:
    """dbt's models and tests run only when what the marts are built from changed: a rerun of
    an interval, or a day whose data an earlier run already absorbed, skips the dbt tasks."""
    from ecomlake.orchestrate.lake_state import marts_are_current

    current, why = marts_are_current(settings())
    if current:
        skip(why)
    return why


def record_marts_built() -> None:
    from ecomlake.orchestrate.lake_state import record_marts_source

    record_marts_source(settings())


def dbt_group(group_id: str = "dbt") -> DbtTaskGroup:
    """`dbt build` of the project through Cosmos: one task per model running the model and
    then its tests (TestBehavior.BUILD), each invoked inside the task's own process
    (InvocationMode.DBT_RUNNER): a dbt process start per task cost 5-9 s of a model's 1 s."""
    from ecomlake.lake.warehouse import warehouse_path

    logs = settings().data_dir / "dbt" / "airflow" / "logs"
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR,
            manifest_path=dbt_manifest(settings()),
            install_dbt_deps=False,
            env_vars={
                "ECOMLAKE_WAREHOUSE": str(warehouse_path(settings())),
                "DBT_LOG_PATH": str(logs),
                # dbt runs in this process: it must close the warehouse for the next task.
                "ECOMLAKE_DUCKDB_KEEP_OPEN": "False",
            },
        ),
        profile_config=ProfileConfig(
            profile_name="ecomlake",
            target_name="duckdb",
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        execution_config=ExecutionConfig(invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            # A test on two models (relationships) runs once both exist, as in `dbt build`.
            should_detach_multiple_parents_tests=True,
        ),
        operator_args={"pool": LAKE_POOL},
    )


def run_maintenance() -> dict[str, Any]:
    from ecomlake.orchestrate.jobs import run_module
    from ecomlake.orchestrate.maintenance import needs_maintenance, record_maintenance

    needed, why = needs_maintenance(settings())
    if not needed:
        skip(why)
    log.info("maintenance: %s", why)
    report = run_module(settings(), "spark", "ecomlake.batch.maintain", [])
    for row in report.get("tables", []):
        log.info("%s", row)
    if report.get("failed"):
        raise RuntimeError(f"maintenance failed on: {report['failed']}")
    record_maintenance(settings())
    return report


def skip(reason: str) -> None:
    raise AirflowSkipException(reason)
