"""SQL over the lake: DuckDB, with each Iceberg table a view `namespace.table` over Arrow.

Only the tables a query names are scanned (pyiceberg -> Arrow), so a query on one small table
does not read the whole lake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog

from ecomlake.errors import EcomlakeError

IDENTIFIER = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\b")


def lake_tables(catalog: SqlCatalog) -> list[tuple[str, str]]:
    tables: list[tuple[str, str]] = []
    for namespace in catalog.list_namespaces():
        for identifier in catalog.list_tables(namespace):
            tables.append((identifier[0], identifier[-1]))
    return sorted(tables)


def run_query(catalog: SqlCatalog, sql: str) -> pa.Table:
    """Run DuckDB `sql` with the lake tables it names visible as `namespace.table`."""
    known = set(lake_tables(catalog))
    named = {(a, b) for a, b in IDENTIFIER.findall(sql) if (a, b) in known}
    con = duckdb.connect()
    try:
        for namespace, table in sorted(named):
            arrow = catalog.load_table((namespace, table)).scan().to_arrow()
            con.register(f"__{namespace}__{table}", arrow)
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
    rows: int
    snapshots: int
    files: int
    last_commit: datetime | None


def describe_tables(catalog: SqlCatalog) -> list[TableInfo]:
    out = []
    for namespace, name in lake_tables(catalog):
        table = catalog.load_table((namespace, name))
        snapshot = table.current_snapshot()
        summary = snapshot.summary if snapshot is not None else None
        rows = int(summary.get("total-records") or 0) if summary is not None else 0
        files = int(summary.get("total-data-files") or 0) if summary is not None else 0
        last = (
            datetime.fromtimestamp(snapshot.timestamp_ms / 1000, UTC)
            if snapshot is not None
            else None
        )
        out.append(TableInfo(f"{namespace}.{name}", rows, len(table.snapshots()), files, last))
    return out
