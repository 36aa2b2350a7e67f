"""Running a job in another runtime's environment (spark, dbt): a progress bar fed by the
job's stdout protocol (`TOTAL n`, `STEP name`, `REPORT json`), its log in the data folder."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ecomlake.cli.app import console
from ecomlake.config import Settings, runtime_python
from ecomlake.errors import EcomlakeError

STEP, TOTAL, REPORT = "STEP ", "TOTAL ", "REPORT "


def run_job(
    cfg: Settings,
    runtime: str,
    module: str,
    args: list[str],
    what: str,
    env: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], Path]:
    """Run `python -m module args` in `runtime`'s environment; return (exit code, REPORT, log)."""
    python = runtime_python(runtime)
    if not python.exists():
        raise EcomlakeError(f"the {runtime} environment is missing: run `make setup`")
    cfg.logs_dir.mkdir(parents=True, exist_ok=True)
    log_path = cfg.logs_dir / f"{module.rsplit('.', 1)[-1]}.log"
    env = dict(env or os.environ)
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    env["ECOMLAKE_DATA_DIR"] = str(cfg.data_dir)
    report: dict[str, Any] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with log_path.open("w") as log, Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"{what}: starting", total=None)
        job = subprocess.Popen(
            [str(python), "-m", module, *args], stdout=subprocess.PIPE, stderr=log, text=True,
            env=env,
        )  # fmt: skip
        assert job.stdout is not None
        for line in job.stdout:
            if line.startswith(TOTAL):
                bar.update(task, total=int(line[len(TOTAL) :]))
            elif line.startswith(STEP):
                bar.update(task, advance=1, description=f"{what}: {line[len(STEP) :].strip()}")
            elif line.startswith(REPORT):
                report = json.loads(line[len(REPORT) :])
        job.wait()
    return job.returncode, report, log_path


def last_error(log_path: Path) -> str:
    lines = log_path.read_text(errors="replace").splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    if errors:
        return errors[-1].removeprefix("error: ") + f" (log: {log_path})"
    return f"see {log_path}"
