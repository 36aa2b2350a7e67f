"""`ecomlake transform`: `dbt build` of the analytics models (transform/) on a target."""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from ecomlake.cli.app import app, console, settings
from ecomlake.cli.jobs import last_error, run_job
from ecomlake.errors import EcomlakeError


class Target(StrEnum):
    duckdb = "duckdb"
    spark = "spark"
    snowflake_dialect = "snowflake-dialect"
    snowflake = "snowflake"
    databricks = "databricks"


class Command(StrEnum):
    build = "build"
    run = "run"
    test = "test"
    docs = "docs"
    freshness = "freshness"


@app.command()
def transform(
    target: Annotated[
        Target,
        typer.Option(
            help="duckdb (embedded warehouse, default), spark (Spark SQL over the Delta "
            "tables), snowflake-dialect (fakesnow: checks the SQL, is not Snowflake); "
            "snowflake / databricks use a real account (SNOWFLAKE_* / DATABRICKS_* variables).",
        ),
    ] = Target.duckdb,
    select: Annotated[
        list[str] | None,
        typer.Option("--select", "-s", help="dbt node selection, e.g. fct_daily_revenue+."),
    ] = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild incremental models from scratch.")
    ] = False,
    dbt_vars: Annotated[
        str | None,
        typer.Option("--vars", help="dbt variables as YAML, e.g. '{lookback_days: 10}'."),
    ] = None,
    command: Annotated[
        Command,
        typer.Option(
            help="build (models + tests), run, test, docs (dbt docs generate) or freshness "
            "(dbt source freshness of the curated tables)."
        ),
    ] = Command.build,
) -> None:
    """Curated Delta tables -> staging -> intermediate -> marts with dbt, tests included.

    Daily facts are incremental with a lookback window; the marts land in the warehouse as
    `marts.<model>` (on DuckDB: `ecomlake query "select * from marts.fct_daily_revenue"`).
    """
    cfg = settings()
    args = [command.value, "--target", target.value]
    if select:
        args += ["--select", *select]
    if full_refresh:
        args.append("--full-refresh")
    if dbt_vars:
        args += ["--vars", dbt_vars]
    code, report, log_path = run_job(cfg, "dbt", "ecomlake.transform.runner", args,
                                     f"dbt {command.value}")  # fmt: skip
    if not report:
        raise EcomlakeError(f"dbt {command.value} failed (exit {code}): {last_error(log_path)}")
    print_summary(report)
    if not report["success"]:
        raise EcomlakeError(f"dbt {command.value} on {target.value} failed (log: {log_path})")
    if command is Command.docs:
        docs = cfg.data_dir / "dbt" / target.value / "target" / "index.html"
        console.print(f"docs: {docs} (serve that folder, or `dbt docs serve`)")


def print_summary(report: dict[str, Any]) -> None:
    """One row per node type with counts per status and time; then each failure."""
    per_type: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for node in report.get("nodes", []):
        row = per_type[node["type"]]
        row[node["status"]] += 1
        row["seconds"] += node["seconds"]
    statuses = sorted({n["status"] for n in report.get("nodes", [])})
    if not statuses:
        return
    table = Table("dbt " + report.get("target", ""), *statuses, "seconds")
    for kind, row in sorted(per_type.items()):
        table.add_row(kind, *(str(row.get(s, 0)) for s in statuses), f"{row['seconds']:.1f}")
    console.print(table)
    for node in report.get("nodes", []):
        if node["status"] in ("fail", "error", "runtime error", "warn"):
            message = " ".join(node["message"].split())[:300]
            mark = "[yellow]![/]" if node["status"] == "warn" else "[red]✗[/]"
            console.print(f"{mark} {node['type']} {node['name']}: {node['status']}: {message}")
    if report.get("success"):
        counts = report.get("counts", {})
        console.print(f"[green]✓[/] dbt on {report.get('target')}: "
                      + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))  # fmt: skip
