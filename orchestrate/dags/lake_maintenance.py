"""lake_maintenance (hourly): catch the curated layer up with late raw data, then compact and
expire (Iceberg rewrite_data_files / expire_snapshots, Delta OPTIMIZE / VACUUM).

When the catch-up changed curated, the `curated` asset is updated and marts_refresh rebuilds
the marts: late data reaches the dashboards within the hour, not the next day.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, task

from ecomlake.orchestrate.airflow_home import LAKE_POOL
from ecomlake.orchestrate.tasks import CURATED, run_etl, run_maintenance, settings, skip

with DAG(
    dag_id="lake_maintenance",
    description="late data into curated, then compaction and snapshot expiry",
    schedule=timedelta(hours=1),
    start_date=pendulum.instance(settings().orchestrate.start_date),
    catchup=False,
    max_active_runs=1,
    tags=["ecomlake", "maintenance"],
    doc_md=__doc__,
) as dag:

    @task(pool=LAKE_POOL)
    def catch_up_curated() -> int:
        report = run_etl()
        return int(report.get("new_rows", 0))

    @task(outlets=[CURATED])
    def publish_curated(new_rows: int) -> str:
        if not new_rows:
            skip("no new raw rows: curated unchanged")  # a skipped task emits no asset event
        return f"{new_rows:,} raw rows merged into curated"

    @task(pool=LAKE_POOL)
    def maintain() -> None:
        run_maintenance()

    caught_up = catch_up_curated()
    publish_curated(caught_up)
    caught_up >> maintain()
