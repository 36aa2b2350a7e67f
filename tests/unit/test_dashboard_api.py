"""The dashboard's HTTP surface in-process: pages, the OpenAPI schema, the empty state, the
marts API over a real DuckDB warehouse file, errors and /metrics."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from ecomlake.config import Settings, load_settings
from ecomlake.dashboard.app import create_app
from ecomlake.lake.warehouse import warehouse_path

pytestmark = pytest.mark.unit


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Nothing listens on the Kafka port: the health probes must say "down", not hang.
    return load_settings(data_dir=tmp_path / "data", kafka={"port": unused_port()},
                         dashboard={"refresh_s": 0.2})  # fmt: skip


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


def build_marts(settings: Settings) -> None:
    path = warehouse_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.fct_daily_revenue AS SELECT * FROM (VALUES "
        "(DATE '2026-10-30', 3, 30.10::DECIMAL(18,2), 0, 0.00::DECIMAL(18,2), "
        "30.10::DECIMAL(18,2), 10.03::DECIMAL(18,2)), "
        "(DATE '2026-10-31', 2, 19.99::DECIMAL(18,2), 1, 5.00::DECIMAL(18,2), "
        "14.99::DECIMAL(18,2), 9.995::DECIMAL(18,3))) "
        "t(order_date, orders, gross_revenue, refund_count, refunds, net_revenue, aov)"
    )
    con.execute("CREATE TABLE marts.fct_funnel_daily AS SELECT * FROM (VALUES "
                "(DATE '2026-10-30', 10, 8, 4, 3, 2), (DATE '2026-10-31', 5, 4, 2, 1, 1)) "
                "t(session_date, sessions, product_view_sessions, cart_sessions, "
                "checkout_sessions, purchase_sessions)")  # fmt: skip
    con.close()


def test_pages_and_schema(client: TestClient) -> None:
    assert "live.js" in client.get("/").text
    assert "analytics.js" in client.get("/analytics").text
    schema = client.get("/openapi.json").json()
    assert {"/api/live", "/api/live/stream", "/api/marts", "/api/marts/{name}"} <= set(
        schema["paths"]
    )
    assert "LiveView" in schema["components"]["schemas"]
    assert client.get("/healthz").json()["status"] == "ok"


def test_empty_state(client: TestClient) -> None:
    live = client.get("/api/live").json()
    assert live["empty"] is True
    assert client.get("/api/marts").json()["last"] is None
    answer = client.get("/api/marts/daily-revenue")
    assert answer.status_code == 503 and "no warehouse yet" in answer.json()["detail"]


def test_errors_name_the_problem(client: TestClient) -> None:
    unknown = client.get("/api/marts/nope")
    assert unknown.status_code == 404 and "daily-revenue" in unknown.json()["detail"]
    backwards = client.get("/api/marts/funnel?start=2026-10-31&end=2026-10-01")
    assert backwards.status_code == 422 and "after" in backwards.json()["detail"]
    assert client.get("/api/marts/funnel?start=yesterday").status_code == 422


def test_marts_by_range(settings: Settings, client: TestClient) -> None:
    build_marts(settings)
    assert client.get("/api/marts").json()["first"] == "2026-10-30"
    revenue = client.get("/api/marts/daily-revenue").json()  # default range: up to the last day
    assert revenue["end"] == "2026-10-31" and revenue["stale"] is False
    assert [(r["day"], r["orders"], r["gross_revenue"]) for r in revenue["rows"]] == [
        ("2026-10-30", 3, 30.10), ("2026-10-31", 2, 19.99)]  # fmt: skip
    one_day = client.get("/api/marts/funnel?start=2026-10-31&end=2026-10-31").json()["rows"]
    assert one_day == [{"sessions": 5, "product_view": 4, "cart": 2, "checkout": 1,
                        "purchase": 1}]  # fmt: skip
    both = client.get("/api/marts/funnel?start=2026-10-01&end=2026-10-31").json()["rows"]
    assert both[0]["sessions"] == 15
    # A mart dbt has not built: a 503 that says so, not a server error (found by schemathesis).
    missing = client.get("/api/marts/active-users")
    assert missing.status_code == 503
    assert "fct_daily_active_users does not exist" in missing.json()["detail"]
    assert "ecomlake transform" in missing.json()["detail"]


def test_live_view_updates_and_metrics(client: TestClient) -> None:
    import time

    first = client.get("/healthz").json()["live_version"]
    deadline = time.monotonic() + 10
    while client.get("/healthz").json()["live_version"] <= first and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.get("/healthz").json()["live_version"] > first
    live = client.get("/api/live").json()
    assert live["pipeline"]["kafka"] == "down" and live["pipeline"]["stream_job"] == "stopped"
    metrics = client.get("/metrics").text
    assert "ecomlake_stream_job_up 0.0" in metrics and "ecomlake_kafka_up 0.0" in metrics
