"""`ecomlake demo`: the end-to-end main job as far as the platform goes today.

Kafka -> generated shopper events -> the Flink stream job until idle -> the Spark ETL into the
curated Delta tables -> dbt marts in the DuckDB warehouse -> counts per layer, revenue and
active users per day, reconciled with the generator's ground truth; the funnel and the live
metrics, all read with `ecomlake query`.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.table import Table

from ecomlake.cli.app import app, console, settings
from ecomlake.cli.etl import etl
from ecomlake.cli.generate import _run_with_progress, print_summary
from ecomlake.cli.stream import stream
from ecomlake.cli.transform import Command, transform
from ecomlake.cli.transform import Target as DbtTarget
from ecomlake.config import Settings
from ecomlake.errors import EcomlakeError
from ecomlake.generator.options import GeneratorOptions
from ecomlake.generator.run import Target, write_manifest
from ecomlake.services.kafka import KafkaService
from ecomlake.services.registry import all_services
from ecomlake.stream.control import stop_stream_job

LAYERS_SQL = """
SELECT (SELECT count(*) FROM raw.events) AS lake_events,
       (SELECT count(DISTINCT event_id) FROM raw.events) AS distinct_ids,
       (SELECT count(*) FROM raw.events_rejected) AS rejected,
       (SELECT count(*) FROM raw.events WHERE is_bot) AS bot_events
"""
REASONS_SQL = (
    "SELECT split_part(reason, ':', 1) AS reason, count(*) AS messages "
    "FROM raw.events_rejected GROUP BY 1 ORDER BY 2 DESC"
)
CURATED_SQL = """
SELECT (SELECT count(*) FROM curated.events) AS curated_events,
       (SELECT count(*) FROM curated.sessions) AS sessions,
       (SELECT count(*) FROM curated.customers) AS customers
