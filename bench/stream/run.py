"""Stream benchmark: the Flink job draining a pre-loaded topic into Iceberg, and its freshness.

1. Throughput: the generator pre-loads the topic, then the job (exactly-once: Iceberg commits
   and Kafka transactions on each checkpoint) drains it and stops after idling. Sustained rate
   = messages committed between the first commit and the last, over that time (job start-up
   is reported apart). Peak memory is the PSS (proportional set size: shared pages split
   between the processes that map them) summed over the job's process tree (Python driver,
   the JVM running the mini-cluster, the Python worker), sampled every 0.5 s.
2. Freshness: the generator runs live at a steady rate (no jitter, no late sessions, so an
   event's time is when it was produced) while the job runs; for every row, the commit time
   of the Iceberg snapshot that added it minus its event time. p50 and p99, without the
   first `--warmup-seconds` of events (JIT compilation, the first checkpoints).

    make bench
    .venv/bin/python -m bench.stream.run --events 2000000 --freshness-rates 20000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from bench.broker import Session, fresh_broker
from ecomlake.config import REPO_ROOT, load_settings, runtime_python
from ecomlake.core.offsets import OffsetWatcher
from ecomlake.core.topics import ensure_topics
from ecomlake.lake.catalog import open_catalog

console = Console()
RESULTS = REPO_ROOT / "bench" / "stream" / "results"
FLINK_PYTHON = runtime_python("flink")
SPARK_PYTHON = runtime_python("spark")


@dataclass
class Drain:
    events: int
    startup_s: float  # job start until the first commit
    drain_s: float  # first commit until everything is committed
    sustained_per_s: float
    peak_pss_mb: float


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (from /proc; the ETL and dbt
    benchmarks report it)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(stat.parent.name)
        children.setdefault(int(fields[1]), []).append(child)
        rss[child] = int(fields[21]) * 4096  # pages
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return total / 2**20


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _pss_kb(current)
        todo.extend(children.get(current, []))
    return total / 1024


def generate(session: Session, topic: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "ecomlake", "generate", "--topic", topic, "--quiet", *args],
        env=session.env,
        check=True,
    )


def start_job(
    session: Session, topic: str, parallelism: int, idle_s: float | None = 3
) -> subprocess.Popen[bytes]:
    env = dict(session.env, ECOMLAKE_STREAM__PARALLELISM=str(parallelism))
    command = [str(FLINK_PYTHON), "-m", "ecomlake.stream.job", "--topic", topic]
    with (session.folder / f"{topic}.log").open("ab") as log:
        return subprocess.Popen(
            [*command, "--stop-after-idle", str(idle_s)] if idle_s is not None else command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_running(session: Session, topic: str) -> None:
    log = session.folder / f"{topic}.log"
    deadline = time.monotonic() + 120
    while "running" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)


def drain(session: Session, topic: str, events: int, parallelism: int) -> Drain:
    ensure_topics(session.settings.kafka.bootstrap_servers, {topic: 6})
    console.print(f"pre-loading {events:,} events into {topic}...")
    generate(session, topic, "--events", str(events), "--workers", "2")
    watcher = OffsetWatcher(session.settings, topic)
    started = time.monotonic()
    job = start_job(session, topic, parallelism)
    first: tuple[float, int] | None = None
    done_at, peak = 0.0, 0.0
    while job.poll() is None:
        peak = max(peak, tree_pss_mb(job.pid))
        at = watcher.position()
        now = time.monotonic()
        if first is None and at.committed > 0:
            first = (now, at.committed)
        if at.end and at.committed == at.end and not done_at:
            done_at = now
        time.sleep(0.5)
    watcher.close()
    if job.returncode != 0 or first is None or not done_at:
        raise SystemExit(f"the stream job failed; see {session.folder / (topic + '.log')}")
    total = watcher.last.end if watcher.last else events
    return Drain(
        events=total,
        startup_s=round(first[0] - started, 1),
        drain_s=round(done_at - first[0], 1),
        sustained_per_s=round((total - first[1]) / (done_at - first[0])),
        peak_pss_mb=round(peak),
    )


def spark_peer(session: Session, topic: str) -> dict[str, float]:
    """The same topic through bench/stream/spark_peer.py (Structured Streaming, availableNow)."""
    peer = Path(__file__).with_name("spark_peer.py")
    out = subprocess.run(
        [str(SPARK_PYTHON), str(peer), topic], env=session.env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    found = re.search(r"seconds ([\d.]+) rows (\d+)", out.stdout)
    if out.returncode != 0 or found is None:
        raise SystemExit(f"the Spark peer failed:\n{failure_excerpt(out.stdout + out.stderr)}")
    seconds, rows = float(found.group(1)), int(found.group(2))
    watcher = OffsetWatcher(session.settings, topic)
    events = watcher.position().end
    watcher.close()
    return {"events": events, "rows": rows, "seconds": seconds, "per_s": round(events / seconds)}


def failure_excerpt(text: str) -> str:
    """The first Python traceback and the first "Caused by" of a failed Spark run (the cause;
    Spark's own stack traces bury it), then the last lines."""
    parts = []
    for marker in ("Traceback (most recent call last)", "Caused by"):
        at = text.find(marker)
        if at >= 0:
            parts.append(text[at : at + 2500])
    return "\n...\n".join([*parts, text[-1500:]])


def freshness(
    session: Session, topic: str, rate: int, seconds: int, warmup_s: float
) -> dict[str, float]:
    """Run the job while the generator produces live at `rate`; latency per row, in seconds."""
    data = session.folder / f"fresh-{rate}"
    env = dict(session.env, ECOMLAKE_DATA_DIR=str(data))
    ensure_topics(session.settings.kafka.bootstrap_servers, {topic: 6})
    settings = load_settings(data_dir=data, kafka=session.settings.kafka.model_dump())
    scoped = Session(session.folder, settings, env)
    job = start_job(scoped, topic, 1, idle_s=None)
    wait_running(scoped, topic)
    generate(scoped, topic, "--live", "--rate", str(rate), "--duration", str(seconds),
             "--jitter-ms", "0", "--late-ratio", "0", "--workers", "2")  # fmt: skip
    watcher = OffsetWatcher(scoped.settings, topic)
    deadline = time.monotonic() + 1800
    while watcher.position().behind and time.monotonic() < deadline:
        time.sleep(1)
    watcher.close()
    job.terminate()  # SIGTERM: stop with a savepoint
    job.wait(timeout=300)
    table = open_catalog(scoped.settings).load_table("raw.events")
    commit_ms = {s.snapshot_id: s.timestamp_ms for s in table.snapshots()}
    entries = table.inspect.entries().to_pylist()
    latencies: list[float] = []
    starts: list[int] = []
    for entry in entries:
        if entry["status"] == 2:  # DELETED; ADDED and EXISTING keep the adding snapshot's id
            continue
        path = entry["data_file"]["file_path"].removeprefix("file:")
        column = pq.read_table(path, columns=["event_time"]).column(0)  # Iceberg: microseconds
        times = column.cast("timestamp[ms]").cast("int64").to_pylist()
        committed = commit_ms[entry["snapshot_id"]]
        latencies.extend((committed - t) / 1000 for t in times)
        starts.extend(times)
    # Leave out the warm-up: events produced in the first `warmup_s` of the run.
    since = min(starts, default=0) + warmup_s * 1000
    latencies = sorted(lat for lat, t in zip(latencies, starts, strict=True) if t >= since)
    if not latencies:
        log = (session.folder / f"{topic}.log").read_text()[-3000:]
        raise SystemExit(f"no rows reached raw.events at {rate}/s; the job's log ends:\n{log}")
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "warmup_s": warmup_s,
        "rows": len(latencies),
        "p50_s": round(statistics.median(latencies), 2),
        "p99_s": round(latencies[int(len(latencies) * 0.99) - 1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--parallelism", type=int, default=1)
    parser.add_argument("--freshness-rates", default="20000", help="events/s, comma list")
    parser.add_argument("--freshness-seconds", type=int, default=120)
    parser.add_argument("--warmup-seconds", type=float, default=20)
    parser.add_argument(
        "--no-spark-peer", action="store_true", help="skip the Spark Structured Streaming peer"
    )
    args = parser.parse_args()
    out: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "parallelism": args.parallelism,
    }
    rates = [int(rate) for rate in args.freshness_rates.split(",") if rate]
    with fresh_broker(console, "ecomlake-bench-stream-") as session:
        result = None
        if args.events:
            result = drain(session, "bench.drain", args.events, args.parallelism)
            out["drain"] = asdict(result)
            save(out)  # kept even if a later phase fails
            if not args.no_spark_peer:
                out["spark_peer"] = spark_peer(session, "bench.drain")
                save(out)
        fresh = [
            freshness(
                session, f"bench.fresh.{rate}", rate, args.freshness_seconds, args.warmup_seconds
            )
            for rate in rates
        ]
    save(out | {"freshness": fresh})
    table = Table("measure", "value", "target")
    if result is not None:
        table.add_row(
            "sustained drain (events/s)", f"{result.sustained_per_s:,}", ">= 50,000 (aim 100,000)"
        )
        table.add_row("job start-up (s)", str(result.startup_s), "")
        table.add_row("peak PSS, job process tree (MB)", f"{result.peak_pss_mb:,}", "<= 2,560")
    if "spark_peer" in out:
        peer = out["spark_peer"]["per_s"]
        table.add_row("Spark Structured Streaming peer (events/s)", f"{peer:,}", "")
        if result is not None:
            ratio = f"{result.sustained_per_s / peer:.2f}x"
            table.add_row("Flink / Spark", ratio, ">= 1.5x")
    for f in fresh:
        table.add_row(
            f"freshness at {f['rate_per_s']:,}/s: p50 / p99 (s)", f"{f['p50_s']} / {f['p99_s']}",
            "p99 <= 3",
        )  # fmt: skip
    console.print(table)


def save(out: dict[str, Any]) -> None:
    """Merge into latest.json: a run that skips a phase keeps that phase's last result."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "latest.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    stamp = out["measured_at"]
    phases = {k: v | {"measured_at": stamp} for k, v in out.items() if isinstance(v, dict)}
    lists = {
        k: [v | {"measured_at": stamp} for v in vs] for k, vs in out.items() if isinstance(vs, list)
    }
    path.write_text(json.dumps(previous | out | phases | lists, indent=2) + "\n")
    console.print(f"written {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
