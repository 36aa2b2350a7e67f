"""SQL over the lake: DuckDB, with each lake table a view `namespace.table` over Arrow.

Iceberg tables come through pyiceberg, the curated Delta tables through delta-rs. Only the
tables a query names are scanned, so a query on one small table does not read the whole lake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ecomlake.config import Settings
from ecomlake.errors import EcomlakeError
from ecomlake.lake.tables import Lake, Target
from ecomlake.lake.warehouse import MART_SCHEMA, attach_marts, warehouse_path

IDENTIFIER = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\b")


def run_query(
    lake: Lake, sql: str, as_of: Target | None = None, warehouse: Path | None = None
) -> pa.Table:
    """Run DuckDB `sql` with the lake tables it names visible as `namespace.table`, each read
    as of `as_of` (a snapshot id, a Delta version or a timestamp) when given, and the dbt
    marts of the `warehouse` file as `marts.<model>`."""
    known = set(lake.names())
    identifiers = {f"{a}.{b}" for a, b in IDENTIFIER.findall(sql)}
    named = sorted(identifiers & known)
    if as_of is not None and not named:
        raise EcomlakeError("--as-of needs a query that names a lake table")
    con = duckdb.connect()
    try:
        if warehouse is not None and any(i.startswith(f"{MART_SCHEMA}.") for i in identifiers):
            attach_marts(con, warehouse)
        for name in named:
            namespace, table = name.split(".")
            con.register(f"__{namespace}__{table}", lake.table(name).scan(as_of))
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{namespace}"')
            con.execute(
                f'CREATE VIEW "{namespace}"."{table}" AS SELECT * FROM "__{namespace}__{table}"'
            )
        try:
            relation = con.sql(sql)
        except duckdb.Error as exc:
            message = " ".join(str(exc).split())
            raise EcomlakeError(f"query failed: {message}") from None
        if relation is None:  # a statement without rows
            return pa.table({})
        result: pa.Table = relation.to_arrow_table()
        return result
    finally:
        con.close()


@dataclass(frozen=True)
class TableInfo:
    name: str
    kind: str
    rows: int
    versions: int
    files: int
    last_commit: datetime | None


def query_rows(settings: Settings, sql: str) -> list[dict[str, Any]]:
    """`sql` as `ecomlake query` runs it (the lake's tables and the warehouse's marts), as rows."""
    rows: list[dict[str, Any]] = run_query(
        Lake(settings), sql, warehouse=warehouse_path(settings)
    ).to_pylist()
    return rows


def describe_tables(lake: Lake) -> list[TableInfo]:
    out = []
    for name in lake.names():
        table = lake.table(name)
        newest = table.history(limit=1)
        out.append(
            TableInfo(
                name,
                table.kind,
                table.rows(),
                table.versions(),
                table.files(),
                newest[0].committed_at if newest else None,
            )
        )
    return out
