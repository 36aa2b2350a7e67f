"""Crash, restart and maintenance: the job is killed with SIGKILL (its whole process group)
twice while the generator keeps producing in real time; during the third run `ecomlake lake
maintain --retain-hours 0` compacts, expires snapshots and removes orphans between the job's
commits (every 2 s); then the job stops after idling. The lake still holds every valid event
exactly once, the DLQ topic every rejected message exactly once, the compaction committed
between the job's appends, and each closed minute of live.metrics_minute equals the same
aggregate recomputed from raw.events.

(One stream story: a crash-and-restart test and a maintain-during-the-stream test each started
the job and a live generator; together they start both once.)"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from ecomlake.config import Settings, load_settings
from ecomlake.core.money import to_usd
from ecomlake.lake.catalog import open_catalog
from ecomlake.lake.tables import Lake
from ecomlake.services.kafka import KafkaService
from tests.integration.kafka_read import read_topic
from tests.integration.stream_helpers import (
    counts,
    expected_counts,
    query,
    run_cli,
    start_job,
    start_live_generator,
    stream_env,
)

LATENESS = timedelta(seconds=5)  # the default allowed lateness (watermark delay)


def snapshot_id(data: Path) -> int | None:
    """raw.events' current Iceberg snapshot (None before the first commit)."""
    catalog = open_catalog(load_settings(data_dir=data))
    if not catalog.table_exists("raw.events"):
        return None
    snapshot = catalog.load_table("raw.events").current_snapshot()
    return None if snapshot is None else snapshot.snapshot_id


def wait_for_commit_after(data: Path, previous: int | None, job: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert job.poll() is None, "the stream job exited early"
        current = snapshot_id(data)
        if current is not None and current != previous:
            return current
        time.sleep(0.5)
    raise AssertionError("no Iceberg commit within 180 s")


def kill_group(job: subprocess.Popen[bytes]) -> None:
    os.killpg(job.pid, signal.SIGKILL)
    job.wait(timeout=30)


def live_truth(data: Path) -> dict[tuple[Any, str], dict[str, Any]]:
    """live.metrics_minute's columns recomputed from raw.events, per (minute, country)."""
    rows = query(
        data,
        "SELECT event_time, country_code, event_type, total, currency, session_id, user_id, "
        "anonymous_id, is_bot FROM raw.events",
    )
    cells: dict[tuple[Any, str], dict[str, Any]] = defaultdict(
        lambda: {"events": 0, "orders": 0, "revenue": Decimal(0), "sessions": set(), "users": set()}
    )
    for r in rows:
        cell = cells[
            (r["event_time"].replace(second=0, microsecond=0), r["country_code"] or "unknown")
        ]
        cell["events"] += 1
        if r["event_type"] == "purchase":
            cell["orders"] += 1
            cell["revenue"] += to_usd(r["total"], r["currency"])
        cell["sessions"].add(r["session_id"])
        if not r["is_bot"]:
            cell["users"].add(r["user_id"] or r["anonymous_id"])
    return {
        key: {
            "events": c["events"],
            "orders": c["orders"],
            "revenue_usd": c["revenue"],
            "active_sessions": len(c["sessions"]),
            "active_users": len(c["users"]),
        }
        for key, c in cells.items()
    }


@pytest.mark.timeout(1200)
def test_kill_9_twice_maintain_then_exact(
    kafka: KafkaService, kafka_settings: Settings, warm_spark: str, tmp_path: Path
) -> None:
    topic = "it.crash"
    data = tmp_path / "data"
    # Maintenance opens its Spark session on the shared warm Spark.
    env = stream_env(kafka_settings, data, topic) | {"ECOMLAKE_BATCH__CONNECT": warm_spark}
    log = tmp_path / "stream.log"
    manifest_path = tmp_path / "manifest.json"
    # Real-time events (one producer, no late sessions: every event reaches the live windows),
    # until Ctrl-C after the crashes; the manifest then counts exactly what was sent.
    generator = start_live_generator(env, topic, manifest_path, "--late-ratio", "0")
    try:
        commit = None
        for _ in range(2):
            job = start_job(env, topic, log=log)
            commit = wait_for_commit_after(data, commit, job)
            time.sleep(1.5)  # let it get mid-way into the next checkpoint
            kill_group(job)
        assert generator.poll() is None, "the crashes should happen while events still arrive"
        assert counts(data)["events"] > 0
        job = start_job(env, topic, "--stop-after-idle", "5", log=log)
        # The third run starts while events still arrive; the whole stream spans more than
        # 65 s, so at least one minute is closed behind the watermark.
        third_started = time.monotonic()
        for _ in range(3):  # a few small files to compact
            commit = wait_for_commit_after(data, commit, job)
        run_cli(env, "lake", "maintain", "--retain-hours", "0")
        assert job.poll() is None and generator.poll() is None, "maintain ran next to both"
        time.sleep(max(0.0, 40 - (time.monotonic() - third_started)))
        generator.send_signal(signal.SIGINT)
        assert generator.wait(timeout=120) == 130  # interrupted: flushed, manifest written
        assert job.wait(timeout=300) == 0, log.read_text()[-4000:]
    finally:
        for process in (generator,):
            if process.poll() is None:
                process.kill()

    manifest = orjson.loads(manifest_path.read_bytes())
    assert counts(data) == expected_counts(manifest)
    history = Lake(load_settings(data_dir=data)).table("raw.events").history()
    operations = [v.operation for v in history]
    assert "replace" in operations  # the compaction committed between the job's appends
    assert operations.index("replace") < len(operations) - 1, "the job kept committing after it"
    dead_letters = read_topic(f"127.0.0.1:{kafka_settings.kafka.port}", f"{topic}.dlq")
    assert len(dead_letters) == manifest["invalid_events"]  # read_committed: exactly once

    # Live aggregates: every minute fully behind the watermark, to the cent.
    last = query(data, "SELECT min(last) AS t FROM (SELECT max(event_time) AS last "
                 "FROM raw.events GROUP BY kafka_partition)")[0]["t"]  # fmt: skip
    watermark = last - LATENESS
    truth = {k: v for k, v in live_truth(data).items() if k[0] + timedelta(minutes=1) <= watermark}
    live = {
        (r["window_start"], r["country_code"]): {
            k: r[k] for k in ("events", "orders", "revenue_usd", "active_sessions", "active_users")
        }
        for r in query(data, "SELECT * FROM live.metrics_minute")
        if r["window_end"] <= watermark
    }
    assert len(truth) > 0
    assert live == truth
