"""The batch side on data from the real stream job: the Spark ETL (raw Iceberg -> curated
Delta) and dbt (curated -> marts), one story on one lake, each step building on the last.

1. a generated two-day stream -> Kafka -> Flink -> raw.events; `ecomlake etl` (a full run):
   curated.orders per day equals the manifest's orders and gross revenue to the cent, refunds
   too, DAU exactly, no full IP address; `ecomlake transform`: fct_daily_revenue per day
   equals the manifest (orders, gross and net revenue to the cent), DAU exactly;
2. a second ETL run changes nothing (no new Delta version, decided without a Spark job); a
   full refresh on the warm Spark gives the lake the first (local, cold) run gave;
3. late events (dated the day before everything) arrive through the stream: the incremental
   ETL merges them into the earlier partitions and equals a full refresh; the incremental dbt
   run reconciles with both manifests (on a day two runs cover, DAU is bounded by them and
   equal to the curated layer's count: runs share user ids);
4. more events (on the last day so far and the next one), a crash injected after the sessions
   MERGE, a rerun: equal to a full refresh; dbt reconciles with all three manifests;
5. dbt: the incremental marts equal a `--full-refresh` row for row; the Spark target (dbt-spark
   over the Delta tables) and the Snowflake dialect (fakesnow) build the same marts;
   `ecomlake query` reads them; source freshness fails naming the stale sources; `dbt docs
   generate` catalogs every mart;
6. rollback (Delta and Iceberg) restores the exact earlier row counts, refuses unknown targets;
7. maintain reduces the file count and changes no query result.

One module, so the stream job, Spark and dbt start for the story once each step needs them,
never to rebuild a lake another test already built (this was test_batch_etl plus
test_transform: three stream runs and three ETL runs fewer).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from deltalake import DeltaTable

from ecomlake.config import Settings
from ecomlake.services.kafka import KafkaService
from tests.integration.conftest import END, produce
from tests.integration.stream_helpers import merged_days, query, run_cli, stream_env

CURATED = ["events", "sessions", "orders", "order_items", "customers", "currency_rates"]
MARTS = [
    "fct_orders", "fct_daily_revenue", "fct_revenue_by_segment", "fct_daily_active_users",
    "fct_funnel_daily", "fct_sessions", "dim_customers", "dim_products",
    "fct_product_performance", "fct_cohort_retention",
]  # fmt: skip


def stream_until_idle(env: dict[str, str], topic: str) -> None:
    run_cli(env, "stream", "--topic", topic, "--stop-after-idle", "3")


def etl(env: dict[str, str], *args: str) -> str:
    return run_cli(env, "etl", *args)


def job_log(data: Path) -> str:
    return (data / "logs" / "job.log").read_text()


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


def expected_days(*manifests: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per day, summed over the increments: orders, gross, refunds; and each run's active
    users (runs share user ids: a returning customer is the same person in two runs)."""
    days = merged_days(*manifests)
    for day in days:
        days[day]["active"] = [m["by_day"][day]["active_users"] for m in manifests
                               if day in m["by_day"]]  # fmt: skip
    return days


def check_reconciled(data: Path, *manifests: dict[str, Any]) -> None:
    expected = expected_days(*manifests)
    revenue = query(
        data,
        "SELECT CAST(order_date AS VARCHAR) AS day, orders, gross_revenue, refunds, "
        "net_revenue FROM marts.fct_daily_revenue",
    )
    assert {r["day"]: (r["orders"], r["gross_revenue"], r["net_revenue"]) for r in revenue} == {
        d: (v["orders"], v["gross"], v["gross"] - v["refunds"])
        for d, v in expected.items()
        if v["orders"] or v["refunds"]
    }
    dau = query(
        data, "SELECT CAST(activity_date AS VARCHAR) AS day, dau FROM marts.fct_daily_active_users"
    )
    got = {r["day"]: r["dau"] for r in dau}
    assert set(got) == set(expected)
    curated = query(
        data,
        "SELECT CAST(event_date AS VARCHAR) AS day, count(DISTINCT person_id) AS n "
        "FROM curated.events WHERE NOT is_bot GROUP BY 1",
    )
    for day, v in expected.items():
        if len(v["active"]) == 1:  # one run only: its manifest is the exact truth
            assert got[day] == v["active"][0], day
        else:  # people recur across runs: bounded by the runs, exact against curated
            assert max(v["active"]) <= got[day] <= sum(v["active"]), day
            assert got[day] == {r["day"]: r["n"] for r in curated}[day]
    # The data spans under 30 days: the last day's MAU is everyone human ever seen.
    [last] = query(
        data, "SELECT mau FROM marts.fct_daily_active_users ORDER BY activity_date DESC LIMIT 1"
    )
    [people] = query(
        data, "SELECT count(DISTINCT person_id) AS n FROM curated.events WHERE NOT is_bot"
    )
    assert last["mau"] == people["n"]


def normalized(rows: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """Rows as sorted tuples of strings, floats to 4 places and timestamps to the second, so
    engines that differ only in types compare equal."""

    def text(value: Any) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, float):
            return f"{value:.4f}"
        if isinstance(value, date | datetime):
            return value.isoformat()[:19]
        return str(value)

    return sorted(tuple(text(row[k]) for k in sorted(row)) for row in rows)


def duckdb_marts(data: Path) -> dict[str, list[tuple[str, ...]]]:
    return {m: normalized(query(data, f"SELECT * FROM marts.{m}")) for m in MARTS}


def spark_marts(data: Path) -> dict[str, list[tuple[str, ...]]]:
    root = data / "warehouse" / "spark" / "warehouse" / "marts.db"
    return {m: normalized(DeltaTable(str(root / m)).to_pyarrow_table().to_pylist()) for m in MARTS}


