"""marts_refresh: rebuild the dbt marts whenever the `curated` asset changes (late data merged
by lake_maintenance), so the marts follow the curated layer without waiting for the next day.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task

from ecomlake.orchestrate.airflow_home import LAKE_POOL
from ecomlake.orchestrate.tasks import CURATED, MARTS, dbt_group, register_curated_views, settings

with DAG(
    dag_id="marts_refresh",
    description="dbt build when curated data changes",
    schedule=[CURATED],
    start_date=pendulum.instance(settings().orchestrate.start_date),
    catchup=False,
    max_active_runs=1,
    tags=["ecomlake", "dbt"],
    doc_md=__doc__,
) as dag:

    @task(pool=LAKE_POOL)
    def register_views() -> None:
        register_curated_views()

    @task(outlets=[MARTS])
    def publish_marts() -> None:
        """Marks the marts as updated for anything downstream (dashboards, exports)."""

    register_views() >> dbt_group() >> publish_marts()
