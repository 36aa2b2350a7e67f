"""ETL benchmark: `ecomlake etl` (Spark) over 1M and 5M raw events, in the job's own
application (`local[*]`) and on the warm Spark (`ecomlake up --with spark`).

For each size, in a fresh data folder: raw.events is filled (bench/etl/load.py: the stream
job's row code, 100k-row commits), then for each Spark:
1. full refresh: every curated table rebuilt from all of raw.events;
2. incremental: 5% more events dated 12 hours before the end of what is loaded (late
   arrivals into existing partitions; the generator's people recur across seeds, so
   returning people too), appended in new snapshots; the ETL reads only those;
3. nothing new: the Spark job itself (which decides inside Spark), and `ecomlake etl`, which
   decides from the tables' metadata without starting a JVM.
Wall time is the whole job process (its Spark session start or connection included); the
job's step lines give the time per step. Peak RSS is the job's process tree plus, on the warm
Spark, the Connect server's and the worker's (with its executor), sampled every 0.5 s.

    make bench
    .venv/bin/python -m bench.etl.run --sizes 1000000,5000000 --spark local,warm
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.etl.load import WINDOW_END, load
from bench.runs import PeakRss, run_sizes
from ecomlake.config import REPO_ROOT, load_settings
from ecomlake.core.jobs import job_env, parse, start_job
from ecomlake.lake.catalog import open_catalog
from ecomlake.services.spark import SparkMaster

console = Console()
RESULTS = REPO_ROOT / "bench" / "etl" / "results"


@dataclass(frozen=True)
class SparkMode:
    """Where the jobs run: the environment they get, and the warm server's processes."""

    name: str
    env: dict[str, str]
    server_pids: tuple[int, ...] = ()


@contextmanager
def spark_mode(data: Path, name: str) -> Iterator[SparkMode]:
    settings = load_settings(data_dir=data)
    if name == "local":
        yield SparkMode(name, job_env(settings) | {"ECOMLAKE_BATCH__WARM": "false"})
        return
    master = SparkMaster(settings)
    with console.status("starting the warm Spark..."):
        console.print(master.start())
    try:
        parts = [part.record() for part in master.parts()]
        pids = tuple(rec.pid for rec in parts if rec is not None)
        yield SparkMode(name, job_env(settings), pids)
    finally:
        master.stop()


def timed_job(data: Path, mode: SparkMode, *args: str) -> dict[str, Any]:
    """Run the ETL job; wall time, seconds per step (from its step lines), peak RSS."""
    started = time.monotonic()
    job = start_job(load_settings(data_dir=data), "spark", "ecomlake.batch.job", args,
                    stderr=subprocess.DEVNULL, env=mode.env)  # fmt: skip
    rss = PeakRss(job, mode.server_pids)
    steps: dict[str, float] = {}
    report: dict[str, Any] = {}
    last = started
    assert job.stdout is not None
    for message in map(parse, job.stdout):
        now = time.monotonic()
        if message.kind == "ready":
            steps["session"] = round(now - last, 1)
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


def timed_cli(mode: SparkMode) -> dict[str, Any]:
    """`ecomlake etl` with nothing new: wall time of the whole command."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ecomlake", "etl"], env=mode.env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    wall = time.monotonic() - started
    if done.returncode != 0 or "already include" not in done.stdout:
        raise SystemExit(f"`ecomlake etl` with nothing new: {done.stdout}{done.stderr}")
    return {"mode": "up-to-date", "rows_read": 0, "wall_s": round(wall, 1), "events_per_s": 0,
            "peak_rss_mb": 0}  # fmt: skip


def bench_size(size: int, modes: list[str]) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix=f"ecomlake-bench-etl-{size}-"))
    try:
        catalog = open_catalog(load_settings(data_dir=data))
        with console.status(f"loading {size:,} events into raw.events..."):
            started = time.monotonic()
            rows = load(catalog, data, size, WINDOW_END, seed=1)
            console.print(f"raw.events: {rows:,} rows in {time.monotonic() - started:.0f} s")
        out: dict[str, Any] = {"events": size, "raw_rows": rows}
        for i, name in enumerate(modes):
            with spark_mode(data, name) as mode:
                runs: dict[str, Any] = {}
                with console.status(f"{name}: full refresh..."):
                    runs["full"] = timed_job(data, mode, "--full-refresh")
                console.print(f"{name} full refresh: {runs['full']}")
                extra = size // 20
                with console.status(f"loading {extra:,} late events..."):
                    load(catalog, data, extra, WINDOW_END - timedelta(hours=12), seed=2 + i)
                with console.status(f"{name}: incremental..."):
                    runs["incremental"] = timed_job(data, mode)
                console.print(f"{name} incremental: {runs['incremental']}")
                with console.status(f"{name}: nothing new..."):
                    runs["noop"] = timed_job(data, mode)
                    runs["noop_cli"] = timed_cli(mode)
                out[name] = runs
        return out
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,5000000", help="events, comma list")
    parser.add_argument("--spark", default="local,warm", help="local and/or warm, comma list")
    args = parser.parse_args()
    modes = [m for m in args.spark.split(",") if m]
    if not modes or set(modes) - {"local", "warm"}:
        parser.error(f"--spark takes local and/or warm, not {args.spark!r}")
    out = run_sizes(args.sizes, lambda size: bench_size(size, modes), RESULTS)
    table = Table("events", "spark", "run", "rows read", "wall (s)", "events/s",
                  "peak RSS (MB)", "target")  # fmt: skip
    targets = {"full": "<= 90 s at 5M", "incremental": "<= 25% of full", "noop_cli": "< 3 s"}
    for run in out["runs"]:
        for name in modes:
            for kind in ("full", "incremental", "noop", "noop_cli"):
                r = run[name][kind]
                table.add_row(
                    f"{run['events']:,}", name, kind, f"{r['rows_read']:,}", str(r["wall_s"]),
                    f"{r['events_per_s']:,}", f"{r['peak_rss_mb']:,}", targets.get(kind, ""),
                )  # fmt: skip
    console.print(table)
    console.print(f"written {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
