"""The job protocol: how a job run as `python -m <module>` in another runtime's environment
(`.venvs/spark`, `.venvs/dbt`, `.venvs/airflow`) tells its caller how far it is and what it did.

On the job's stdout, one line each:

    TOTAL <n>       how many steps it will report (before the first)
    READY           its engine is up (the Spark session, dbt's manifest)
    STEP <name>     one step done
    REPORT <json>   the result, once, last

Any other stdout line is the job's own output. Failures are `error: <why>` lines on stderr.
The emitter (`emit_*`), the launcher (`start_job`, `run_job`) and the parser (`parse`) live here
and nowhere else, so the CLI, the Airflow tasks and the benchmarks read jobs the same way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from ecomlake.config import Settings, runtime_python
from ecomlake.errors import EcomlakeError

TOTAL, READY, STEP, REPORT = "TOTAL ", "READY", "STEP ", "REPORT "
ERROR = "error: "

Kind = Literal["total", "ready", "step", "report", "text"]


@dataclass(frozen=True)
class Message:
    """One parsed stdout line: `value` is an int (total), a str (step, text) or a dict (report)."""

    kind: Kind
    value: Any = None


def parse(line: str) -> Message:
    line = line.rstrip("\n")
    if line.startswith(STEP):
        return Message("step", line[len(STEP) :].strip())
    if line.startswith(TOTAL):
        return Message("total", int(line[len(TOTAL) :]))
    if line.startswith(REPORT):
        return Message("report", json.loads(line[len(REPORT) :]))
    if line == READY:
        return Message("ready")
    return Message("text", line)


# A job that lets its engines print on stdout keeps the protocol on a copy of the real one:
# `emit_to` points the emitters there.
_out: IO[str] | None = None


def emit_to(stream: IO[str]) -> None:
    global _out
    _out = stream


def _say(line: str) -> None:
    # Flushed at once: the caller's progress bar follows it live.
    print(line, file=_out or sys.stdout, flush=True)


def emit_total(steps: int) -> None:
    _say(f"{TOTAL}{steps}")


def emit_ready() -> None:
    _say(READY)


def emit_step(name: str) -> None:
    _say(f"{STEP}{name}")


def emit_report(report: dict[str, Any]) -> None:
    _say(REPORT + json.dumps(report))


def job_command(runtime: str, module: str, args: Iterable[str] = ()) -> list[str]:
    python = runtime_python(runtime)
    if not python.exists():
        raise EcomlakeError(f"the {runtime} environment is missing: run `make setup`")
    return [str(python), "-m", module, *args]


def job_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment, pointed at its data folder (a job loads its own settings)."""
    env = dict(os.environ if base is None else base)
    env["ECOMLAKE_DATA_DIR"] = str(settings.data_dir)
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # Spark otherwise resolves the host name
    return env


def start_job(
    settings: Settings,
    runtime: str,
    module: str,
    args: Iterable[str] = (),
    *,
    stderr: IO[Any] | int | None = subprocess.STDOUT,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    """Start the job with its stdout piped as text; `stderr` defaults to the same pipe."""
    return subprocess.Popen(
        job_command(runtime, module, args),
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=job_env(settings, env),
    )


@dataclass
class JobResult:
    returncode: int
    report: dict[str, Any]
    tail: list[str] = field(default_factory=list)  # the last text lines it printed

    @property
    def error(self) -> str | None:
        """The job's last `error:` line, if it printed one."""
        errors = [line for line in self.tail if line.startswith(ERROR)]
        return errors[-1].removeprefix(ERROR) if errors else None


def follow(
    job: subprocess.Popen[str], on_message: Callable[[Message], None] | None = None
) -> JobResult:
    """Read the job's stdout to its end, handing each message to `on_message`; wait for it."""
    assert job.stdout is not None
    report: dict[str, Any] = {}
    tail: deque[str] = deque(maxlen=200)
    for line in job.stdout:
        message = parse(line)
        if message.kind == "report":
            report = message.value
        elif message.kind == "text":
            tail.append(message.value)
        if on_message is not None:
            on_message(message)
    job.wait()
    return JobResult(job.returncode, report, list(tail))


def run_job(
    settings: Settings,
    runtime: str,
    module: str,
    args: Iterable[str] = (),
    *,
    on_message: Callable[[Message], None] | None = None,
    stderr: IO[Any] | int | None = subprocess.STDOUT,
    env: dict[str, str] | None = None,
) -> JobResult:
    job = start_job(settings, runtime, module, args, stderr=stderr, env=env)
    with job:
        return follow(job, on_message)


def last_error(log_path: Path) -> str:
    """The last `error:` line of a job's log, for a one-line message naming where to look."""
    lines = log_path.read_text(errors="replace").splitlines() if log_path.exists() else []
    errors = [line for line in lines if line.startswith(ERROR)]
    if errors:
        return errors[-1].removeprefix(ERROR) + f" (log: {log_path})"
    return f"see {log_path}"
