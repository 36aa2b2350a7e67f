"""`ecomlake demo`: the end-to-end main job.

Kafka -> generated shopper events (bad, duplicate, late and bot ones included) -> the Flink
stream job until idle -> Airflow's ecommerce_daily for each day (Spark ETL into the curated
Delta tables, dbt marts in the DuckDB warehouse through Cosmos, quality checks between the
layers, the warehouse load, lake maintenance) -> a report, printed and written as HTML in the
data folder: counts per layer reconciled with the generator's ground truth, revenue, active
users, the funnel, top products and the freshness reached.
"""

from __future__ import annotations

import shutil
import time
from typing import Annotated, Any

import typer
from rich.table import Table

from ecomlake.cli.app import app, console, settings
from ecomlake.cli.generate import _run_with_progress, print_summary
from ecomlake.cli.orchestrate import run as orchestrate_run
from ecomlake.cli.report import html_report
from ecomlake.cli.stream import stream
from ecomlake.config import Settings
from ecomlake.core.storage import on_object_store, s3_filesystem
from ecomlake.core.stream_job import stop_stream_job
from ecomlake.errors import EcomlakeError
from ecomlake.generator.options import GeneratorOptions
from ecomlake.services.dashboard import DashboardService
from ecomlake.services.kafka import KafkaService
from ecomlake.services.registry import all_services
from ecomlake.services.s3 import S3Service

