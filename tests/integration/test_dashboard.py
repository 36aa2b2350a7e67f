"""The dashboard against the real pipeline, in headless Chromium.

1. With no data at all, both pages render their empty state, with no console errors.
2. With the generator running live into Kafka and the real stream job writing Iceberg, the
   live page's numbers change as events arrive; once the stream has caught up, the orders and
   revenue it shows equal `ecomlake query` over raw.events and the generator's manifest.
3. After the Spark ETL and dbt, the analytics page's totals and the marts API equal
   `ecomlake query` over the marts.
Screenshots of each page land in test-artifacts/dashboard/.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from ecomlake.config import Settings
from ecomlake.core.money import to_usd
from ecomlake.services.kafka import KafkaService
from tests.integration.browser import chromium, dashboard, open_page
from tests.integration.conftest import free_port
from tests.integration.stream_helpers import (
    query,
    run_cli,
    start_job,
    start_live_generator,
    stream_env,
)

pytestmark = pytest.mark.integration
TOPIC = "it.dashboard"


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def wait_for(condition: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


@pytest.mark.timeout(300)
def test_empty_state_renders_without_console_errors(tmp_path: Path) -> None:
    env = dict(os.environ, ECOMLAKE_DATA_DIR=str(tmp_path / "empty"),
               ECOMLAKE_KAFKA__PORT=str(free_port()))  # fmt: skip
    with dashboard(env, free_port(), tmp_path / "serve.log") as base, chromium() as browser:
        live = open_page(browser, f"{base}/")
        live.page.wait_for_selector("#status.good", timeout=30_000)
        assert live.page.is_visible("#empty-state")
        assert "make demo" in live.page.inner_text("#empty-state")
        assert not live.page.is_visible("#kpi-revenue")
        live.screenshot("live-empty.png")
        analytics = open_page(browser, f"{base}/analytics")
        analytics.page.wait_for_selector("body[data-loaded='empty']", timeout=30_000)
        assert analytics.page.is_visible("#empty-state")
        assert "ecomlake orchestrate run" in analytics.page.inner_text("#empty-state")
        analytics.screenshot("analytics-empty.png")
        assert live.errors == [] and analytics.errors == []


def lake_truth(data: Path, day: str) -> tuple[int, Decimal]:
    """Orders and USD revenue of `day` in raw.events, by `ecomlake query` and the same
    per-order conversion the pipeline uses."""
    rows = query(data, "SELECT total, currency FROM raw.events WHERE event_type = 'purchase' "
                 f"AND event_date = DATE '{day}'")  # fmt: skip
    return len(rows), sum((to_usd(r["total"], r["currency"]) for r in rows), Decimal(0))


@pytest.mark.timeout(1200)
def test_live_and_analytics_pages_match_the_lake(
    kafka: KafkaService, kafka_settings: Settings, warm_spark: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    env = stream_env(kafka_settings, data, TOPIC) | {"ECOMLAKE_BATCH__CONNECT": warm_spark}
    env["ECOMLAKE_KAFKA__EVENTS_TOPIC"] = TOPIC
    manifest_path = tmp_path / "manifest.json"
    job = start_job(env, TOPIC, "--stop-after-idle", "5", log=tmp_path / "stream.log")
    generator = start_live_generator(env, TOPIC, manifest_path)
    port = free_port()
    try:
        with dashboard(env, port, tmp_path / "serve.log") as base, chromium() as browser:
            # 1. Live numbers move while events arrive.
            live = open_page(browser, f"{base}/")
            wait_for(lambda: live.value("kpi-orders"), 180, "the first orders on the page")
            first = int(live.value("kpi-orders"))
            wait_for(lambda: int(live.value("kpi-orders")) > first, 60, "the orders to grow")
            assert live.page.locator("#chart-minutes canvas").count() == 1
            assert live.page.inner_text("#h-stream") == "running"
            live.screenshot("live-running.png")
            assert generator.poll() is None, "the generator should still be running"

            # 2. Stop producing; once the job has committed everything, the page equals the lake.
            generator.send_signal(signal.SIGINT)
            assert generator.wait(timeout=120) == 130
            assert job.wait(timeout=300) == 0, (tmp_path / "stream.log").read_text()[-4000:]
            manifest = orjson.loads(manifest_path.read_bytes())
            day = get_json(f"{base}/api/live")["day"]
            orders, revenue = lake_truth(data, day)
            truth = manifest["by_day"][day]
            assert (orders, revenue) == (truth["orders"], Decimal(truth["gross_revenue"]))
            wait_for(lambda: live.value("kpi-orders") == str(orders), 30, "final orders")
            assert Decimal(live.value("kpi-revenue")) == revenue
            api = get_json(f"{base}/api/live")
            assert api["today"]["orders"] == orders
            assert Decimal(str(api["today"]["revenue_usd"])) == revenue
            by_country = {c["country_code"]: Decimal(str(c["revenue_usd"]))
                          for c in api["today"]["by_country"]}  # fmt: skip
            assert sum(by_country.values()) == revenue
            live.screenshot("live.png")

            # 3. The marts: the Spark ETL and dbt, then the analytics page and API.
            run_cli(env, "etl")
            run_cli(env, "transform")
            daily = query(data, "SELECT CAST(order_date AS VARCHAR) AS day, orders, "
                          "gross_revenue FROM marts.fct_daily_revenue ORDER BY 1")  # fmt: skip
            span = get_json(f"{base}/api/marts")
            assert span["last"] == daily[-1]["day"]
            analytics = open_page(browser, f"{base}/analytics")
            analytics.page.wait_for_selector("body[data-loaded]", timeout=60_000)
            gross = sum((r["gross_revenue"] for r in daily), Decimal(0))
            assert Decimal(analytics.value("kpi-gross")) == gross
            assert int(analytics.value("kpi-orders")) == sum(r["orders"] for r in daily)
            assert analytics.page.locator("#products tbody tr").count() > 0
            analytics.screenshot("analytics.png")
            api_daily = get_json(f"{base}/api/marts/daily-revenue")["rows"]
            assert [
                (r["day"], r["orders"], Decimal(str(r["gross_revenue"]))) for r in api_daily
            ] == [(r["day"], r["orders"], r["gross_revenue"]) for r in daily]
            check_marts_api(base, data, daily[0]["day"], daily[-1]["day"])
            assert live.errors == [] and analytics.errors == []
    finally:
        for process in (generator, job):
            if process.poll() is None:
                process.kill()


def check_marts_api(base: str, data: Path, start: str, end: str) -> None:
    """Each marts endpoint equals the same question asked with `ecomlake query`."""
    where = f"BETWEEN DATE '{start}' AND DATE '{end}'"
    funnel = get_json(f"{base}/api/marts/funnel?start={start}&end={end}")["rows"][0]
    [expected] = query(data, "SELECT SUM(sessions) AS s, SUM(purchase_sessions) AS p FROM "
                       f"marts.fct_funnel_daily WHERE session_date {where}")  # fmt: skip
    assert (funnel["sessions"], funnel["purchase"]) == (expected["s"], expected["p"])
    users = get_json(f"{base}/api/marts/active-users?start={start}&end={end}")["rows"]
    dau = query(data, "SELECT CAST(activity_date AS VARCHAR) AS day, dau FROM "
                f"marts.fct_daily_active_users WHERE activity_date {where} ORDER BY 1")  # fmt: skip
    assert [(r["day"], r["dau"]) for r in users] == [(r["day"], r["dau"]) for r in dau]
    products = get_json(f"{base}/api/marts/products?start={start}&end={end}")["rows"]
    top = query(data, "SELECT product_id, SUM(revenue_usd) AS revenue FROM "
                f"marts.fct_product_performance WHERE activity_date {where} GROUP BY 1 "
                "ORDER BY 2 DESC, 1 LIMIT 20")  # fmt: skip
    assert [(p["product_id"], Decimal(str(p["revenue_usd"]))) for p in products] == [
        (t["product_id"], t["revenue"]) for t in top
    ]
    cohorts = get_json(f"{base}/api/marts/cohorts?start={start}&end={end}")["rows"]
    assert cohorts and all(c["period_number"] == 0 for c in cohorts[:1])
