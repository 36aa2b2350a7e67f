"""ETL benchmark: `ecomlake etl` (Spark, local[*]) over 1M and 5M raw events.

For each size, in a fresh data folder: raw.events is filled (bench/etl/load.py: the stream
job's row code, 100k-row commits), then
1. full refresh: every curated table rebuilt from all of raw.events;
2. incremental: 5% more events (2.4 hours after the first load) appended in new snapshots,
   then the ETL reads only those;
3. no-op: a rerun with nothing new.
Wall time is the whole job process (JVM and Spark session start included); the job's step
lines give the time per step, and the session start-up is reported apart. Peak RSS is the
job's process tree (driver JVM and Python), sampled every 0.5 s.

    make bench
    .venv/bin/python -m bench.etl.run --sizes 1000000,5000000
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.etl.load import WINDOW_END, load
from bench.runs import PeakRss, run_sizes
from ecomlake.config import REPO_ROOT, load_settings
from ecomlake.core.jobs import parse, start_job
from ecomlake.lake.catalog import open_catalog

console = Console()
RESULTS = REPO_ROOT / "bench" / "etl" / "results"


def timed_job(data: Path, *args: str) -> dict[str, Any]:
    """Run the ETL job; wall time, seconds per step (from its step lines), peak RSS."""
    started = time.monotonic()
    job = start_job(load_settings(data_dir=data), "spark", "ecomlake.batch.job", args,
                    stderr=subprocess.DEVNULL)  # fmt: skip
    rss = PeakRss(job)
    steps: dict[str, float] = {}
    report: dict[str, Any] = {}
    last = started
    assert job.stdout is not None
    for message in map(parse, job.stdout):
        now = time.monotonic()
        if message.kind == "ready":
            steps["session start"] = round(now - last, 1)
        elif message.kind == "step":
            steps[message.value] = round(now - last, 1)
        elif message.kind == "report":
            report = message.value
        else:
            continue
        last = now
    rss.wait()
    if job.returncode != 0:
        raise SystemExit(f"ETL job failed (exit {job.returncode}) in {data}")
    wall = time.monotonic() - started
    rows = report.get("new_rows", 0)
    return {
        "mode": report.get("mode"),
        "rows_read": rows,
        "wall_s": round(wall, 1),
        "events_per_s": round(rows / wall) if rows else 0,
        "steps_s": steps,
        "peak_rss_mb": round(rss.peak_mb),
        "curated_rows": report.get("rows", {}),
    }


def bench_size(size: int) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix=f"ecomlake-bench-etl-{size}-"))
    try:
        catalog = open_catalog(load_settings(data_dir=data))
        with console.status(f"loading {size:,} events into raw.events..."):
            started = time.monotonic()
            rows = load(catalog, data, size, WINDOW_END, seed=1)
            console.print(f"raw.events: {rows:,} rows in {time.monotonic() - started:.0f} s")
        out: dict[str, Any] = {"events": size, "raw_rows": rows}
        with console.status("full refresh..."):
            out["full"] = timed_job(data, "--full-refresh")
        console.print(f"full refresh: {out['full']}")
        extra = size // 20
        with console.status(f"loading {extra:,} more events..."):
            load(catalog, data, extra, WINDOW_END + timedelta(hours=2.4), seed=2)
        with console.status("incremental..."):
            out["incremental"] = timed_job(data)
        console.print(f"incremental: {out['incremental']}")
        with console.status("no-op rerun..."):
            out["noop"] = timed_job(data)
        return out
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,5000000", help="events, comma list")
    args = parser.parse_args()
    out = run_sizes(args.sizes, bench_size, RESULTS)
    table = Table("events", "run", "rows read", "wall (s)", "events/s", "peak RSS (MB)", "target")
    for run in out["runs"]:
        for mode in ("full", "incremental", "noop"):
            r = run[mode]
            target = "<= 90 s at 5M" if mode == "full" else ""
            table.add_row(
                f"{run['events']:,}", mode, f"{r['rows_read']:,}", str(r["wall_s"]),
                f"{r['events_per_s']:,}", f"{r['peak_rss_mb']:,}", target,
            )  # fmt: skip
    console.print(table)
    console.print(f"written {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