"""
ORDERS_SQL = (
    "SELECT CAST(order_date AS VARCHAR) AS day, count(*) AS orders, "
    "sum(order_total_base) AS gross_usd FROM curated.orders GROUP BY 1 ORDER BY 1"
)
REVENUE_SQL = (
    "SELECT CAST(order_date AS VARCHAR) AS day, orders, gross_revenue, refunds, net_revenue, "
    "aov FROM marts.fct_daily_revenue ORDER BY 1"
)
USERS_SQL = (
    "SELECT CAST(activity_date AS VARCHAR) AS day, dau, wau, mau "
    "FROM marts.fct_daily_active_users ORDER BY 1"
)
FUNNEL_SQL = (
    "SELECT CAST(session_date AS VARCHAR) AS day, sessions, product_view_sessions AS viewed, "
    "cart_sessions AS carted, checkout_sessions AS checkout, purchase_sessions AS purchased, "
    "session_conversion_rate AS conversion FROM marts.fct_funnel_daily ORDER BY 1"
)
LIVE_SQL = (
    "SELECT country_code, sum(events)::BIGINT AS events, sum(orders)::BIGINT AS orders, "
    "sum(revenue_usd) AS revenue_usd FROM live.metrics_minute "
    "GROUP BY 1 ORDER BY revenue_usd DESC LIMIT 5"
)


def _fresh_start(cfg: Settings) -> None:
    """Stop what runs and delete the data folder: every demo run starts from the same state."""
    stop_stream_job(cfg)
    for service in reversed(all_services(cfg)):
        service.stop()
    if cfg.data_dir.exists():
        shutil.rmtree(cfg.data_dir)
    console.print(f"[dim]fresh start: cleared {cfg.data_dir}[/]")


def _query(cfg: Settings, sql: str) -> list[dict[str, Any]]:
    from ecomlake.lake.query import run_query
    from ecomlake.lake.tables import Lake
    from ecomlake.transform.warehouse import warehouse_path

    rows: list[dict[str, Any]] = run_query(Lake(cfg), sql, None, warehouse_path(cfg)).to_pylist()
    return rows


def _cents(amount: object) -> int:
    return int(Decimal(str(amount)) * 100)


def _show(rows: list[dict[str, Any]], title: str) -> None:
    table = Table(*rows[0].keys(), title=title) if rows else Table(title=title)
    for row in rows:
        table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()))
    console.print(table)


@app.command()
def demo(
    events: Annotated[int, typer.Option("--events", "-n", help="Messages to produce.")] = 100_000,
    days: Annotated[float, typer.Option("--days", help="Backfill window in days.")] = 2.0,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Producer processes.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 42,
    fresh: Annotated[
        bool, typer.Option(help="Clear the data folder first (topics, lake, stream state).")
    ] = True,
) -> None:
    """Start Kafka, produce shopper events (with bad, duplicate, late and bot ones), stream
    them into the lake with Flink, and reconcile every layer with the generator's truth."""
    cfg = settings()
    if fresh:
        _fresh_start(cfg)
    console.rule("[bold]1. Kafka")
    with console.status("starting Kafka..."):
        console.print(f"[green]✓[/] {KafkaService(cfg).start()}")
    console.rule("[bold]2. Generate shopper events")
    options = GeneratorOptions(events=events, days=days, workers=workers, seed=seed)
    target = Target("kafka", bootstrap=cfg.kafka.bootstrap_servers, topic=cfg.kafka.events_topic)
    result = _run_with_progress(options, target, quiet=False, metrics=None)
    manifest_path = cfg.data_dir / "manifests" / "demo.json"
    write_manifest(result.manifest, manifest_path)
    print_summary(result, manifest_path)
    if result.delivery_errors:
        raise EcomlakeError(f"{result.delivery_errors} messages were not delivered")

    console.rule("[bold]3. Stream into the lake (Flink -> Iceberg)")
    stream(stop_after_idle=3.0)

    console.rule("[bold]4. Batch ETL into the curated layer (Spark -> Delta)")
    etl(full_refresh=False, master=None)

    console.rule("[bold]5. Analytics models (dbt on DuckDB)")
    transform(
        target=DbtTarget.duckdb,
        select=None,
        full_refresh=False,
        dbt_vars=None,
        command=Command.build,
    )

    console.rule("[bold]6. Counts per layer, reconciled")
    m = result.manifest
    [lake] = _query(cfg, LAYERS_SQL)
    [curated] = _query(cfg, CURATED_SQL)
    checks = [
        ("messages produced", m["total_events"], None),
        ("valid events (manifest) -> raw.events", m["valid_events"], lake["lake_events"]),
        ("distinct event_ids in raw.events", m["valid_events"], lake["distinct_ids"]),
        ("malformed (manifest) -> raw.events_rejected", m["invalid_events"], lake["rejected"]),
        (
            "re-sends dropped by dedup",
            m["duplicate_events"],
            m["total_events"] - m["invalid_events"] - lake["lake_events"],
        ),
        ("crawler events (flagged is_bot)", m["bot_events"], lake["bot_events"]),
        ("raw.events -> curated.events", lake["lake_events"], curated["curated_events"]),
    ]
    curated_days = {row["day"]: row for row in _query(cfg, ORDERS_SQL)}
    revenue = _query(cfg, REVENUE_SQL)
    mart_days = {row["day"]: row for row in revenue}
    users = _query(cfg, USERS_SQL)
    active = {row["day"]: row["dau"] for row in users}
    for day, truth in m["by_day"].items():
        row = curated_days.get(day, {"orders": 0, "gross_usd": 0})
        mart = mart_days.get(day, {"orders": 0, "gross_revenue": 0, "net_revenue": 0})
        net = Decimal(truth["gross_revenue"]) - Decimal(truth["refunds"])
        checks += [
            (f"orders {day} -> curated.orders", truth["orders"], row["orders"]),
            (f"gross cents {day} -> curated.orders", _cents(truth["gross_revenue"]),
             _cents(row["gross_usd"])),
            (f"orders {day} -> fct_daily_revenue", truth["orders"], mart["orders"]),
            (f"gross cents {day} -> fct_daily_revenue", _cents(truth["gross_revenue"]),
             _cents(mart["gross_revenue"])),
            (f"net cents {day} -> fct_daily_revenue", _cents(net), _cents(mart["net_revenue"])),
            (f"DAU {day} -> fct_daily_active_users", truth["active_users"],
             active.get(day, 0)),
        ]  # fmt: skip
    table = Table("layer", "expected", "found", "")
    for name, expected, found in checks:
        ok = found is None or found == expected
        table.add_row(
            name, f"{expected:,}", "" if found is None else f"{found:,}",
            "[green]✓[/]" if ok else "[red]✗[/]",
        )  # fmt: skip
    console.print(table)
    _show(revenue, "daily revenue, USD (marts.fct_daily_revenue)")
    _show(users, "active users (marts.fct_daily_active_users)")
    _show(_query(cfg, FUNNEL_SQL), "funnel: sessions reaching each step (marts.fct_funnel_daily)")
    _show([curated], "curated layer (Delta)")
    _show(_query(cfg, REASONS_SQL), "dead letters by reason (raw.events_rejected)")
    _show(_query(cfg, LIVE_SQL), "live 1-minute metrics, top countries (live.metrics_minute)")
    console.print(
        "[dim]live windows count the events that arrive before the watermark passes their "
        "minute; in a fast backfill some do not (the batch layer recomputes the truth)[/]"
    )
    if any(found is not None and found != expected for _, expected, found in checks):
        raise EcomlakeError("the lake does not reconcile with the generator's manifest")
    console.print(
        "\nnext: [bold]ecomlake lake tables[/]; [bold]ecomlake lake history curated.orders[/]; "
        '[bold]ecomlake query "SELECT * FROM marts.fct_product_performance LIMIT 10"[/]; '
        "[bold]ecomlake transform --target spark[/]; "
        '[bold]ecomlake query "SELECT event_type, count(*) FROM curated.events GROUP BY 1"[/]; '
        "more events with [bold]ecomlake generate[/] then [bold]ecomlake stream[/] "
        "(it resumes where it stopped); stop with [bold]ecomlake down[/]"
    )
