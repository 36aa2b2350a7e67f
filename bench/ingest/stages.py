"""Where one generator worker spends its time, stage by stage, in µs per valid event.

    .venv/bin/python -m bench.ingest.stages [--events 200000]

No Kafka involved: it times, chunk by chunk, the session simulation, the event assembly
(times, emission order, JSON rendering), the sort into emission order and the manifest.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections import defaultdict
from datetime import UTC, datetime

from ecomlake.generator.batch import EventBatch
from ecomlake.generator.engine import NEVER, Worker
from ecomlake.generator.options import GeneratorOptions
from ecomlake.generator.run import make_plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    gc.disable()  # as in the workers
    options = GeneratorOptions(events=args.events, end=datetime(2026, 11, 1, tzinfo=UTC))
    plan = make_plans(options)[0]
    worker = Worker(options, plan)
    arrival = worker.rhythm.next_arrival(worker.rng, plan.start_ms, plan.peak_sessions_per_ms)
    timings: dict[str, float] = defaultdict(float)
    pending, events = EventBatch.empty(), 0
    while events < args.events:
        t0 = time.perf_counter()
        starts, countries, arrival = worker.arrivals(arrival)
        chunk = worker.sim.simulate(starts, countries)
        t1 = time.perf_counter()
        batch = worker.events(chunk)
        t2 = time.perf_counter()
        ready, pending = EventBatch.concat(pending, batch).split(int(min(arrival[0], NEVER)))
        t3 = time.perf_counter()
        worker.manifest.add_batch(ready)
        t4 = time.perf_counter()
        events += len(ready)
        for stage, seconds in (
            ("simulate sessions", t1 - t0),
            ("times, order, JSON", t2 - t1),
            ("sort into emission order", t3 - t2),
            ("manifest", t4 - t3),
        ):
            timings[stage] += seconds
    for stage, seconds in timings.items():
        print(f"{stage:26s} {seconds / events * 1e6:5.2f} µs/event")


if __name__ == "__main__":
    main()
