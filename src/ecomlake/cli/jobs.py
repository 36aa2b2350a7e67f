"""A job of another runtime's environment (spark, dbt, airflow) run from the CLI: a progress bar
fed by the job protocol (ecomlake.core.jobs), its stderr in a log in the data folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ecomlake.cli.app import console
from ecomlake.config import Settings
from ecomlake.core import jobs
from ecomlake.core.jobs import Message, last_error

__all__ = ["last_error", "run_job"]


def run_job(
    cfg: Settings,
    runtime: str,
    module: str,
    args: list[str],
    what: str,
    env: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], Path]:
    """Run `python -m module args` in `runtime`'s environment; return (exit code, REPORT, log)."""
    cfg.logs_dir.mkdir(parents=True, exist_ok=True)
    log_path = cfg.logs_dir / f"{module.rsplit('.', 1)[-1]}.log"
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with log_path.open("w") as log, Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"{what}: starting", total=None)

        def show(message: Message) -> None:
            if message.kind == "total":
                bar.update(task, total=message.value)
            elif message.kind == "step":
                bar.update(task, advance=1, description=f"{what}: {message.value}")

        result = jobs.run_job(cfg, runtime, module, args, on_message=show, stderr=log, env=env)
    return result.returncode, result.report, log_path
