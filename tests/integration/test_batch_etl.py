"""The Spark ETL on real Spark + Delta + Iceberg, over data from the real stream job.

One story, in order (each step builds on the lake the previous one left):
1. stream a generated day into raw.events, run `ecomlake etl`: curated.orders per day equals
   the manifest's orders and gross revenue to the cent, refunds too, DAU exactly;
2. a second run changes nothing (no new Delta version);
3. late events (dated the day before) arrive: the next incremental run merges them into the
   earlier partitions, and the tables equal a full refresh;
4. a crash injected mid-run, then a rerun: the tables equal a full refresh;
5. rollback (Delta and Iceberg) restores the exact earlier row counts, refuses unknown targets;
6. maintain reduces the file count and changes no query result.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ecomlake.config import Settings
from ecomlake.services.kafka import KafkaService
from tests.integration.conftest import END, produce
from tests.integration.stream_helpers import merged_days, query, run_cli, stream_env

CURATED = ["events", "sessions", "orders", "order_items", "customers", "currency_rates"]


def stream_until_idle(env: dict[str, str], topic: str) -> None:
    run_cli(env, "stream", "--topic", topic, "--stop-after-idle", "3")


def etl(env: dict[str, str], *args: str) -> str:
    return run_cli(env, "etl", *args)


def fingerprints(data: Path) -> dict[str, tuple[int, str]]:
    """Per curated table: rows and a digest of every row's content (order-independent)."""
    out = {}
    for table in CURATED:
        [row] = query(
            data,
            f"SELECT count(*) AS n, md5(string_agg(r, '|' ORDER BY r)) AS digest "
            f"FROM (SELECT CAST(t AS VARCHAR) AS r FROM curated.{table} t)",
        )
        out[table] = (row["n"], row["digest"])
    return out


def delta_versions(data: Path) -> dict[str, int]:
    root = data / "lake" / "curated"
    return {t: len(list((root / t / "_delta_log").glob("*.json"))) for t in CURATED}


def check_orders(data: Path, *manifests: dict[str, Any]) -> None:
    expected = merged_days(*manifests)
    orders = query(
        data,
        "SELECT CAST(order_date AS VARCHAR) AS day, count(*) AS orders, "
        "sum(order_total_base) AS gross FROM curated.orders GROUP BY 1",
    )
    refunds = query(
        data,
        "SELECT CAST(event_date AS VARCHAR) AS day, sum(value_base) AS refunds "
        "FROM curated.events WHERE event_type = 'refund' GROUP BY 1",
    )
    got_orders = {r["day"]: (r["orders"], r["gross"]) for r in orders}
    assert got_orders == {d: (v["orders"], v["gross"]) for d, v in expected.items() if v["orders"]}
    got_refunds = {r["day"]: r["refunds"] for r in refunds}
    assert got_refunds == {d: v["refunds"] for d, v in expected.items() if v["refunds"]}


