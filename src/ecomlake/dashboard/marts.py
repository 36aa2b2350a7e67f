"""The analytics page's numbers: the dbt marts in the DuckDB warehouse, by date range.

DuckDB lets one process write a database file and no other open it meanwhile, and a reader
holding it open would block dbt. So each query opens the file read-only, reads and closes;
answers are cached until the file changes, and while dbt holds the lock the last answer is
served, marked stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ecomlake.config import Settings
from ecomlake.errors import EcomlakeError
from ecomlake.lake.warehouse import attach_marts, warehouse_path

# name -> SQL over the marts with $start and $end (a weekly cohort counts when its week
# overlaps the range)
QUERIES: dict[str, str] = {
    "daily-revenue": (
        "SELECT order_date AS day, orders, gross_revenue, refund_count, refunds, net_revenue, "
        "aov FROM marts.fct_daily_revenue WHERE order_date BETWEEN $start AND $end ORDER BY 1"
    ),
    "active-users": (
        "SELECT activity_date AS day, dau, wau, mau FROM marts.fct_daily_active_users "
        "WHERE activity_date BETWEEN $start AND $end ORDER BY 1"
    ),
    "funnel": (
        "SELECT COALESCE(SUM(sessions), 0) AS sessions, "
        "COALESCE(SUM(product_view_sessions), 0) AS product_view, "
        "COALESCE(SUM(cart_sessions), 0) AS cart, "
        "COALESCE(SUM(checkout_sessions), 0) AS checkout, "
        "COALESCE(SUM(purchase_sessions), 0) AS purchase "
        "FROM marts.fct_funnel_daily WHERE session_date BETWEEN $start AND $end"
    ),
    "cohorts": (
        "SELECT cohort_start, period_number, cohort_size, active_customers, retention_rate "
        "FROM marts.fct_cohort_retention WHERE cohort_grain = 'week' "
        "AND cohort_start BETWEEN DATE_TRUNC('week', $start) AND $end ORDER BY 1, 2"
    ),
    "products": (
        "SELECT product_id, ANY_VALUE(category) AS category, SUM(views) AS views, "
        "SUM(cart_adds) AS cart_adds, SUM(orders) AS orders, SUM(units) AS units, "
        "SUM(revenue_usd) AS revenue_usd FROM marts.fct_product_performance "
        "WHERE activity_date BETWEEN $start AND $end "
        "GROUP BY product_id ORDER BY revenue_usd DESC, product_id LIMIT 20"
    ),
}
CACHE_SIZE = 256
SPAN_SQL = "SELECT MIN(order_date), MAX(order_date) FROM marts.fct_daily_revenue"


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Answer:
    rows: list[dict[str, Any]]
    stale: bool  # the warehouse was busy (dbt running): the last answer read
    version: float  # the warehouse file's modification time the rows were read at


class Marts:
    def __init__(self, settings: Settings) -> None:
        self.path: Path = warehouse_path(settings)
        # Rows by query and range; the oldest go first beyond CACHE_SIZE (ranges are the
        # client's choice).
        self.cache: OrderedDict[tuple[str, str, str], tuple[float, list[dict[str, Any]]]] = (
            OrderedDict()
        )
        self.lock = threading.Lock()

    def available(self) -> bool:
        return self.path.exists()

    def version(self) -> float | None:
        """The warehouse file's modification time: answers are valid while it stays."""
        try:
            return self.path.stat().st_mtime
        except FileNotFoundError:
            return None

    def _read(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        con = duckdb.connect()
        try:
            attach_marts(con, self.path)
            try:
                cursor = con.execute(sql, params)
            except duckdb.CatalogException as exc:  # a mart dbt has not built (yet)
                message = " ".join(str(exc).split("\n")[0].split())
                raise EcomlakeError(f"{message}: run `ecomlake transform`") from None
            names = [d[0] for d in cursor.description or []]
            return [
                {n: _json(v) for n, v in zip(names, row, strict=True)} for row in cursor.fetchall()
            ]
        finally:
            con.close()

    def _cached(self, key: tuple[str, str, str], sql: str, params: dict[str, Any]) -> Answer:
        if not self.available():
            raise EcomlakeError(
                "no warehouse yet: run `make demo` or `ecomlake orchestrate run ecommerce_daily`"
            )
        mtime = self.path.stat().st_mtime
        with self.lock:
            hit = self.cache.get(key)
        if hit is not None and hit[0] == mtime:
            return Answer(hit[1], stale=False, version=mtime)
        try:
            rows = self._read(sql, params)
        except EcomlakeError:
            if hit is None:
                raise
            return Answer(hit[1], stale=True, version=hit[0])
        with self.lock:
            self.cache[key] = (mtime, rows)
            while len(self.cache) > CACHE_SIZE:
                self.cache.popitem(last=False)
        return Answer(rows, stale=False, version=mtime)

    def span(self) -> tuple[date | None, date | None]:
        rows = self._cached(("span", "", ""), SPAN_SQL, {}).rows
        first, last = rows[0].values() if rows else (None, None)
        return (
            date.fromisoformat(first) if first else None,
            date.fromisoformat(last) if last else None,
        )

    def query(self, name: str, start: date, end: date) -> Answer:
        if start > end:
            raise EcomlakeError(f"start {start} is after end {end}")
        sql = QUERIES[name]
        key = (name, start.isoformat(), end.isoformat())
        return self._cached(key, sql, {"start": start, "end": end})