def fakesnow_marts(data: Path) -> dict[str, list[tuple[str, ...]]]:
    con = duckdb.connect(str(data / "warehouse" / "fakesnow" / "ECOMLAKE.db"), read_only=True)
    try:
        out = {}
        for m in MARTS:
            table = con.sql(f"SELECT * FROM marts.{m}").to_arrow_table()
            rows = [{k.lower(): v for k, v in row.items()} for row in table.to_pylist()]
            out[m] = normalized(rows)
        return out
    finally:
        con.close()


@pytest.mark.timeout(2700)  # three stream runs, nine Spark runs, dbt on three targets
def test_etl_and_marts_reconcile_merge_recover_roll_back_and_maintain(
    kafka: KafkaService, kafka_settings: Settings, warm_spark: str, tmp_path: Path
) -> None:
    topic = "it.batch"
    first = produce(kafka_settings, topic, events=20_000, days=2.0, workers=2).manifest
    data = tmp_path / "data"
    # The first run starts its own local application (a cold start); every later Spark job
    # runs on the warm Spark (one Connect server for the story): both give the same lake.
    env = stream_env(kafka_settings, data, topic) | {"ECOMLAKE_BATCH__CONNECT": warm_spark}
    cold = env | {"ECOMLAKE_BATCH__WARM": "false"}
    stream_until_idle(env, topic)
    # The stream wrote through its own local file system (no forked chmod per file):
    # Hadoop's default one leaves a .crc file beside each file it writes.
    assert not list((data / "lake").rglob("*.crc"))

    # 1. A full first run, reconciled with the generator's ground truth; then dbt on it.
    out = etl(cold)
    assert "full run" in out
    assert "starting a local[*] application" in job_log(data)
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
    out = run_cli(env, "transform")
    assert "dbt on duckdb" in out and "fail" not in out
    check_reconciled(data, first)

    # 2. Nothing new: nothing changes.
    versions, full_run_log = delta_versions(data), job_log(data)
    assert "already include" in etl(env)
    assert delta_versions(data) == versions
    assert job_log(data) == full_run_log  # decided from the tables' metadata: no Spark job
    local_lake = fingerprints(data)
    etl(env, "--full-refresh")  # on the warm Spark: the same lake as the local run
    assert f"a session on the warm server at {warm_spark}" in job_log(data)
    assert fingerprints(data) == local_lake
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
    run_cli(env, "transform")
    check_reconciled(data, first, late)

    # 4. A crash after the sessions MERGE, then a rerun.
    # Two days: the last day already in the lake, and the next day (a partition beyond all).
    more = produce(kafka_settings, topic, events=3_000, days=2.0, end=END + timedelta(days=1),
                   seed=11, workers=1).manifest  # fmt: skip
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
    run_cli(env, "transform")
    check_reconciled(data, first, late, more)

    # 5. dbt: incremental = full rebuild, on every target; the marts through the CLI.
    check_marts(env, data, first, late, more)

    # 6. Rollback: Delta to its first version, Iceberg to its first snapshot.
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

    # 7. Maintenance: fewer files, same answers.
    before_files = _files(data)
    before = fingerprints(data)
    raw_before = query(data, "SELECT count(*) AS n, sum(total) AS t FROM raw.events")
    run_cli(env, "lake", "maintain")
    after_files = _files(data)
    assert after_files["raw.events"] < before_files["raw.events"]
    assert sum(after_files.values()) < sum(before_files.values())
    assert fingerprints(data) == before
    assert query(data, "SELECT count(*) AS n, sum(total) AS t FROM raw.events") == raw_before


def check_marts(env: dict[str, str], data: Path, *manifests: dict[str, Any]) -> None:
    # The incremental marts equal a full rebuild.
    incremental = duckdb_marts(data)
    assert all(incremental[m] for m in MARTS), "every mart has rows"
    run_cli(env, "transform", "--full-refresh")
    assert duckdb_marts(data) == incremental

    # Spark (session method over the Delta tables): the same marts, tests passing.
    out = run_cli(env, "transform", "--target", "spark", timeout=1500)
    assert "dbt on spark" in out
    assert spark_marts(data) == incremental

    # The Snowflake dialect through fakesnow: the same marts.
    out = run_cli(env, "transform", "--target", "snowflake-dialect")
    assert "dbt on snowflake-dialect" in out
    assert fakesnow_marts(data) == incremental

    # `ecomlake query` joins marts with the lake.
    out = run_cli(env, "query", "SELECT sum(orders) AS n FROM marts.fct_daily_revenue",
                  "--format", "json")  # fmt: skip
    orders = sum(v["orders"] for m in manifests for v in m["by_day"].values())
    assert int(json.loads(out)[0]["n"]) == orders

    # Source freshness: events were ingested minutes ago; the shop's own timestamps are
    # from the generator's window, weeks back, so those sources are past their error limit.
    code, out = freshness(env)
    assert code == 1
    assert "source orders: error" in out and "source sessions: error" in out
    assert "source events" not in out  # it passed, so it is not listed

    # The docs site: every mart in the catalog, with its columns from the warehouse.
    run_cli(env, "transform", "--command", "docs")
    catalog = json.loads((data / "dbt" / "duckdb" / "target" / "catalog.json").read_text())
    documented = {key.rsplit(".", 1)[-1]: node for key, node in catalog["nodes"].items()}
    assert set(MARTS) <= set(documented)
    assert "net_revenue" in documented["fct_daily_revenue"]["columns"]


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


def freshness(env: dict[str, str]) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, "-m", "ecomlake", "transform", "--command", "freshness"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr
