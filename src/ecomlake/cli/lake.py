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
) -> None:
    """Run SQL over the lake (Iceberg tables through pyiceberg and Arrow, in DuckDB)."""
    from ecomlake.lake.catalog import open_catalog
    from ecomlake.lake.query import run_query

    result = run_query(open_catalog(settings()), sql)
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
    """Each lake table with its rows, snapshots, data files and last commit time."""
    from ecomlake.lake.catalog import open_catalog
    from ecomlake.lake.query import describe_tables

    infos = describe_tables(open_catalog(settings()))
    if not infos:
        console.print("the lake has no tables yet: the stream job creates them")
        return
    table = Table("table", "rows", "snapshots", "files", "last commit (UTC)")
    for info in infos:
        last = info.last_commit.isoformat(timespec="seconds") if info.last_commit else "-"
        table.add_row(info.name, f"{info.rows:,}", str(info.snapshots), str(info.files), last)
    console.print(table)
