"""The DAGs as Airflow parses them: no import errors, the expected DAGs, tasks, schedules and
wiring. Runs in `.venvs/airflow` (`make test` does); the real runs are in
tests/integration/test_orchestrate.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecomlake.config import load_settings
from ecomlake.orchestrate.airflow_home import DAGS_DIR, airflow_env

pytestmark = pytest.mark.unit

DBT_MODELS = {
    "stg_curated__currency_rates", "stg_curated__customers", "stg_curated__events",
    "stg_curated__order_items", "stg_curated__orders", "stg_curated__sessions",
    "int_person_activity_days", "int_product_activity_daily", "int_products",
    "int_refund_events", "int_session_funnel_steps", "dim_customers", "dim_products",
    "fct_cohort_retention", "fct_daily_active_users", "fct_daily_revenue", "fct_funnel_daily",
    "fct_orders", "fct_product_performance", "fct_revenue_by_segment", "fct_sessions",
}  # fmt: skip
# Tests on two models (and the singular reconciliation test) run as their own tasks once every
# parent is built; the others run inside their model's `dbt build` task.
DBT_TESTS = {
    "dbt.relationships_fct_product_performance_product_id__product_id__ref_dim_products__test",
    "dbt.relationships_fct_orders_person_id__person_id__ref_dim_customers__test",
    "dbt.relationships_stg_curated__order_items_order_id__order_id__ref_stg_curated__orders__test",
    "dbt.assert_daily_revenue_reconciles_with_curated_test",
}
DBT_TASKS = {f"dbt.{m}_model_build" for m in DBT_MODELS} | DBT_TESTS
CHECKS = {"check_kafka_vs_raw", "check_raw_vs_curated", "check_curated_vs_marts",
          "check_freshness", "check_keys"}  # fmt: skip
SNAPSHOT: dict[str, dict[str, Any]] = {
    "ecommerce_daily": {
        "schedule": "0 0 * * *",
        "catchup": True,
        "tasks": {"wait_for_lake", "etl", "register_views", "marts_stale", "record_marts",
                  *CHECKS, "load_warehouse", "load_snowflake", "maintain_lake"} | DBT_TASKS,
    },
    "lake_maintenance": {
        "schedule": "delta=datetime.timedelta(seconds=3600)",
        "catchup": False,
        "tasks": {"catch_up_curated", "publish_curated", "maintain"},
    },
    "marts_refresh": {
        "schedule": "Asset",
        "catchup": False,
        "tasks": {"register_views", "publish_marts"} | DBT_TASKS,
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    data = tmp_path_factory.mktemp("data")
    env = airflow_env(load_settings(data_dir=data))
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from airflow.dag_processing.dagbag import DagBag
        from airflow.utils.db import initdb

        initdb()
        yield DagBag(dag_folder=str(DAGS_DIR))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_dagbag_has_the_dags_and_no_import_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == set(SNAPSHOT)


@pytest.mark.parametrize("dag_id", sorted(SNAPSHOT))
def test_dag_snapshot(dagbag: Any, dag_id: str) -> None:
    dag = dagbag.get_dag(dag_id)
    expected = SNAPSHOT[dag_id]
    assert {t.task_id for t in dag.tasks} == expected["tasks"]
    timetable = dag.timetable
    assert expected["schedule"] in (getattr(timetable, "summary", None) or repr(timetable))
    assert dag.catchup is expected["catchup"]
    assert dag.max_active_runs == 1


def test_daily_order_sensor_first_checks_after_every_model(dagbag: Any) -> None:
    dag = dagbag.get_dag("ecommerce_daily")
    sensor = dag.get_task("wait_for_lake")
    assert sensor.upstream_task_ids == set()
    assert dag.get_task("etl").upstream_task_ids == {"wait_for_lake"}
    dbt_tasks = {t.task_id for t in dag.tasks if t.task_id.startswith("dbt.")}
    for check in CHECKS:
        upstream = dag.get_task(check).get_flat_relative_ids(upstream=True)
        assert dbt_tasks <= upstream, f"{check} must wait for every dbt model"
        assert dag.get_task("load_warehouse").task_id in dag.get_task(check).downstream_task_ids
    assert dag.get_task("maintain_lake").upstream_task_ids == {"load_warehouse"}


def test_dbt_is_skipped_when_the_marts_are_current_and_the_checks_still_run(
    dagbag: Any,
) -> None:
    dag = dagbag.get_dag("ecommerce_daily")
    stale = dag.get_task("marts_stale")
    assert stale.upstream_task_ids == {"register_views"}
    dbt = [t for t in dag.tasks if t.task_id.startswith("dbt.")]
    roots = {t.task_id for t in dbt if not t.upstream_task_ids - {"marts_stale"}}
    assert roots and roots <= stale.downstream_task_ids
    record = dag.get_task("record_marts")
    assert {t.task_id for t in dag.tasks if t.task_id.startswith("dbt.")} <= set(
        record.get_flat_relative_ids(upstream=True)
    )
    assert record.trigger_rule == "all_success"  # a failed or skipped build records nothing
    for check in CHECKS:
        task = dag.get_task(check)
        assert "record_marts" in task.upstream_task_ids
        assert task.trigger_rule == "none_failed"  # runs after a skipped build, not a failed


def test_dbt_models_run_after_their_parents(dagbag: Any) -> None:
    dag = dagbag.get_dag("ecommerce_daily")
    revenue = dag.get_task("dbt.fct_daily_revenue_model_build")
    assert {"dbt.stg_curated__orders_model_build", "dbt.int_refund_events_model_build"} <= (
        revenue.upstream_task_ids
    )
    assert revenue.pool == "lake"


def test_the_lake_pool_serialises_writers(dagbag: Any) -> None:
    for dag_id in SNAPSHOT:
        dag = dagbag.get_dag(dag_id)
        writers = [t for t in dag.tasks if t.task_id in {"etl", "maintain_lake", "maintain",
                   "catch_up_curated", "load_warehouse", "register_views"}]  # fmt: skip
        assert writers and all(t.pool == "lake" for t in writers)


def test_curated_asset_triggers_marts_refresh(dagbag: Any) -> None:
    refresh = dagbag.get_dag("marts_refresh")
    publish = dagbag.get_dag("lake_maintenance").get_task("publish_curated")
    [outlet] = publish.outlets
    assert outlet.uri in str(refresh.timetable.asset_condition)


def test_dags_folder_holds_only_dags() -> None:
    assert sorted(p.name for p in Path(DAGS_DIR).glob("*.py")) == [
        "ecommerce_daily.py", "lake_maintenance.py", "marts_refresh.py"]  # fmt: skip
