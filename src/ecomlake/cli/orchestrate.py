"""`ecomlake orchestrate`: run the Airflow DAGs (orchestrate/dags/) one interval at a time."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from ecomlake.cli.app import app, console, settings
from ecomlake.cli.jobs import last_error, run_job
from ecomlake.errors import EcomlakeError
from ecomlake.orchestrate.airflow_home import DAGS_DIR, airflow_env, airflow_home

orchestrate_app = typer.Typer(
    help="Run the Airflow DAGs: ecommerce_daily, lake_maintenance, marts_refresh.",
    no_args_is_help=True,
)
app.add_typer(orchestrate_app, name="orchestrate")

STATE_STYLE = {"success": "green", "failed": "red", "upstream_failed": "red", "skipped": "dim"}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise EcomlakeError(f"--date {text!r} is not a date (YYYY-MM-DD)") from None


def known_dags() -> list[str]:
    """One DAG per file in orchestrate/dags/, named like the file."""
    return sorted(path.stem for path in DAGS_DIR.glob("*.py"))


@orchestrate_app.command("run")
def run(
    dag_id: Annotated[
        str, typer.Argument(help="ecommerce_daily, lake_maintenance or marts_refresh.")
    ],
    day: Annotated[str, typer.Option("--date", help="The UTC day to process (YYYY-MM-DD).")],
) -> None:
    """Run one interval of a DAG to completion (like `airflow dags test`, recorded in the same
    metadata DB the UI shows) and print each task's state and duration."""
    cfg = settings()
    interval = _day(day)
    if dag_id not in known_dags():
        raise EcomlakeError(f"unknown DAG {dag_id!r}; DAGs: {', '.join(known_dags())}")
    args = [dag_id, "--date", interval.isoformat()]
    _, report, log_path = run_job(cfg, "airflow", "ecomlake.orchestrate.dag_run", args,
                                     f"{dag_id} {interval}", env=airflow_env(cfg))  # fmt: skip
    if not report:
        raise EcomlakeError(f"{dag_id} {interval} did not run: {last_error(log_path)}")
    print_run(report)
    if report["state"] != "success":
        raise EcomlakeError(
            f"{dag_id} {interval} {report['state']}: "
            f"{failure_summary(report)} (task logs: {airflow_home(cfg) / 'logs'}; run log: "
            f"{log_path})"
        )


def failure_summary(report: dict[str, Any]) -> str:
    failed = [t for t in report["tasks"] if t["state"] == "failed"]
    if not failed:
        return "no task failed"
    return "; ".join(f"{t['task_id']} failed: {t['error'] or 'see its log'}" for t in failed)


def print_run(report: dict[str, Any]) -> None:
    title = f"{report['dag_id']} {report['interval'][0][:10]}: {report['state']}"
    table = Table("task", "state", "seconds", title=title)
    for task in report["tasks"]:
        style = STATE_STYLE.get(task["state"], "yellow")
        table.add_row(task["task_id"], f"[{style}]{task['state']}[/]", f"{task['duration_s']:.1f}")
    console.print(table)
