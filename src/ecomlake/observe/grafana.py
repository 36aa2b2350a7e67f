"""Grafana dashboards as code: JSON generated from these definitions into deploy/grafana/.

    python -m ecomlake.observe.grafana           # write deploy/grafana/*.json
    python -m ecomlake.observe.grafana --check   # fail when the files are out of date (CI)

The panels query the same series the alert rules use, against a Prometheus data source
chosen at import time (`${DS_PROMETHEUS}`), so a team's Grafana imports them unchanged.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecomlake.config import REPO_ROOT

OUT_DIR = REPO_ROOT / "deploy" / "grafana"
DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
WIDTH = 24  # Grafana's grid is 24 columns wide


@dataclass(frozen=True)
class Panel:
    title: str
    exprs: list[tuple[str, str]]  # (PromQL, legend)
    unit: str = "short"
    kind: str = "timeseries"  # or "stat"
    width: int = 8
    height: int = 8
    thresholds: list[tuple[float, str]] = field(default_factory=list)  # (from value, color)


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    panels: list[Panel]
    tags: list[str] = field(default_factory=lambda: ["ecomlake"])


def _panel(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    steps = [{"color": "green", "value": None}] + [
        {"color": color, "value": value} for value, color in panel.thresholds
    ]
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "datasource": DATASOURCE,
        "gridPos": {"x": x, "y": y, "w": panel.width, "h": panel.height},
        "fieldConfig": {
            "defaults": {
                "unit": panel.unit,
                "thresholds": {"mode": "absolute", "steps": steps},
            },
            "overrides": [],
        },
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}}
        if panel.kind == "timeseries"
        else {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"},
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "expr": expr,
                "legendFormat": legend,
                "datasource": DATASOURCE,
            }
            for i, (expr, legend) in enumerate(panel.exprs)
        ],
    }


def render(dashboard: Dashboard) -> dict[str, Any]:
    """The dashboard's Grafana JSON model (schemaVersion 39), panels laid out left to right."""
    panels, x, y, row_height = [], 0, 0, 0
    for number, panel in enumerate(dashboard.panels, start=1):
        if x + panel.width > WIDTH:
            x, y, row_height = 0, y + row_height, 0
        panels.append(_panel(panel, number, x, y))
        x, row_height = x + panel.width, max(row_height, panel.height)
    return {
        "__inputs": [
            {
                "name": "DS_PROMETHEUS",
                "label": "Prometheus",
                "type": "datasource",
                "pluginId": "prometheus",
                "pluginName": "Prometheus",
            }
        ],
        "uid": dashboard.uid,
        "title": dashboard.title,
        "description": dashboard.description,
        "tags": dashboard.tags,
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "10s",
        "time": {"from": "now-1h", "to": "now"},
        "panels": panels,
    }


PIPELINE = Dashboard(
    uid="ecomlake-pipeline",
    title="ecomlake · pipeline health",
    description="Kafka -> Flink -> Iceberg: is the stream job up, fresh, keeping up, clean?",
    panels=[
        Panel(
            "Stream job",
            [("ecomlake_stream_job_up", "up")],
            kind="stat",
            width=6,
            height=4,
            thresholds=[(0, "red"), (1, "green")],
        ),
        Panel(
            "Kafka",
            [("ecomlake_kafka_up", "up")],
            kind="stat",
            width=6,
            height=4,
            thresholds=[(0, "red"), (1, "green")],
        ),
        Panel(
            "Lake freshness (last raw.events commit)",
            [("ecomlake_lake_commit_age_seconds", "age")],
            unit="s",
            kind="stat",
            width=6,
            height=4,
            thresholds=[(60, "orange"), (300, "red")],
        ),
        Panel(
            "Consumer lag",
            [("ecomlake_consumer_lag_messages", "messages")],
            kind="stat",
            width=6,
            height=4,
            thresholds=[(1000, "orange"), (100000, "red")],
        ),
        Panel(
            "Events committed to the lake",
            [
                ("ecomlake_lake_events_per_second", "raw.events"),
                ("ecomlake_dlq_events_per_second", "dead letters"),
            ],
            unit="ops",
            width=12,
        ),
        Panel("Consumer lag over time", [("ecomlake_consumer_lag_messages", "lag")], width=12),
        Panel(
            "Dead-letter share",
            [("ecomlake_dlq_share", "share")],
            unit="percentunit",
            thresholds=[(0.05, "red")],
        ),
        Panel(
            "Flink: records in per second",
            [("sum(flink_taskmanager_job_task_numRecordsInPerSecond)", "records/s")],
            unit="ops",
        ),
        Panel(
            "Kafka: messages in per second",
            [
                (
                    "sum(rate(kafka_server_brokertopicmetrics_count"
                    '{name="MessagesInPerSec", topic=""}[1m]))',
                    "messages/s",
                )
            ],
            unit="ops",
        ),
        Panel(
            "Airflow: latest DAG runs failed",
            [("ecomlake_airflow_dag_run_failed", "{{dag_id}}")],
            kind="stat",
            width=12,
            height=4,
            thresholds=[(1, "red")],
        ),
        Panel(
            "Generator: events produced per second",
            [("sum(rate(ecomlake_generator_events_produced_total[1m]))", "events/s")],
            unit="ops",
            width=12,
            height=4,
        ),
    ],
)

BUSINESS = Dashboard(
    uid="ecomlake-live-sales",
    title="ecomlake · live sales",
    description="Orders and revenue on the stream clock's day, as the live page shows them.",
    panels=[
        Panel(
            "Revenue today (USD)",
            [("ecomlake_live_revenue_usd_today", "revenue")],
            unit="currencyUSD",
            kind="stat",
            width=12,
            height=5,
        ),
        Panel(
            "Orders today",
            [("ecomlake_live_orders_today", "orders")],
            kind="stat",
            width=12,
            height=5,
        ),
        Panel(
            "Orders per minute",
            [("deriv(ecomlake_live_orders_today[2m]) * 60", "orders/min")],
            width=24,
        ),
    ],
)

DASHBOARDS = [PIPELINE, BUSINESS]


def files() -> dict[Path, str]:
    return {
        OUT_DIR / f"{d.uid}.json": json.dumps(render(d), indent=2, sort_keys=True) + "\n"
        for d in DASHBOARDS
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Only compare with the files.")
    args = parser.parse_args(argv)
    stale = [p for p, text in files().items() if not p.exists() or p.read_text() != text]
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(REPO_ROOT)} (run python -m {__spec__.name})")
        return 1 if stale else 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for path, text in files().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
