"""A job of another runtime's environment (the Spark ETL, maintenance) run from an Airflow task:
its output goes to the task's log, its `REPORT` is the task's result (ecomlake.core.jobs)."""

from __future__ import annotations

import logging
from typing import Any

from ecomlake.config import Settings
from ecomlake.core.jobs import Message, run_job
from ecomlake.errors import EcomlakeError

log = logging.getLogger(__name__)


def _to_task_log(message: Message) -> None:
    if message.kind == "text":
        log.info("%s", message.value)
    elif message.kind == "step":
        log.info("step done: %s", message.value)


def run_module(settings: Settings, runtime: str, module: str, args: list[str]) -> dict[str, Any]:
    """`python -m module args` in `.venvs/<runtime>`; raises with the job's last error line."""
    log.info("running %s %s in .venvs/%s", module, " ".join(args), runtime)
    result = run_job(settings, runtime, module, args, on_message=_to_task_log)
    if result.returncode != 0:
        why = result.error or "see the lines above"
        raise EcomlakeError(f"{module} failed (exit {result.returncode}): {why}")
    return result.report