REASONS_SQL = (
    "SELECT split_part(reason, ':', 1) AS reason, count(*) AS messages "
    "FROM raw.events_rejected GROUP BY 1 ORDER BY 2 DESC"
)
FUNNEL_SQL = (
    "SELECT CAST(session_date AS VARCHAR) AS day, sessions, product_view_sessions AS viewed, "
    "cart_sessions AS carted, checkout_sessions AS checkout, purchase_sessions AS purchased, "
    "session_conversion_rate AS conversion FROM marts.fct_funnel_daily ORDER BY 1"
)
TOP_PRODUCTS_SQL = (
    "SELECT product_id, any_value(category) AS category, sum(views)::BIGINT AS views, "
    "sum(orders)::BIGINT AS orders, sum(units)::BIGINT AS units, sum(revenue_usd) AS revenue_usd "
    "FROM marts.fct_product_performance GROUP BY 1 ORDER BY revenue_usd DESC LIMIT 10"
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
    if on_object_store(cfg) and cfg.s3.endpoint is not None:
        # A store of its own: the lake's prefix goes with the catalog that named its files
        # (a local store's files were in the data folder).
        prefix = cfg.lake.warehouse_uri(cfg.data_dir).removeprefix("s3://").rstrip("/")
        s3_filesystem(cfg).delete_dir_contents(prefix, missing_dir_ok=True)
        console.print(f"[dim]fresh start: cleared s3://{prefix}[/]")


def _start_services(cfg: Settings) -> None:
    """Kafka, and the local S3 server when the lake is on S3 with no store of its own."""
    with console.status("starting Kafka..."):
        console.print(f"[green]✓[/] {KafkaService(cfg).start()}")
    if on_object_store(cfg) and cfg.s3.endpoint is None:
        with console.status("starting the local S3 server..."):
            console.print(f"[green]✓[/] {S3Service(cfg).start()}")


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _show(rows: list[dict[str, Any]], title: str) -> None:
    table = Table(*rows[0].keys(), title=title) if rows else Table(title=title)
    for row in rows:
        table.add_row(*(_text(v) for v in row.values()))
    console.print(table)


@app.command()
def demo(
    events: Annotated[int, typer.Option("--events", "-n", help="Messages to produce.")] = 200_000,
    days: Annotated[float, typer.Option("--days", help="Backfill window in days.")] = 2.0,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Producer processes.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 42,
    fresh: Annotated[
        bool, typer.Option(help="Clear the data folder first (topics, lake, stream state).")
    ] = True,
) -> None:
    """The main job: Kafka, generated shopper events (with bad, duplicate, late and bot ones),
    the Flink stream into the lake, Airflow's ecommerce_daily for each day, and a report
    reconciling every layer with the generator's truth (also written as HTML)."""
    started = time.monotonic()
    cfg = settings()
    if fresh:
        _fresh_start(cfg)
    console.rule("[bold]1. Kafka" + (" and the object store" if on_object_store(cfg) else ""))
    _start_services(cfg)
    console.rule("[bold]2. Generate shopper events")
    from ecomlake.generator.run import Target, write_manifest

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

    run_days = [d for d in sorted(result.manifest["by_day"]) if _in_window(d, options)]
    for number, day in enumerate(run_days, 1):
        console.rule(f"[bold]4.{number} Airflow: ecommerce_daily for {day}")
        orchestrate_run("ecommerce_daily", day)

    console.rule("[bold]5. Counts per layer, reconciled")
    from ecomlake.lake.query import query_rows  # pyiceberg: imported by the demo only, not at

    # every start of the CLI (`ecomlake generate` started seconds later under load)
    from ecomlake.orchestrate.quality import reconcile_manifest

    found = reconcile_manifest(cfg, result.manifest)
    reconciled = [
        {"layer": line.what, "expected": line.expected,
         "found": "" if line.found is None else line.found, "": "✓" if line.ok else "✗"}
        for line in found.lines
    ]  # fmt: skip
    sections = [
        ("counts per layer, reconciled with the generator's manifest", reconciled),
        ("daily revenue, USD (marts.fct_daily_revenue)", found.revenue),
        ("active users (marts.fct_daily_active_users)", found.users),
        (
            "funnel: sessions reaching each step (marts.fct_funnel_daily)",
            query_rows(cfg, FUNNEL_SQL),
        ),
        (
            "top products by revenue (marts.fct_product_performance)",
            query_rows(cfg, TOP_PRODUCTS_SQL),
        ),
        ("curated layer (Delta)", [found.curated]),
        ("dead letters by reason (raw.events_rejected)", query_rows(cfg, REASONS_SQL)),
        ("live 1-minute metrics, top countries (live.metrics_minute)", query_rows(cfg, LIVE_SQL)),
        ("freshness reached", [_freshness(cfg, time.monotonic() - started)]),
    ]
    for title, rows in sections:
        _show(rows, title)
    console.print(
        "[dim]live windows count the events that arrive before the watermark passes their "
        "minute; in a fast backfill some do not (the batch layer recomputes the truth)[/]"
    )
    console.rule("[bold]6. Dashboard")
    links = _start_dashboard(cfg)
    report_path = cfg.data_dir / "report.html"
    report_path.write_text(html_report("ecomlake demo report", sections, NEXT_STEPS, links))
    console.print(f"report: [bold]{report_path}[/]")
    if not found.ok:
        raise EcomlakeError("the lake does not reconcile with the generator's manifest")
    console.print("\nnext: " + "; ".join(f"[bold]{step}[/]" for step in NEXT_STEPS))


NEXT_STEPS = [
    "ecomlake lake tables",
    "ecomlake lake history curated.orders",
    'ecomlake query "SELECT * FROM marts.fct_product_performance LIMIT 10"',
    'ecomlake query "SELECT event_type, count(*) FROM curated.events GROUP BY 1"',
    "ecomlake up --with airflow  (Airflow UI on http://127.0.0.1:8080)",
    "ecomlake up --with prometheus  (alerts on http://127.0.0.1:9090/alerts)",
    "ecomlake up --with flink  (Flink UI on http://127.0.0.1:8081)",
    "ecomlake up --with spark  (a warm Spark for etl and maintenance, UI on http://127.0.0.1:8090)",
    "ecomlake transform --target spark",
    "ecomlake generate, then ecomlake stream (it resumes where it stopped)",
    "ecomlake down",
]


def _start_dashboard(cfg: Settings) -> list[tuple[str, str]]:
    """The dashboard over the demo's data, left running like Kafka (`ecomlake down` stops it).
    A busy port is not a failed demo: the report then says how to start it elsewhere."""
    base = f"http://{cfg.dashboard.host}:{cfg.dashboard.port}"
    try:
        with console.status("starting the dashboard..."):
            console.print(f"[green]✓[/] {DashboardService(cfg).start()}")
    except EcomlakeError as exc:
        console.print(f"[yellow]dashboard not started:[/] {exc}")
        console.print("start it with [bold]ecomlake serve --port <free port>[/]")
        return []
    console.print(f"live page: [bold]{base}/[/]  analytics: [bold]{base}/analytics[/]")
    return [("live dashboard", f"{base}/"), ("analytics", f"{base}/analytics"),
            ("API schema", f"{base}/openapi.json")]  # fmt: skip


def _in_window(day: str, options: GeneratorOptions) -> bool:
    start, end = options.window()
    return start.date().isoformat() <= day < end.date().isoformat()


def _freshness(cfg: Settings, elapsed_s: float) -> dict[str, Any]:
    from datetime import UTC, datetime

    from ecomlake.orchestrate.coverage import lake_coverage
    from ecomlake.orchestrate.lake_state import curated_is_current

    cover = lake_coverage(cfg, datetime.now(UTC))
    return {
        "raw.events snapshot": str(cover.snapshot_id),
        "committed (UTC)": f"{cover.committed_at:%Y-%m-%d %H:%M:%S}" if cover.committed_at else "-",
        "Kafka messages not in the lake": cover.behind,
        "curated absorbed it": curated_is_current(cfg)[0],
        "demo wall time": f"{elapsed_s / 60:.1f} min",
    }
