"""The job protocol: what a job emits is what its caller parses, through a real pipe."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ecomlake.core.jobs import JobResult, Message, follow, job_command, parse
from ecomlake.errors import EcomlakeError

# A stand-in job: the emitters of ecomlake.core.jobs, then an error line and exit 3.
JOB = """
import sys
from ecomlake.core import jobs
jobs.emit_total(2)
print("the engine says hello")
jobs.emit_ready()
jobs.emit_step("orders")
jobs.emit_step("sessions: 3 days")
jobs.emit_report({"rows": 12, "mode": "full", "money": "10.05"})
print("error: disk full", file=sys.stderr)
sys.exit(3)
"""


def test_what_a_job_emits_its_caller_reads() -> None:
    job = subprocess.Popen([sys.executable, "-c", JOB], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)  # fmt: skip
    seen: list[Message] = []
    with job:
        result = follow(job, seen.append)
    assert [m.kind for m in seen] == ["total", "text", "ready", "step", "step", "report", "text"]
    assert [m.value for m in seen if m.kind in ("total", "step")] == [
        2, "orders", "sessions: 3 days"
    ]  # fmt: skip
    assert result.returncode == 3
    assert result.report == {"rows": 12, "mode": "full", "money": "10.05"}
    assert result.error == "disk full"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("STEP a b\n", Message("step", "a b")),
        ("TOTAL 7", Message("total", 7)),
        ('REPORT {"x": [1]}', Message("report", {"x": [1]})),
        ("READY\n", Message("ready")),
        ("READY now", Message("text", "READY now")),
        ("STEPS 3", Message("text", "STEPS 3")),
    ],
)
def test_parse(line: str, expected: Message) -> None:
    assert parse(line) == expected


def test_no_error_line_means_no_error() -> None:
    assert JobResult(1, {}, ["a", "errors: not one"]).error is None


def test_a_missing_environment_names_make_setup() -> None:
    with pytest.raises(EcomlakeError, match="the nosuch environment is missing: run `make setup`"):
        job_command("nosuch", "ecomlake.batch.job")
