"""The ceiling for a Python producer of this project's messages on this machine.

Each worker only renders one realistic event with an f-string, produces it (same producer
settings as the generator) and adds it to a content hash: no simulation, no ordering, no
ground truth. The gap between this and `ecomlake generate` is what the simulation costs.

    .venv/bin/python -m bench.ingest.ceiling --workers 2      # needs `ecomlake up`
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import time
import zlib
from typing import Any

from confluent_kafka import Producer

from ecomlake.config import load_settings
from ecomlake.generator.ids import random_uuid4
from ecomlake.generator.sinks import producer_config
from ecomlake.generator.timefmt import iso_ms

SHARED = (
    '"anonymous_id":"A45a6d32c78391809","session_id":"S84b2d4c7273020a2","ip":"19.156.152.125",'
    '"user_agent":"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like '
    'Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36"'
)


def produce(bootstrap: str, topic: str, count: int, done: Any) -> None:
    rng = random.Random(1)
    producer = Producer(producer_config(bootstrap))
    key, content_hash, t0 = b"S84b2d4c7273020a2", 0, 1_700_000_000_000
    for i in range(count):
        raw = (
            f'{{"event_id":"{random_uuid4(rng)}","event_type":"product_view",'
            f'"event_time":"{iso_ms(t0 + i)}","user_id":null,{SHARED},'
            f'"page_url":"https://shop.ecomlake.dev/p/P00012",'
            f'"referrer":"https://shop.ecomlake.dev/c/shoes","schema_version":1,'
            f'"product_id":"P00012","category":"fashion","price":"12.99","currency":"USD"}}'
        ).encode()
        while True:
            try:
                producer.produce(topic, raw, key)
                break
            except BufferError:
                producer.poll(0.05)
        if i % 1000 == 0:
            producer.poll(0)
        content_hash += (zlib.crc32(raw) << 32) | zlib.adler32(raw)
    producer.flush()
    done.put(content_hash)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    settings = load_settings()
    ctx = mp.get_context("forkserver")
    done = ctx.Queue()
    started = time.perf_counter()
    procs = [
        ctx.Process(
            target=produce,
            args=(
                settings.kafka.bootstrap_servers,
                settings.kafka.events_topic,
                args.events // args.workers,
                done,
            ),
        )
        for _ in range(args.workers)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        done.get()
    for proc in procs:
        proc.join()
    rate = args.events / (time.perf_counter() - started)
    print(f"render + produce only, {args.workers} workers: {rate:,.0f} events/s")


if __name__ == "__main__":
    main()
