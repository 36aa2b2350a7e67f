"""What a hostile world does to the stream job: every odd record straight into Kafka (null
values, bad encodings, huge, deep, numbers at the edges...), and the broker killed with SIGKILL
mid-stream, down for 20 s, then started again. The job rides through by itself (no rerun) and
ends exact: each message in raw.events or raw.events_rejected once, with the Python reference's
reason, the original bytes kept for replay, and the dead-letter topic equal to the table.

One broker of its own (the session's broker serves the other tests).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Producer

from ecomlake.config import Settings, load_settings
from ecomlake.contracts import validate_message
from ecomlake.services.kafka import KafkaService
from tests.hostile import hostile_messages
from tests.integration.conftest import free_port
from tests.integration.kafka_read import read_topic
from tests.integration.stream_helpers import (
    counts,
    query,
    run_cli,
    start_job,
    stream_env,
)
from tests.integration.test_stream_crash import wait_for_commit_after

OUTAGE_S = 20


def produce_raw(bootstrap: str, topic: str, messages: list[tuple[str, bytes | None]]) -> None:
    """Each message as its own record, keys odd too (none, empty, binary)."""
    producer = Producer({"bootstrap.servers": bootstrap, "message.max.bytes": 4_000_000})
    keys: list[bytes | None] = [None, b"", b"\xff\x00key", b"s1"]
    for i, (_, value) in enumerate(messages):
        producer.produce(topic, value=value, key=keys[i % len(keys)], partition=i % 6)
    assert producer.flush(30) == 0


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[KafkaService]:
    settings = load_settings(
        data_dir=tmp_path / "broker",
        kafka={"port": free_port(), "controller_port": free_port(), "heap": "512m"},
        observe={"kafka_jmx_port": free_port()},
    )
    service = KafkaService(settings)
    service.start()
    yield service
    service.stop()


@pytest.mark.timeout(900)
def test_hostile_records_and_a_broker_outage(own_broker: KafkaService, tmp_path: Path) -> None:
    settings: Settings = own_broker.settings
    bootstrap = settings.kafka.bootstrap_servers
    topic = "it.hostile"
    data = tmp_path / "data"
    env = stream_env(settings, data, topic)
    log = tmp_path / "stream.log"
    corpus = hostile_messages()
    corpus = [(name, raw) for name, raw in corpus if raw is None or len(raw) < 900_000]

    # Before the outage: generated traffic and half the hostile corpus.
    first = tmp_path / "first.json"
    run_cli(env, "generate", "--topic", topic, "--events", "3000", "--bad-ratio", "0.02",
            "--dup-ratio", "0.02", "--manifest", str(first), "--quiet")  # fmt: skip
    half = len(corpus) // 2
    produce_raw(bootstrap, topic, corpus[:half])  # (the broker's limit is 1 MB a record)
    # Idle for 20 s before stopping: after the outage the job catches up while the second
    # `ecomlake generate` is still starting (on a loaded machine 5 s of idling came first).
    job = start_job(env, topic, "--stop-after-idle", "20", log=log)
    try:
        wait_for_commit_after(data, None, job)
        record = own_broker.record()
        assert record is not None
        os.kill(record.pid, signal.SIGKILL)
        time.sleep(OUTAGE_S)
        assert job.poll() is None, "the job died with the broker:\n" + log.read_text()[-4000:]
        own_broker.start()
        # After the outage: the rest of the corpus and more generated traffic.
        produce_raw(bootstrap, topic, corpus[half:])
        second = tmp_path / "second.json"
        options = ["--events", "3000", "--bad-ratio", "0.02", "--dup-ratio", "0.02", "--seed", "9"]
        run_cli(env, "generate", "--topic", topic, *options, "--manifest", str(second), "--quiet")
        assert job.wait(timeout=600) == 0, log.read_text()[-6000:]
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
    text = log.read_text()
    assert "Kafka unreachable" in text and "reachable again" in text  # the outage is visible

    manifests = [orjson.loads(p.read_bytes()) for p in (first, second)]
    now = datetime.now(UTC)
    judged = [validate_message(raw, now=now) for _, raw in corpus]
    expected = {
        # Variants of one example share its event_id: the dedup keeps the first.
        "valid": len({event["event_id"] for event, _ in judged if event is not None}),
        "rejected": sum(1 for event, _ in judged if event is None),
    }
    found = counts(data)
    assert found["events"] == found["distinct_ids"]
    assert found["events"] == sum(m["valid_events"] for m in manifests) + expected["valid"]
    assert found["rejected"] == found["with_reason"]
    assert found["rejected"] == sum(m["invalid_events"] for m in manifests) + expected["rejected"]

    # Each hostile refusal: the reference's reason, and the exact bytes back for replay.
    reasons = {
        raw: why.reason
        for _, raw in corpus
        if raw is not None and (why := validate_message(raw, now=now)[1]) is not None
    }
    rows = query(data, "SELECT payload, payload_bytes, reason FROM raw.events_rejected")
    by_bytes = {bytes(r["payload_bytes"]): r for r in rows if r["payload_bytes"] is not None}
    for raw, reason in reasons.items():
        assert raw in by_bytes, f"lost: {raw[:120]!r}"
        assert by_bytes[raw]["reason"] == reason
        assert by_bytes[raw]["payload"] == raw.decode("utf-8", errors="replace")
    tombstones = [r for r in rows if r["payload_bytes"] is None]
    assert len(tombstones) == sum(1 for _, raw in corpus if raw is None)
    assert {r["reason"] for r in tombstones} == {"null_value"}

    dead_letters = read_topic(bootstrap, f"{topic}.dlq")
    assert len(dead_letters) == found["rejected"]  # read_committed: exactly once
