"""Run a generation: plan it, fan it out to worker processes, show progress, write the manifest."""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing as mp
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

from ecomlake import __version__
from ecomlake.errors import EcomlakeError
from ecomlake.generator.engine import Plan, Worker, messages_per_session
from ecomlake.generator.manifest import ManifestBuilder
from ecomlake.generator.options import GeneratorOptions
from ecomlake.generator.rhythm import Rhythm
from ecomlake.generator.sinks import FileSink, KafkaSink, Sink
from ecomlake.generator.timefmt import to_ms


@dataclass(frozen=True)
class Target:
    """Where the messages go: Kafka (bootstrap + topic) or a JSONL file."""

    kind: str  # "kafka" | "file"
    bootstrap: str = ""
    topic: str = ""
    path: Path | None = None

    def open(self, worker: int, workers: int) -> Sink:
        if self.kind == "kafka":
            return KafkaSink(self.bootstrap, self.topic)
        assert self.path is not None
        return FileSink(part_path(self.path, worker) if workers > 1 else self.path)


@dataclass
class Result:
    manifest: dict[str, Any]
    delivered: int
    delivery_errors: int
    first_error: str | None
    seconds: float
    interrupted: bool

    @property
    def rate(self) -> float:
        return self.manifest["total_events"] / self.seconds if self.seconds else 0.0


@dataclass
class WorkerResult:
    worker: int
    manifest: ManifestBuilder
    delivered: int
    errors: int
    first_error: str | None
    seconds: float  # producing: from the first message to the last acknowledged one


def part_path(path: Path, worker: int) -> Path:
    return path.with_name(f"{path.name}.part-{worker}")


def make_plans(options: GeneratorOptions, now: datetime | None = None) -> list[Plan]:
    start, end = options.window(now)
    start_ms, end_ms = to_ms(start), to_ms(end)
    rhythm = Rhythm(options.country_mix)
    per_session = messages_per_session(options)
    if options.live:
        # Calibrate to the requested rate at the current hour of day.
        sessions_per_ms = options.rate / per_session / 1000 / rhythm.level(start_ms)
    else:
        expected = options.events if options.events is not None else 0
        if options.events is None:  # duration-bound backfill: fill the window at --rate
            expected = int(options.rate * (options.duration_s or 0)) or 100_000
        sessions_per_ms = (
            expected / per_session / ((end_ms - start_ms) * rhythm.mean_level(start_ms, end_ms))
        )
    workers = options.workers
    plans = []
    for w in range(workers):
        quota = None
        if options.events is not None:
            quota = options.events // workers + (1 if w < options.events % workers else 0)
        plans.append(Plan(start_ms, end_ms, sessions_per_ms / workers, quota, w, workers))
    return plans


def _worker_main(
    options: GeneratorOptions,
    plan: Plan,
    target: Target,
    counter: Synchronized[int],
    failures: Synchronized[int],
    stop: Any,
    deadline: float | None,
    results: Any,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    # The simulation builds no reference cycles, so reference counting frees everything; the
    # cyclic collector would only rescan the live sessions, costing several % of throughput.
    gc.disable()
    sink = target.open(plan.worker, plan.workers)

    def report(sent: int) -> None:
        counter.value = sent
        failures.value = getattr(sink, "errors", 0)

    worker = Worker(options, plan)
    started = time.monotonic()
    manifest = worker.run(sink, report, stop.is_set, deadline)
    delivered, errors = sink.close()
    results.put(
        WorkerResult(plan.worker, manifest, delivered, errors,
                     getattr(sink, "first_error", None), time.monotonic() - started)
    )  # fmt: skip


def generate(
    options: GeneratorOptions,
    target: Target,
    on_progress: Callable[[int, int], None] = lambda sent, errors: None,
    now: datetime | None = None,
) -> Result:
    """Produce the stream; `on_progress(sent, delivery_errors)` is called a few times a second
    (totals over all workers)."""
    plans = make_plans(options, now)
    deadline = time.monotonic() + options.duration_s if options.duration_s else None
    # Not plain fork: the parent may hold librdkafka threads (admin clients), and a fork of a
    # threaded process can inherit a held lock. The fork server is a clean, single-threaded
    # parent with the generator already imported, so workers still start fast.
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["ecomlake.generator.preload", "ecomlake.generator.engine"])
    stop = ctx.Event()
    results = ctx.Queue()
    counters = [ctx.Value("q", 0, lock=False) for _ in plans]
    failures = [ctx.Value("q", 0, lock=False) for _ in plans]
    started = time.monotonic()
    procs = [
        ctx.Process(
            target=_worker_main,
            name=f"ecomlake-gen-{p.worker}",
            args=(options, p, target, counters[i], failures[i], stop, deadline, results),
            daemon=True,
        )
        for i, p in enumerate(plans)
    ]
    for proc in procs:
        proc.start()
    interrupted = False
    collected: list[WorkerResult] = []
    try:
        while len(collected) < len(procs):
            with contextlib.suppress(Exception):
                collected.append(results.get(timeout=0.25))
            on_progress(sum(c.value for c in counters), sum(f.value for f in failures))
            if len(collected) < len(procs) and not any(p.is_alive() for p in procs):
                with contextlib.suppress(Exception):
                    while True:
                        collected.append(results.get(timeout=1))
                if len(collected) < len(procs):
                    raise EcomlakeError("a generator worker died; see the messages above")
    except KeyboardInterrupt:
        interrupted = True
        stop.set()  # workers flush what they produced and report it
        while len(collected) < len(procs):
            collected.append(results.get())
    for proc in procs:
        proc.join()
    seconds = time.monotonic() - started
    collected.sort(key=lambda item: item.worker)
    merged = ManifestBuilder()
    for item in collected:
        merged.merge(item.manifest)
    producing = max((item.seconds for item in collected), default=0.0)
    if target.kind == "file" and target.path is not None and len(plans) > 1:
        _concatenate(target.path, [part_path(target.path, p.worker) for p in plans])
    start, end = options.window(now)
    header = {
        "generator": f"ecomlake {__version__}",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": options.describe(),
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "target": {
            "kind": target.kind,
            "topic": target.topic,
            "path": str(target.path) if target.path else None,
        },
        "interrupted": interrupted,
        "delivery_errors": sum(item.errors for item in collected),
        # Wall time of the command, and time spent producing (worker start-up excluded).
        "elapsed_s": round(seconds, 3),
        "events_per_second": round(merged.total_events / seconds) if seconds else 0,
        "producing_s": round(producing, 3),
        "producing_events_per_second": round(merged.total_events / producing) if producing else 0,
    }
    return Result(
        manifest=merged.to_json(header),
        delivered=sum(item.delivered for item in collected),
        delivery_errors=sum(item.errors for item in collected),
        first_error=next((item.first_error for item in collected if item.first_error), None),
        seconds=seconds,
        interrupted=interrupted,
    )


def _concatenate(path: Path, parts: list[Path]) -> None:
    with path.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out)
            part.unlink()


def write_manifest(manifest: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(path)
