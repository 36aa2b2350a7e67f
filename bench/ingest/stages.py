"""Where one generator worker spends its time, stage by stage, in µs per valid event.

    .venv/bin/python -m bench.ingest.stages [--events 200000]

No Kafka involved: it times session simulation, rendering, scheduling, the chunk sort and the
manifest separately over the same sessions (the cyclic GC off, as in the workers).
"""

from __future__ import annotations

import argparse
import gc
import time
from datetime import UTC, datetime

from ecomlake.generator.engine import Pending, Worker
from ecomlake.generator.options import GeneratorOptions
from ecomlake.generator.run import make_plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    gc.disable()
    options = GeneratorOptions(events=args.events, end=datetime(2026, 11, 1, tzinfo=UTC))
    worker = Worker(options, make_plans(options)[0])
    sessions, events, t_ms = [], 0, 1_700_000_000_000
    started = time.perf_counter()
    while events < args.events:
        session = worker.new_session(t_ms, "US")
        sessions.append(session)
        events += len(session)
        t_ms += 2_000
    timings = {"simulate": time.perf_counter() - started}
    started = time.perf_counter()
    for session in sessions:
        session.render(worker.rng)
    timings["render"] = time.perf_counter() - started
    pending: list[Pending] = []
    started = time.perf_counter()
    for session in sessions:
        worker.schedule(session, pending)
    timings["schedule (render included)"] = time.perf_counter() - started
    started = time.perf_counter()
    pending.sort()
    timings["sort"] = time.perf_counter() - started
    started = time.perf_counter()
    for _, _, raw, session, index in pending:
        worker.manifest.add_event(session, index, session.key, raw)
    timings["manifest"] = time.perf_counter() - started
    for stage, seconds in timings.items():
        print(f"{stage:28s} {seconds / events * 1e6:5.2f} µs/event")


if __name__ == "__main__":
    main()
