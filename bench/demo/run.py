"""The main job's budget: `ecomlake demo` (200k events over 2 days, the stream job, Airflow's
ecommerce_daily per day, the report) twice in a row, each timed, with the summed resident
memory of every process running from this checkout (the CLI, Kafka, the Flink JVM, Airflow,
Spark, dbt) sampled every 0.5 s. Kafka runs detached, so it is found by command line, not as a
child. Both runs' reconciled tables must be identical (idempotence).

    python -m bench.demo.run [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecomlake.config import REPO_ROOT

RESULTS = Path(__file__).parent / "results"
PAGE = os.sysconf("SC_PAGE_SIZE")


def checkout_rss_mb() -> float:
    """Resident memory of every process whose command line mentions this checkout."""
    marker, total = str(REPO_ROOT).encode(), 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if marker not in Path(f"/proc/{entry}/cmdline").read_bytes():
                continue
            total += int(Path(f"/proc/{entry}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total / 2**20


def reconciled_rows(output: str) -> list[str]:
    """The demo's reconciled table, one line per layer check (timings stripped)."""
    return [line for line in output.splitlines() if re.search(r"[✓✗]\s*│\s*$", line)]


def one_run(number: int) -> dict[str, Any]:
    peak = 0.0
    started = time.monotonic()
    job = subprocess.Popen([sys.executable, "-m", "ecomlake", "demo"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           env=dict(os.environ, COLUMNS="120"))  # fmt: skip
    lines: list[str] = []

    def read() -> None:
        assert job.stdout is not None
        lines.extend(job.stdout)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while job.poll() is None:
        peak = max(peak, checkout_rss_mb())
        time.sleep(0.5)
    reader.join()
    seconds = time.monotonic() - started
    output = "".join(lines)
    (RESULTS / f"demo-run{number}.txt").write_text(output)
    print(f"run {number}: exit {job.returncode}, {seconds:.0f} s, peak {peak / 1024:.2f} GB",
          flush=True)  # fmt: skip
    return {
        "run": number,
        "exit": job.returncode,
        "seconds": round(seconds, 1),
        "peak_rss_gb": round(peak / 1024, 2),
        "reconciled": reconciled_rows(output),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs = [one_run(n) for n in range(1, args.runs + 1)]
    same = all(r["reconciled"] == runs[0]["reconciled"] for r in runs)
    out = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "runs": [{k: v for k, v in r.items() if k != "reconciled"} for r in runs],
        "reconciled_rows": len(runs[0]["reconciled"]),
        "identical_reconciliation": same,
    }
    (RESULTS / "latest.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    if not same or any(r["exit"] for r in runs):
        sys.exit(1)


if __name__ == "__main__":
    main()
