"""Running a job of another runtime's environment (the Spark ETL, maintenance) from a task:
its stderr and step lines go to the task's log, its `REPORT` line is the result."""

from __future__ import annotations

import json
import logging
import os
import subprocess
from collections import deque
from typing import Any

from ecomlake.config import Settings, runtime_python
from ecomlake.errors import EcomlakeError

log = logging.getLogger(__name__)
REPORT = "REPORT "


def run_module(settings: Settings, runtime: str, module: str, args: list[str]) -> dict[str, Any]:
    """`python -m module args` in `.venvs/<runtime>`; raises with the job's last error line."""
    python = runtime_python(runtime)
    if not python.exists():
        raise EcomlakeError(f"the {runtime} environment is missing: run `make setup`")
    env = dict(os.environ, ECOMLAKE_DATA_DIR=str(settings.data_dir))
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    log.info("running %s %s in .venvs/%s", module, " ".join(args), runtime)
    report: dict[str, Any] = {}
    tail: deque[str] = deque(maxlen=200)
    with subprocess.Popen(
        [str(python), "-m", module, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    ) as job:
        assert job.stdout is not None
        for line in job.stdout:
            line = line.rstrip("\n")
            if line.startswith(REPORT):
                report = json.loads(line[len(REPORT) :])
                continue
            tail.append(line)
            log.info("%s", line)
    if job.returncode != 0:
        errors = [line for line in tail if line.startswith("error:")]
        why = errors[-1].removeprefix("error: ") if errors else "see the lines above"
        raise EcomlakeError(f"{module} failed (exit {job.returncode}): {why}")
    return report
