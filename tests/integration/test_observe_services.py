"""`up --with dashboard --with prometheus` for real: Debian's Prometheus loads the alert rules
and scrapes the dashboard's health gauges and the broker's JMX exporter agent."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from ecomlake.config import Settings, load_settings
from ecomlake.services.dashboard import DashboardService
from ecomlake.services.kafka import KafkaService
from ecomlake.services.prometheus import PrometheusService
from tests.integration.conftest import free_port

pytestmark = pytest.mark.integration


def api(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/{path}", timeout=5) as r:
        return json.loads(r.read())["data"]


@pytest.mark.timeout(300)
def test_prometheus_scrapes_the_dashboard_and_kafka(
    kafka: KafkaService, kafka_settings: Settings, tmp_path: Path
) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data",
        kafka=kafka_settings.kafka.model_dump(),
        dashboard={"port": free_port()},
        observe={"prometheus_port": free_port(), "scrape_interval_s": 1,
                 "kafka_jmx_port": kafka_settings.observe.kafka_jmx_port},
    )  # fmt: skip
    port = settings.observe.prometheus_port
    dashboard, prometheus = DashboardService(settings), PrometheusService(settings)
    try:
        assert "dashboard started" in dashboard.start()
        assert "prometheus started" in prometheus.start()
        rules = [r["name"] for g in api(port, "rules")["groups"] for r in g["rules"]]
        assert {"StreamJobDown", "LakeNotFresh", "DeadLetterSpike", "ConsumerLagGrowing",
                "AirflowDagFailed"} <= set(rules)  # fmt: skip

        def healthy() -> dict[str, str]:
            targets = api(port, "targets")["activeTargets"]
            return {t["labels"]["job"]: t["health"] for t in targets}

        deadline = time.monotonic() + 60
        while not (healthy().get("ecomlake-dashboard") == healthy().get("kafka") == "up"):
            assert time.monotonic() < deadline, healthy()
            time.sleep(1)
        # The dashboard sees the fixture's broker; the broker's own metrics arrive by JMX.
        [kafka_up] = api(port, "query?query=ecomlake_kafka_up")["result"]
        assert kafka_up["value"][1] == "1"

        def broker_counts_messages() -> bool:
            messages = api(port, "query?query=kafka_server_brokertopicmetrics_count")["result"]
            return any(m["metric"].get("name") == "MessagesInPerSec" for m in messages)

        # Nothing streams into this data folder: the stream-down alert is on its way (pending
        # from the first rule evaluation after a scrape; on a loaded machine that takes a while).
        def stream_down_alert() -> bool:
            alerts = api(port, "alerts")["alerts"]
            return any(a["labels"]["alertname"] == "StreamJobDown" for a in alerts)

        for condition in (broker_counts_messages, stream_down_alert):
            deadline = time.monotonic() + 60
            while not condition():
                assert time.monotonic() < deadline, f"{condition.__name__}: not within 60 s"
                time.sleep(1)
    finally:
        prometheus.stop()
        dashboard.stop()
    assert prometheus.record() is None and dashboard.record() is None
