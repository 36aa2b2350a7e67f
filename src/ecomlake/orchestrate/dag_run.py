"""Runs in `.venvs/airflow`: one DAG run to completion, in this process (`dag.test`, what
`airflow dags test` does), against the same metadata DB the scheduler and UI use.

stdout carries the jobs protocol (`REPORT json`): the run's state and, per task, its state,
duration and, for a failed task, the error.

    python -m ecomlake.orchestrate.dag_run ecommerce_daily --date 2026-11-25
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ecomlake.config import load_settings
from ecomlake.core.jobs import emit_report, emit_to
from ecomlake.errors import EcomlakeError
from ecomlake.orchestrate.airflow_home import DAGS_DIR, LAKE_POOL, airflow_home

log = logging.getLogger("ecomlake.orchestrate")


def prepare_metadata_db() -> None:
    """Create or upgrade the metadata DB and the lake pool (both idempotent)."""
    from airflow.models.pool import Pool
    from airflow.utils.db import initdb

    initdb()
    Pool.create_or_update_pool(
        LAKE_POOL, slots=1, description="one writer on the lake and warehouse",
        include_deferred=False,
    )  # fmt: skip


def logical_date_for(dag: Any, day: date) -> datetime:
    """A daily run's logical date is its interval's end: the run for `day` is logged at the
    next midnight (CronDataIntervalTimetable); other DAGs run at `day` itself."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start + timedelta(days=1) if dag.dag_id == "ecommerce_daily" else start


def run(dag_id: str, day: date) -> dict[str, Any]:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk._shared.listeners import hookimpl
    from airflow.sdk.listener import get_listener_manager  # the task side's listeners

    class FailureRecorder:
        """An Airflow listener keeping each failed task's error, for the report."""

        errors: dict[str, str] = {}  # noqa: RUF012 (one recorder per process)

        @hookimpl  # type: ignore[untyped-decorator]
        def on_task_instance_failed(self, previous_state: Any, task_instance: Any,
                                    error: Any) -> None:  # fmt: skip
            self.errors[task_instance.task_id] = str(error)

    recorder = FailureRecorder()
    get_listener_manager().add_listener(recorder)

    bag = DagBag(dag_folder=str(DAGS_DIR))
    if bag.import_errors:
        first = next(iter(bag.import_errors.items()))
        raise EcomlakeError(f"DAG import error in {first[0]}: {first[1].strip()[-400:]}")
    dag = bag.get_dag(dag_id)
    if dag is None:
        raise EcomlakeError(f"no DAG {dag_id!r}; DAGs: {', '.join(sorted(bag.dag_ids))}")
    run = dag.test(logical_date=logical_date_for(dag, day))
    tasks = []
    last = datetime.max.replace(tzinfo=UTC)
    for ti in sorted(run.get_task_instances(), key=lambda t: t.start_date or last):
        tasks.append(
            {
                "task_id": ti.task_id,
                "state": str(ti.state or "none"),
                "duration_s": round(ti.duration or 0.0, 1),
                "error": recorder.errors.get(ti.task_id, ""),
            }
        )
    return {
        "dag_id": dag_id,
        "run_id": run.run_id,
        "state": str(run.state),
        "interval": [str(run.data_interval_start), str(run.data_interval_end)],
        "tasks": tasks,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dag_id", nargs="?")
    parser.add_argument("--date", type=date.fromisoformat)
    parser.add_argument("--prepare", action="store_true", help="only set up the metadata DB")
    args = parser.parse_args(argv)
    if not args.prepare and (args.dag_id is None or args.date is None):
        parser.error("a DAG id and --date are needed (or --prepare)")
    emit_to(sys.stdout)
    sys.stdout = sys.stderr  # Airflow's and the tasks' output go to the log
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
        airflow_home(settings).mkdir(parents=True, exist_ok=True)
        prepare_metadata_db()
        if args.prepare:
            return 0
        report = run(args.dag_id, args.date)
    except EcomlakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        print("error: the DAG run crashed (traceback above)", file=sys.stderr)
        return 1
    emit_report(report)
    return 0 if report["state"] == "success" else 2


if __name__ == "__main__":
    sys.exit(main())
