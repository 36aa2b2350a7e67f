"""Finding and stopping a running stream job from another process (`ecomlake down`)."""

from __future__ import annotations

from pathlib import Path

from ecomlake.config import Settings
from ecomlake.core.process import PidRecord, process_alive, terminate

PID_MARKER = "ecomlake.stream.job"  # in the job's command line: guards against pid reuse
SAVEPOINT_GRACE_S = 120.0


def pid_file(settings: Settings) -> Path:
    return settings.run_dir / "stream.pid"


def running_job(settings: Settings) -> PidRecord | None:
    """The running stream job's record, if one runs."""
    record = PidRecord.load(pid_file(settings))
    if record is None or not process_alive(record.pid, record.marker):
        return None
    return record


def stop_stream_job(settings: Settings) -> str | None:
    """SIGTERM the job (it stops with a savepoint); None when no job runs."""
    record = running_job(settings)
    if record is None:
        return None
    killed = terminate(record.pid, record.marker, grace_s=SAVEPOINT_GRACE_S)
    pid_file(settings).unlink(missing_ok=True)
    if killed:
        return "stream job killed (no savepoint; it resumes from its last checkpoint)"
    return "stream job stopped with a savepoint"
