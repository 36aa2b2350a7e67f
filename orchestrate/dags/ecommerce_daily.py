"""ecommerce_daily: one UTC day through the batch side of the platform.

wait_for_lake -> etl -> register_curated_views -> marts_stale -> dbt (Cosmos: a task per model,
its tests right after it) -> record_marts -> quality checks (one task per layer boundary) ->
load_warehouse (DuckDB) and load_snowflake (when configured) -> maintain_lake.

marts_stale skips the dbt tasks when the last successful build recorded the same curated data
and dbt project as now (a rerun, or a day an earlier run already absorbed): the same build
would give the same marts. The checks run either way.

Idempotent per data interval: the ETL is incremental by raw snapshot (a rerun finds nothing
new), dbt's daily facts replace their lookback days, the warehouse load replaces its day.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, task
from airflow.timetables.interval import CronDataIntervalTimetable

from ecomlake.orchestrate import quality
from ecomlake.orchestrate.airflow_home import LAKE_POOL
from ecomlake.orchestrate.tasks import (
    LakeCoversInterval,
    dbt_group,
    interval_day,
    record_marts_built,
    register_curated_views,
    run_etl,
    run_maintenance,
    settings,
    skip,
    skip_if_marts_current,
)

ORCH = settings().orchestrate

with DAG(
    dag_id="ecommerce_daily",
    description="raw (Iceberg) -> curated (Delta) -> marts (dbt), checked, loaded, maintained",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.instance(ORCH.start_date),
    catchup=True,
    max_active_runs=1,
    default_args={"retries": 0, "execution_timeout": timedelta(hours=2)},
    tags=["ecomlake", "daily"],
    doc_md=__doc__,
) as dag:
    wait_for_lake = LakeCoversInterval(
        task_id="wait_for_lake",
        poke_interval=ORCH.sensor_poke_s,
        timeout=ORCH.sensor_timeout_s,
        mode="poke",
    )

    @task(pool=LAKE_POOL)
    def etl() -> dict[str, Any]:
        return run_etl()

    @task(pool=LAKE_POOL)
    def register_views() -> None:
        register_curated_views()

    @task
    def marts_stale() -> str:
        return skip_if_marts_current()

    @task(pool=LAKE_POOL)
    def record_marts() -> None:
        record_marts_built()

    # The checks run after a dbt build, and also when it was skipped (marts current).
    @task(trigger_rule="none_failed")
    def check_kafka_vs_raw() -> str:
        return quality.check_kafka_vs_raw(settings()).raise_if_failed().message

    @task(trigger_rule="none_failed")
    def check_raw_vs_curated(**context: Any) -> str:
        day = interval_day(context)
        return quality.check_raw_vs_curated(settings(), day).raise_if_failed().message

    @task(trigger_rule="none_failed")
    def check_curated_vs_marts(**context: Any) -> str:
        day = interval_day(context)
        return quality.check_curated_vs_marts(settings(), day).raise_if_failed().message

    @task(trigger_rule="none_failed")
    def check_freshness(**context: Any) -> str:
        end = context["data_interval_end"]
        return quality.check_freshness(settings(), end).raise_if_failed().message

    @task(trigger_rule="none_failed")
    def check_keys() -> str:
        return quality.check_keys(settings()).raise_if_failed().message

    @task(pool=LAKE_POOL)
    def load_warehouse(**context: Any) -> str:
        from ecomlake.orchestrate.load import load_day_into_duckdb

        snapshot = context["ti"].xcom_pull(task_ids="wait_for_lake", key="snapshot_id")
        loaded = load_day_into_duckdb(settings(), interval_day(context), int(snapshot))
        return f"{loaded.rows:,} raw.events rows of {loaded.day} from snapshot {snapshot}"

    @task
    def load_snowflake(**context: Any) -> str:
        from ecomlake.lake.catalog import open_catalog
        from ecomlake.orchestrate.jobs import run_module

        if not ORCH.snowflake_load:
            skip("orchestrate.snowflake_load is off (set it, and SNOWFLAKE_*, for an account)")
        snapshot = int(context["ti"].xcom_pull(task_ids="wait_for_lake", key="snapshot_id"))
        table = open_catalog(settings()).load_table(("raw", "events"))
        location = table.metadata_location
        run_module(settings(), "dbt", "ecomlake.orchestrate.snowflake_load",
                   ["--metadata-location", location])  # fmt: skip
        return f"Snowflake RAW.EVENTS refreshed to {location} (snapshot {snapshot} or later)"

    @task(pool=LAKE_POOL)
    def maintain_lake() -> None:
        run_maintenance()

    checks = [
        check_kafka_vs_raw(),
        check_raw_vs_curated(),
        check_curated_vs_marts(),
        check_freshness(),
        check_keys(),
    ]
    loads = [load_warehouse(), load_snowflake()]
    dbt = dbt_group()
    wait_for_lake >> etl() >> register_views() >> marts_stale() >> dbt >> record_marts() >> checks
    for check in checks:
        check >> loads
    loads[0] >> maintain_lake()
