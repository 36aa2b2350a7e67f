"""The dashboard's two budgets.

1. Live latency: how long after an event is produced the live page can show it. A fresh
   broker, the real stream job and `ecomlake serve`; the generator runs live at each rate
   (no jitter, no late sessions, so an event's time is its production time). A client follows
   /api/live/stream, the page's own feed, and records when each update arrived and the stream
   clock it carried (the newest event time the lake holds). Every event produced in
   (previous clock, clock] became visible with that update, so its latency is arrival minus
   its production time; the percentiles are over all events of the steady window (10 ms
   grid), after a warm-up.
2. Marts API under load: after the live run, the Spark ETL and dbt build the marts; wrk then
   sends `GET /api/marts/daily-revenue` (and `/api/live`) from 50 connections.

    python -m bench.dashboard.run [--rates 1000,20000] [--seconds 60] [--wrk-seconds 20]
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
import urllib.request
from bisect import bisect_left
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.broker import Session, free_port, fresh_broker
from ecomlake.config import REPO_ROOT, runtime_python
from ecomlake.core.offsets import OffsetWatcher
from ecomlake.core.topics import ensure_topics

RESULTS = REPO_ROOT / "bench" / "dashboard" / "results"
TOPIC = "bench.dashboard"
WARMUP_S = 20.0
console = Console()


class FeedRecorder(threading.Thread):
    """Follows the SSE feed; keeps (arrival time, stream clock) per update, both epoch s."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.updates: list[tuple[float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with urllib.request.urlopen(self.url, timeout=30) as stream:
            for raw in stream:
                if self.stop.is_set():
                    return
                line = raw.decode().strip()
                if not line.startswith("data: "):
                    continue
                arrived = time.time()
                clock = json.loads(line[6:]).get("clock")
                if clock:
                    at = datetime.fromisoformat(clock.replace("Z", "+00:00")).timestamp()
                    self.updates.append((arrived, at))


def event_latencies(
    updates: list[tuple[float, float]], start: float, end: float
) -> tuple[list[float], int]:
    """Latency of events produced every 10 ms in [start, end): the first update whose clock
    covers the event's time, minus that time. Also how many grid events there were: those
    no update covered were not on the page by the end of the run."""
    clocks: list[float] = []
    arrivals: list[float] = []
    out: list[float] = []
    for arrived, clock in updates:  # keep updates that moved the clock forward
        if not clocks or clock > clocks[-1]:
            clocks.append(clock)
            arrivals.append(arrived)
    grid = [start + i * 0.01 for i in range(int((end - start) / 0.01))]
    for t in grid:
        k = bisect_left(clocks, t)
        if k == len(clocks):
            break  # produced after the last update seen: not visible within the run
        out.append(arrivals[k] - t)
    return sorted(out), len(grid)


def percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))]


def live_latency(session: Session, base: str, rate: int, seconds: int) -> dict[str, Any]:
    recorder = FeedRecorder(f"{base}/api/live/stream")
    recorder.start()
    started = time.time()
    workers = "2" if rate > 5000 else "1"
    generator = subprocess.run(
        [sys.executable, "-m", "ecomlake", "generate", "--topic", TOPIC, "--live", "--rate",
         str(rate), "--duration", str(seconds), "--jitter-ms", "0", "--late-ratio", "0",
         "--workers", workers, "--quiet"],
        env=session.env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if generator.returncode != 0:
        raise SystemExit(f"the generator failed: {generator.stderr[-2000:]}")
    produced_until = time.time()
    time.sleep(10)  # let updates for the last events arrive (or show that they do not)
    recorder.stop.set()
    steady, produced = event_latencies(recorder.updates, started + WARMUP_S, produced_until)
    watcher = OffsetWatcher(session.settings, TOPIC)
    behind = watcher.position().behind
    watcher.close()
    if not steady:
        return {"rate_per_s": rate, "events_seen": 0, "behind_at_end": behind}
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "updates": len(recorder.updates),
        "events_seen": len(steady),  # on the 10 ms grid
        "visible_share": round(len(steady) / produced, 3),  # on the page by the run's end
        "p50_s": round(percentile(steady, 0.50), 2),
        "p99_s": round(percentile(steady, 0.99), 2),
        "max_s": round(steady[-1], 2),
        "behind_at_end": behind,
    }


