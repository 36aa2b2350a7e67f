"""Ingest benchmark: `ecomlake generate --rate 0` vs Kafka's own ProducerPerformance tool.

Both run in one session against the same fresh broker, on topics with the same partition count,
with the same producer settings (acks=all, idempotent, lz4, 25 ms linger), and with the same
records: ProducerPerformance replays a file of generated events, so record sizes and
compressibility match. Runs alternate (who goes first alternates too, with a pause for the
broker to settle), after one unrecorded warm-up run of each, and the median of each is
reported. The generator's rate is given twice:
while producing (like ProducerPerformance's own figure, which leaves out JVM start-up) and over
the command's wall time (worker start-up included).

    make bench                                   # defaults below
    .venv/bin/python -m bench.ingest.run --events 2000000 --repeats 5
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
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.broker import fresh_broker
from ecomlake.config import REPO_ROOT
from ecomlake.core.topics import ensure_topics

console = Console()
RESULTS = REPO_ROOT / "bench" / "ingest" / "results"
SETTLE_S = 3.0
WARMUP_EVENTS = 300_000
PRODUCER_PROPS = {
    "acks": "all",
    "enable.idempotence": "true",
    "compression.type": "lz4",
    "linger.ms": "25",
    "batch.size": "1000000",
}


def run_generator(
    env: dict[str, str], topic: str, events: int, workers: int, manifest: Path
) -> tuple[float, float]:
    """(events/s over the command's wall time, events/s while producing)."""
    command = [
        str(REPO_ROOT / ".venv" / "bin" / "ecomlake"),
        "generate",
        "--rate",
        "0",
        "--events",
        str(events),
        "--workers",
        str(workers),
        "--topic",
        topic,
        "--manifest",
        str(manifest),
        "--quiet",
    ]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    summary = json.loads(manifest.read_text())
    return float(summary["events_per_second"]), float(summary["producing_events_per_second"])


def run_producer_perf(jars: Path, bootstrap: str, topic: str, events: int, payloads: Path) -> float:
    props = [f"{k}={v}" for k, v in (PRODUCER_PROPS | {"bootstrap.servers": bootstrap}).items()]
    command = [
        "java",
        "-cp",
        f"{jars}/*",
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        str(events),
        "--throughput",
        "-1",
        "--payload-file",
        str(payloads),
        "--payload-delimiter",
        "\n",
        "--command-property",
        *props,
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    match = re.findall(r"([\d.]+) records/sec", out)
    if not match:
        raise RuntimeError(f"no throughput in ProducerPerformance output:\n{out}")
    return float(match[-1])


def payload_file(folder: Path, env: dict[str, str]) -> tuple[Path, float]:
    """20,000 generated events (no malformed ones) for ProducerPerformance to replay."""
    path = folder / "payloads.jsonl"
    subprocess.run(
        [
            str(REPO_ROOT / ".venv" / "bin" / "ecomlake"),
            "generate",
            "--to",
            "file",
            "--output",
            str(path),
            "--events",
            "20000",
            "--bad-ratio",
            "0",
            "--quiet",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    lines = path.read_bytes().splitlines()
    return path, sum(map(len, lines)) / len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2, help="generator producer processes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--partitions", type=int, default=6)
    args = parser.parse_args()

    with fresh_broker(console, "ecomlake-bench-") as session:
        folder, settings, env = session.folder, session.settings, session.env
        payloads, record_size = payload_file(folder, env)
        wall_rates: list[float] = []
        producing_rates: list[float] = []
        tool_rates: list[float] = []
        # Warm the broker's JIT and page cache first: the first runs on a cold broker are
        # slower for whoever goes first. Not recorded.
        ensure_topics(
            settings.kafka.bootstrap_servers,
            {"bench.warm.gen": args.partitions, "bench.warm.perf": args.partitions},
        )
        run_generator(env, "bench.warm.gen", WARMUP_EVENTS, args.workers, folder / "w.json")
        run_producer_perf(
            settings.jars("kafka"),
            settings.kafka.bootstrap_servers,
            "bench.warm.perf",
            WARMUP_EVENTS,
            payloads,
        )
        time.sleep(SETTLE_S)
        for i in range(args.repeats):
            topics = {f"bench.gen.{i}": args.partitions, f"bench.perf.{i}": args.partitions}
            ensure_topics(settings.kafka.bootstrap_servers, topics)

            # Alternate who goes first, and let the broker settle (flushes) in between.
            def generator_run(i: int = i) -> tuple[float, float]:
                return run_generator(
                    env, f"bench.gen.{i}", args.events, args.workers, folder / f"m{i}.json"
                )

            def tool_run(i: int = i) -> float:
                return run_producer_perf(
                    settings.jars("kafka"),
                    settings.kafka.bootstrap_servers,
                    f"bench.perf.{i}",
                    args.events,
                    payloads,
                )

            if i % 2 == 0:
                wall, producing = generator_run()
                time.sleep(SETTLE_S)
                tool_rates.append(tool_run())
            else:
                tool_rates.append(tool_run())
                time.sleep(SETTLE_S)
                wall, producing = generator_run()
            time.sleep(SETTLE_S)
            wall_rates.append(wall)
            producing_rates.append(producing)
            console.print(
                f"run {i + 1}: generator {producing:,.0f}/s producing ({wall:,.0f}/s wall), "
                f"ProducerPerformance {tool_rates[-1]:,.0f}/s"
            )

    producing = statistics.median(producing_rates)
    wall = statistics.median(wall_rates)
    tool = statistics.median(tool_rates)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "events": args.events,
        "workers": args.workers,
        "partitions": args.partitions,
        "record_bytes_avg": round(record_size),
        "producer_props": PRODUCER_PROPS,
        "generator_producing_events_per_s": producing_rates,
        "generator_wall_events_per_s": wall_rates,
        "producer_perf_records_per_s": tool_rates,
        "generator_producing_median": producing,
        "generator_wall_median": wall,
        "producer_perf_median": tool,
        "ratio": round(producing / tool, 3),
        "ratio_wall": round(wall / tool, 3),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(result, indent=2) + "\n")
    table = Table("producer", "records/s (median)", "runs", title="ingest benchmark")
    name = f"ecomlake generate --rate 0 --workers {args.workers}"
    table.add_row(
        f"{name} (producing)", f"{producing:,.0f}", ", ".join(f"{r:,.0f}" for r in producing_rates)
    )
    table.add_row(
        f"{name} (wall, start-up included)",
        f"{wall:,.0f}",
        ", ".join(f"{r:,.0f}" for r in wall_rates),
    )
    table.add_row(
        "kafka ProducerPerformance", f"{tool:,.0f}", ", ".join(f"{r:,.0f}" for r in tool_rates)
    )
    console.print(table)
    console.print(
        f"ratio {producing / tool:.0%} producing, {wall / tool:.0%} wall (target >= 50%); "
        f"{args.events:,} records of {record_size:.0f} bytes avg, "
        f"{args.partitions} partitions; saved {RESULTS / 'latest.json'}"
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
