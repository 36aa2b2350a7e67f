"""`ecomlake query` and `ecomlake lake ...`: reading the Iceberg lake."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from ecomlake.cli.app import app, console, settings

lake_app = typer.Typer(help="Inspect the lake's tables.", no_args_is_help=True)
app.add_typer(lake_app, name="lake")


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # money stays exact
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="DuckDB SQL; lake tables are namespace.table.")],
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table, csv or json.")
    ] = OutputFormat.table,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="SNAPSHOT|VERSION|TIMESTAMP",
            help="Time travel: read each named table as of an Iceberg snapshot id, a Delta "
            "version or an ISO timestamp (UTC).",
        ),
    ] = None,
) -> None:
    """Run SQL over the lake and the warehouse in DuckDB: Iceberg (raw.*, live.*) and Delta
    (curated.*) tables, and the dbt marts (marts.*) built by `ecomlake transform`."""
    from ecomlake.lake.query import run_query
    from ecomlake.lake.tables import Lake, parse_target
    from ecomlake.lake.warehouse import warehouse_path

    cfg = settings()
    target = parse_target(as_of) if as_of is not None else None
    result = run_query(Lake(cfg), sql, target, warehouse_path(cfg))
    rows = [{k: _plain(v) for k, v in row.items()} for row in result.to_pylist()]
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(rows) + "\n")
    elif output is OutputFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(result.column_names)
        writer.writerows([row[c] for c in result.column_names] for row in rows)
    else:
        table = Table(*result.column_names)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row.values()))
        console.print(table)


@lake_app.command("tables")
def tables() -> None:
    """Each lake table with its format, rows, snapshots/versions, data files, last commit."""
    from ecomlake.lake.query import describe_tables
    from ecomlake.lake.tables import Lake

    infos = describe_tables(Lake(settings()))
    if not infos:
        console.print("the lake has no tables yet: the stream job creates them")
        return
    table = Table("table", "format", "rows", "versions", "files", "last commit (UTC)")
    for info in infos:
        last = info.last_commit.strftime("%Y-%m-%d %H:%M:%S") if info.last_commit else "-"
        table.add_row(
            info.name, info.kind, f"{info.rows:,}", str(info.versions), str(info.files), last
        )
    console.print(table)


@lake_app.command("history")
def history(
    name: Annotated[str, typer.Argument(metavar="TABLE", help="e.g. raw.events, curated.orders")],
    limit: Annotated[int, typer.Option(min=1, help="Newest commits to show.")] = 20,
) -> None:
    """Snapshots (Iceberg) or versions (Delta): time, operation, rows after the commit."""
    from ecomlake.lake.tables import Lake

    table = Lake(settings()).table(name)
    versions = table.history(limit)
    label = "snapshot" if table.kind == "iceberg" else "version"
    out = Table(label, "committed (UTC)", "operation", "rows", "change", "")
    for v in versions:
        out.add_row(
            str(v.id),
            v.committed_at.strftime("%Y-%m-%d %H:%M:%S"),
            v.operation,
            "-" if v.rows is None else f"{v.rows:,}",
            v.change,
            "current" if v.current else "",
        )
    console.print(out)


@lake_app.command("rollback")
def rollback(
    name: Annotated[str, typer.Argument(metavar="TABLE", help="e.g. raw.events, curated.orders")],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="SNAPSHOT|VERSION|TIMESTAMP",
            help="Iceberg snapshot id, Delta version or ISO timestamp (UTC).",
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Put a table back as it was (Iceberg: set the current snapshot; Delta: RESTORE).

    Nothing is deleted: the newer snapshots/versions stay in the history, so a rollback can
    itself be rolled back.
    """
    from ecomlake.lake.tables import Lake, parse_target

    table = Lake(settings()).table(name)
    target = parse_target(to)
    table.scan(target).num_rows  # noqa: B018  (fails with a clear message if it does not exist)
    current = next((v for v in table.history() if v.current), None)
    if not yes:
        now = f"{current.rows:,} rows" if current and current.rows is not None else "?"
        typer.confirm(f"Roll {name} back to {to} (now {now})?", abort=True, err=True)
    restored = table.rollback(target)
    rows = "?" if restored.rows is None else f"{restored.rows:,}"
    console.print(f"[green]✓[/] {name} is back at {restored.id} ({rows} rows)")