def wrk(url: str, seconds: int, connections: int = 50) -> dict[str, Any]:
    out = subprocess.run(
        # One load thread: two would take both cores from the server they measure.
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    def ms(text: str) -> float:
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    quantiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "url": url.split("/", 3)[-1],
        "connections": connections,
        "seconds": seconds,
        "p50_ms": round(ms(quantiles["50"]), 2),
        "p99_ms": round(ms(quantiles["99"]), 2),
        "requests_per_s": float(rate.group(1)) if rate else None,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def run_cli(session: Session, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "ecomlake", *args], env=session.env,
                   capture_output=True, check=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1000,20000", help="events/s, comma list")
    parser.add_argument("--seconds", type=int, default=60, help="generator run per rate")
    parser.add_argument("--wrk-seconds", type=int, default=20)
    parser.add_argument("--checkpoint-s", type=float, help="stream.checkpoint_interval_s")
    parser.add_argument("--refresh-s", type=float, help="dashboard.refresh_s")
    parser.add_argument("--no-wrk", action="store_true", help="Skip the marts API phase.")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",") if r]
    out: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
        "live": [],
    }
    with fresh_broker(console, "ecomlake-bench-dashboard-") as session:
        env = dict(session.env, ECOMLAKE_KAFKA__EVENTS_TOPIC=TOPIC)
        if args.checkpoint_s:
            env["ECOMLAKE_STREAM__CHECKPOINT_INTERVAL_S"] = str(args.checkpoint_s)
        if args.refresh_s:
            env["ECOMLAKE_DASHBOARD__REFRESH_S"] = str(args.refresh_s)
        out["settings"] = {k: v for k, v in env.items() if k.startswith("ECOMLAKE_")}
        session = Session(session.folder, session.settings, env)
        ensure_topics(session.settings.kafka.bootstrap_servers, {TOPIC: 6})
        port = free_port()
        log = (session.folder / "bench.log").open("ab")
        job = subprocess.Popen(
            [str(runtime_python("flink")), "-m", "ecomlake.stream.job", "--topic", TOPIC],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        serve = subprocess.Popen(
            [sys.executable, "-m", "ecomlake", "serve", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(240):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.5)
            time.sleep(20)  # the Flink job's start-up
            for rate in rates:
                console.print(f"live latency at {rate:,} events/s for {args.seconds} s...")
                result = live_latency(session, base, rate, args.seconds)
                console.print(result)
                out["live"].append(result)
                watcher = OffsetWatcher(session.settings, TOPIC)
                deadline = time.monotonic() + 900  # drain before the next rate
                while watcher.position().behind and time.monotonic() < deadline:
                    time.sleep(1)
                watcher.close()
            job.terminate()
            job.wait(timeout=300)
            if args.no_wrk:
                return finish(out)
            console.print("building the marts (ecomlake etl, ecomlake transform)...")
            run_cli(session, "etl")
            run_cli(session, "transform")
            urllib.request.urlopen(f"{base}/api/marts/daily-revenue", timeout=30).close()
            out["wrk"] = [
                wrk(f"{base}/api/marts/daily-revenue", args.wrk_seconds),
                wrk(f"{base}/api/live", args.wrk_seconds),
            ]
        finally:
            for process in (serve, job):
                if process.poll() is None:
                    process.terminate()
                    process.wait(timeout=60)
    finish(out)


def finish(out: dict[str, Any]) -> None:
    report(out)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "latest.json" if "wrk" in out else "latest-live-only.json"
    (RESULTS / name).write_text(json.dumps(out, indent=2) + "\n")
    console.print(f"written {RESULTS / name}")


def report(out: dict[str, Any]) -> None:
    table = Table("measure", "result", "target", title="dashboard")
    for r in out["live"]:
        if not r.get("events_seen"):
            table.add_row(f"live latency at {r['rate_per_s']:,}/s", "no update reached the page",
                          "p99 <= 2 s")  # fmt: skip
            continue
        table.add_row(f"live latency at {r['rate_per_s']:,}/s: p50 / p99 / max (on the page)",
                      f"{r['p50_s']} / {r['p99_s']} / {r['max_s']} s "
                      f"({r['visible_share']:.0%})",
                      "p99 <= 2 s" if r["rate_per_s"] == 20_000 else "")  # fmt: skip
    for w in out.get("wrk", []):
        table.add_row(f"{w['url']}, {w['connections']} connections: p50 / p99",
                      f"{w['p50_ms']} / {w['p99_ms']} ms ({w['requests_per_s']:,.0f} req/s)",
                      "p99 <= 100 ms" if "marts" in w["url"] else "")  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    main()
