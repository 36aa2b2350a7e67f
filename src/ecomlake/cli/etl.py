"""`ecomlake etl` and `ecomlake lake maintain`: the Spark jobs (in the spark environment),
with a progress bar fed by the job's step lines and its log in the data folder."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from ecomlake.cli.app import app, console, settings
from ecomlake.cli.jobs import last_error, run_job
from ecomlake.cli.lake import lake_app
from ecomlake.config import Settings
from ecomlake.errors import EcomlakeError


def run_spark_job(cfg: Settings, module: str, args: list[str], what: str) -> dict[str, Any]:
    """Run `python -m module args` in the spark environment; return its REPORT."""
    code, report, log_path = run_job(cfg, "spark", module, args, what)
    if code != 0:
        raise EcomlakeError(f"{what} failed (exit {code}): {last_error(log_path)}")
    return report


@app.command()
def etl(
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild the curated tables from scratch.")
    ] = False,
    master: Annotated[
        str | None, typer.Option(help="Spark master, e.g. spark://host:7077 (default: local[*]).")
    ] = None,
) -> None:
    """raw.events (Iceberg) -> curated Delta tables: events, sessions, orders, order_items,
    customers, currency_rates.

    Incremental by default: only the raw snapshots committed since the last run are read; a
    run with nothing new changes nothing.
    """
    cfg = settings()
    if not full_refresh:
        from ecomlake.orchestrate.lake_state import curated_is_current

        # Decided from the Iceberg and Delta metadata, without starting a JVM.
        current, why = curated_is_current(cfg)
        if current:
            console.print(f"curated tables already include raw.events' newest data ({why})")
            return
    args = ["--full-refresh"] * full_refresh + (["--master", master] if master else [])
    report = run_spark_job(cfg, "ecomlake.batch.job", args, "etl")
    print_etl_report(report)


def print_etl_report(report: dict[str, Any]) -> None:
    mode = report.get("mode", "?")
    if mode == "empty":
        console.print("raw.events has no snapshot yet: nothing to do")
        return
    if mode == "up-to-date":
        console.print(f"curated tables already include raw snapshot {report['snapshot']}")
    else:
        console.print(
            f"[green]✓[/] {mode} run: {report['new_rows']:,} raw rows read, "
            f"up to snapshot {report['snapshot']}"
        )
    table = Table("curated table", "rows")
    for name, rows in report.get("rows", {}).items():
        table.add_row(f"curated.{name}", f"{rows:,}")
    console.print(table)


@lake_app.command("maintain")
def maintain(
    retain_hours: Annotated[
        float | None,
        typer.Option(min=0, help="Expire snapshots / vacuum files older than this (hours)."),
    ] = None,
) -> None:
    """Compact small files (Iceberg rewrite_data_files, Delta OPTIMIZE), expire old snapshots,
    remove orphan files and VACUUM Delta. Safe while the stream job writes: a commit that
    conflicts is retried."""
    cfg = settings()
    args = ["--retain-hours", str(retain_hours)] if retain_hours is not None else []
    report = run_spark_job(cfg, "ecomlake.batch.maintain", args, "maintain")
    table = Table("table", "files before", "files after", "snapshots expired", "note")
    for row in report.get("tables", []):
        table.add_row(
            row["table"],
            str(row["files_before"]),
            str(row["files_after"]),
            str(row.get("expired", "-")),
            row.get("note", ""),
        )
    console.print(table)
    if report.get("failed"):
        sys.exit(1)
