"""dbt benchmark: `dbt build` of all models and tests, DuckDB vs Spark, over 1M and 5M events.

For each size, in a fresh data folder: raw.events is filled (bench/etl/load.py) and the Spark
ETL builds the curated Delta tables (not timed here: bench.etl measures it). Then, per target,
`ecomlake.transform.runner build --full-refresh` (every model and data test, unit tests
included) and a second, incremental build (nothing new: the daily facts rebuild their
lookback window). Wall time is the whole runner process: dbt's parse, the target's set-up
(DuckDB views / the Spark session and its JVM) and the build. Peak RSS is its process tree.

    make bench
    .venv/bin/python -m bench.dbt.run --sizes 1000000,5000000
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.etl.load import WINDOW_END, load
from bench.etl.run import spark_mode, timed_job
from bench.runs import PeakRss, run_sizes
from ecomlake.config import REPO_ROOT, load_settings
from ecomlake.core.jobs import parse, start_job
from ecomlake.lake.catalog import open_catalog

console = Console()
RESULTS = REPO_ROOT / "bench" / "dbt" / "results"
TARGETS = ("duckdb", "spark")


def timed_build(data: Path, target: str, *args: str) -> dict[str, Any]:
    """One runner process: wall time, time to the first dbt node, nodes by status, peak RSS."""
    started = time.monotonic()
    job = start_job(load_settings(data_dir=data), "dbt", "ecomlake.transform.runner",
                    ["build", "--target", target, *args], stderr=subprocess.DEVNULL)  # fmt: skip
    rss = PeakRss(job)
    ready = first_node = 0.0
    report: dict[str, Any] = {}
    assert job.stdout is not None
    for message in map(parse, job.stdout):
        now = time.monotonic() - started
        if message.kind == "ready":
            ready = now
        elif message.kind == "step" and not first_node:
            first_node = now
        elif message.kind == "report":
            report = message.value
    rss.wait()
    if job.returncode != 0 or not report.get("success"):
        raise SystemExit(f"dbt build on {target} failed (exit {job.returncode}) in {data}")
    by_type: dict[str, float] = {}
    for node in report["nodes"]:
        by_type[node["type"]] = by_type.get(node["type"], 0.0) + node["seconds"]
    return {
        "wall_s": round(time.monotonic() - started, 1),
        "setup_s": round(ready, 1),
        "first_node_s": round(first_node, 1),
        "node_seconds": {k: round(v, 1) for k, v in sorted(by_type.items())},
        "counts": report["counts"],
        "peak_rss_mb": round(rss.peak_mb),
    }


def bench_size(size: int) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix=f"ecomlake-bench-dbt-{size}-"))
    try:
        catalog = open_catalog(load_settings(data_dir=data))
        with console.status(f"loading {size:,} events into raw.events, then the ETL..."):
            load(catalog, data, size, WINDOW_END, seed=1)
            with spark_mode(data, "local") as mode:
                etl = timed_job(data, mode, "--full-refresh")
        console.print(f"{size:,} events: curated tables {etl['curated_rows']}")
        out: dict[str, Any] = {"events": size, "curated_rows": etl["curated_rows"]}
        for target in TARGETS:
            with console.status(f"dbt build on {target} (full refresh)..."):
                full = timed_build(data, target, "--full-refresh")
            console.print(f"{target} full: {full}")
            with console.status(f"dbt build on {target} (incremental)..."):
                incremental = timed_build(data, target)
            console.print(f"{target} incremental: {incremental}")
            out[target] = {"full": full, "incremental": incremental}
        return out
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,5000000", help="events, comma list")
    args = parser.parse_args()
    out = run_sizes(args.sizes, bench_size, RESULTS)
    table = Table("events", "build", "DuckDB (s)", "Spark (s)", "Spark / DuckDB", "target")
    for run in out["runs"]:
        for mode in ("full", "incremental"):
            duck, spark = run["duckdb"][mode]["wall_s"], run["spark"][mode]["wall_s"]
            target = "DuckDB <= 30 s at 5M, >= 5x" if mode == "full" else ""
            table.add_row(f"{run['events']:,}", mode, str(duck), str(spark),
                          f"{spark / duck:.1f}x", target)  # fmt: skip
    console.print(table)
    console.print(f"written {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
