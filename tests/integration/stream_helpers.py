"""Running the real stream job from tests, and reading what it wrote."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from ecomlake.config import Settings, load_settings, runtime_python
from ecomlake.core.topics import ensure_topics
from ecomlake.lake.query import query_rows

FLINK_PYTHON = runtime_python("flink")

COUNTS = """
SELECT (SELECT count(*) FROM raw.events) AS events,
       (SELECT count(DISTINCT event_id) FROM raw.events) AS distinct_ids,
       (SELECT count(country_code) FROM raw.events) AS with_country,
       (SELECT count(*) FROM raw.events WHERE is_bot) AS bots,
       (SELECT count(*) FROM raw.events_rejected) AS rejected,
       (SELECT count(reason) FROM raw.events_rejected) AS with_reason
"""


def stream_env(kafka_settings: Settings, data: Path, topic: str) -> dict[str, str]:
    """Environment for a job on the fixture's broker, with its own data folder and topics."""
    dlq, live = f"{topic}.dlq", f"{topic}.live"
    ensure_topics(kafka_settings.kafka.bootstrap_servers, {topic: 6, dlq: 6, live: 6})
    return dict(
        os.environ,
        ECOMLAKE_DATA_DIR=str(data),
        ECOMLAKE_KAFKA__PORT=str(kafka_settings.kafka.port),
        ECOMLAKE_KAFKA__DLQ_TOPIC=dlq,
        ECOMLAKE_KAFKA__METRICS_TOPIC=live,
        ECOMLAKE_STREAM__GROUP_ID=f"it-{topic}",
    )


def start_job(env: dict[str, str], topic: str, *args: str, log: Path) -> subprocess.Popen[bytes]:
    """The job in its own process group, so a test can kill -9 all of it."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(FLINK_PYTHON), "-m", "ecomlake.stream.job", "--topic", topic, *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start_live_generator(
    env: dict[str, str], topic: str, manifest: Path, *extra: str
) -> subprocess.Popen[bytes]:
    """Real-time events at 1,500/s (2% malformed, 1% re-sends) until Ctrl-C; the manifest then
    counts exactly what was sent."""
    return subprocess.Popen(
        [sys.executable, "-m", "ecomlake", "generate", "--live", "--rate", "1500",
         "--duration", "600", "--topic", topic, "--bad-ratio", "0.02", "--dup-ratio", "0.01",
         "--manifest", str(manifest), "--quiet", *extra],
        env=env,
    )  # fmt: skip


def run_cli(env: dict[str, str], *args: str, timeout: float = 900) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ecomlake", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result.stdout


def query(data: Path, sql: str) -> list[dict[str, Any]]:
    """SQL as `ecomlake query` runs it: lake tables and the warehouse's marts."""
    return query_rows(load_settings(data_dir=data), sql)


def counts(data: Path) -> dict[str, Any]:
    return query(data, COUNTS)[0]


def expected_counts(manifest: dict[str, Any]) -> dict[str, Any]:
    """What `counts` must find for a manifest: every valid event once, every malformed one
    rejected with a reason, all with a country, crawlers flagged."""
    return {
        "events": manifest["valid_events"],
        "distinct_ids": manifest["valid_events"],
        "with_country": manifest["valid_events"],
        "bots": manifest["bot_events"],
        "rejected": manifest["invalid_events"],
        "with_reason": manifest["invalid_events"],
    }


def merged_days(*manifests: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per day, summed over several generator runs: orders, gross revenue, refunds."""
    days: dict[str, Counter[str]] = {}
    money: dict[str, dict[str, Decimal]] = {}
    for manifest in manifests:
        for day, v in manifest["by_day"].items():
            days.setdefault(day, Counter())["orders"] += v["orders"]
            m = money.setdefault(day, {"gross": Decimal(0), "refunds": Decimal(0)})
            m["gross"] += Decimal(v["gross_revenue"])
            m["refunds"] += Decimal(v["refunds"])
    return {d: {"orders": days[d]["orders"], **money[d]} for d in days}