@pytest.mark.timeout(1800)  # nine Spark runs and three stream runs, one after the other
def test_etl_reconciles_merges_recovers_rolls_back_and_maintains(
    kafka: KafkaService, kafka_settings: Settings, tmp_path: Path
) -> None:
    topic = "it.batch"
    first = produce(kafka_settings, topic, events=20_000, days=2.0, workers=2).manifest
    data = tmp_path / "data"
    env = stream_env(kafka_settings, data, topic)
    stream_until_idle(env, topic)

    # 1. A full first run, reconciled with the generator's ground truth.
    out = etl(env)
    assert "full run" in out
    check_orders(data, first)
    dau = query(
        data,
        "SELECT CAST(event_date AS VARCHAR) AS day, count(DISTINCT person_id) AS n "
        "FROM curated.events WHERE NOT is_bot GROUP BY 1",
    )
    assert {r["day"]: r["n"] for r in dau} == {
        d: v["active_users"] for d, v in first["by_day"].items()
    }
    [events] = query(
        data, "SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM curated.events"
    )
    assert events == {"n": first["valid_events"], "d": first["valid_events"]}
    [leak] = query(data, "SELECT count(*) AS n FROM curated.events WHERE ip_prefix NOT LIKE '%.0'")
    assert leak["n"] == 0

    # 2. Nothing new: nothing changes.
    versions = delta_versions(data)
    assert "already include" in etl(env)
    assert delta_versions(data) == versions
    v0_orders = query(data, "SELECT count(*) AS n FROM curated.orders")[0]["n"]

    # 3. Late events: a day earlier than everything so far, through the stream.
    late = produce(
        kafka_settings, topic, events=4_000, days=1.0, end=END - timedelta(days=2), seed=7,
        workers=1,
    ).manifest  # fmt: skip
    stream_until_idle(env, topic)
    assert "incremental run" in etl(env)
    check_orders(data, first, late)
    late_days = set(late["by_day"])
    partitions = {p.name for p in (data / "lake" / "curated" / "orders").glob("order_date=*")}
    assert {f"order_date={d}" for d in late_days if late["by_day"][d]["orders"]} <= partitions
    incremental = fingerprints(data)
    etl(env, "--full-refresh")
    assert fingerprints(data) == incremental

    # 4. A crash after the sessions MERGE, then a rerun.
    more = produce(kafka_settings, topic, events=3_000, days=1.0, seed=11, workers=1).manifest
    stream_until_idle(env, topic)
    crashed = subprocess.run(
        [sys.executable, "-m", "ecomlake", "etl"],
        env=dict(env, ECOMLAKE_ETL_CRASH_AFTER="sessions"),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert crashed.returncode != 0 and "etl failed" in crashed.stderr
    assert "incremental run" in etl(env)
    check_orders(data, first, late, more)
    recovered = fingerprints(data)
    etl(env, "--full-refresh")
    assert fingerprints(data) == recovered

    # 5. Rollback: Delta to its first version, Iceberg to its first snapshot.
    run_cli(env, "lake", "rollback", "curated.orders", "--to", "0", "--yes")
    assert query(data, "SELECT count(*) AS n FROM curated.orders")[0]["n"] == v0_orders
    snapshots = _iceberg_snapshots(data)
    first_snapshot, rows_then = snapshots[0]
    run_cli(env, "lake", "rollback", "raw.events", "--to", str(first_snapshot), "--yes")
    assert query(data, "SELECT count(*) AS n FROM raw.events")[0]["n"] == rows_then
    refused = subprocess.run(
        [sys.executable, "-m", "ecomlake", "lake", "rollback", "curated.orders", "--to", "999",
         "--yes"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert refused.returncode == 1
    assert refused.stderr.strip() == "error: curated.orders has no version 999"
    # Roll both forward again (a rollback is itself undoable) for the maintenance check.
    run_cli(env, "lake", "rollback", "raw.events", "--to", str(snapshots[-1][0]), "--yes")
    etl(env, "--full-refresh")

    # 6. Maintenance: fewer files, same answers.
    before_files = _files(data)
    before = fingerprints(data)
    raw_before = query(data, "SELECT count(*) AS n, sum(total) AS t FROM raw.events")
    run_cli(env, "lake", "maintain")
    after_files = _files(data)
    assert after_files["raw.events"] < before_files["raw.events"]
    assert sum(after_files.values()) < sum(before_files.values())
    assert fingerprints(data) == before
    assert query(data, "SELECT count(*) AS n, sum(total) AS t FROM raw.events") == raw_before


def _iceberg_snapshots(data: Path) -> list[tuple[int, int]]:
    from ecomlake.config import load_settings
    from ecomlake.lake.tables import Lake

    table = Lake(load_settings(data_dir=data)).table("raw.events")
    return [(v.id, v.rows or 0) for v in table.history()]


def _files(data: Path) -> dict[str, int]:
    from ecomlake.config import load_settings
    from ecomlake.lake.tables import Lake

    lake = Lake(load_settings(data_dir=data))
    return {name: lake.table(name).files() for name in lake.names()}
