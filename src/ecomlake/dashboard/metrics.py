"""The pipeline's health as Prometheus gauges, set from each live refresh (`GET /metrics`)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram

NAN = float("nan")


class DashboardMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.stream_up = Gauge("ecomlake_stream_job_up", "1 while the stream job runs", registry=r)
        self.kafka_up = Gauge("ecomlake_kafka_up", "1 while the broker answers", registry=r)
        self.lag = Gauge(
            "ecomlake_consumer_lag_messages",
            "Messages on the events topic the stream job has not committed (NaN: unknown)",
            registry=r,
        )
        self.last_commit = Gauge(
            "ecomlake_lake_last_commit_timestamp_seconds",
            "Time of raw.events' newest Iceberg snapshot",
            registry=r,
        )
        self.commit_age = Gauge(
            "ecomlake_lake_commit_age_seconds",
            "Seconds since raw.events' newest commit",
            registry=r,
        )
        self.events_rate = Gauge(
            "ecomlake_lake_events_per_second", "Rows committed to raw.events, last 10 s", registry=r
        )
        self.dlq_rate = Gauge(
            "ecomlake_dlq_events_per_second",
            "Rows committed to raw.events_rejected, last 10 s",
            registry=r,
        )
        self.dlq_share = Gauge(
            "ecomlake_dlq_share", "Rejected share of committed rows, last 10 s", registry=r
        )
        self.dag_failed = Gauge(
            "ecomlake_airflow_dag_run_failed",
            "1 when the DAG's latest run failed",
            ["dag_id"],
            registry=r,
        )
        self.orders_today = Gauge(
            "ecomlake_live_orders_today", "Orders on the stream clock's day", registry=r
        )
        self.revenue_today = Gauge(
            "ecomlake_live_revenue_usd_today", "Revenue (USD) on the stream clock's day", registry=r
        )
        self.refresh_seconds = Histogram(
            "ecomlake_dashboard_refresh_seconds",
            "Time one live refresh takes (lake poll, fold, health probes)",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5),
            registry=r,
        )

    def update(self, view: dict[str, Any]) -> None:
        pipeline = view.get("pipeline") or {}
        self.stream_up.set(1 if pipeline.get("stream_job") == "running" else 0)
        self.kafka_up.set(1 if pipeline.get("kafka") == "up" else 0)
        lag = pipeline.get("consumer_lag")
        self.lag.set(NAN if lag is None else lag)
        last = pipeline.get("last_commit_ms")
        self.last_commit.set(NAN if last is None else last / 1000)
        age = pipeline.get("commit_age_s")
        self.commit_age.set(NAN if age is None else age)
        self.events_rate.set(pipeline.get("events_per_s") or 0)
        self.dlq_rate.set(pipeline.get("dlq_per_s") or 0)
        self.dlq_share.set(pipeline.get("dlq_share") or 0)
        for dag, state in (pipeline.get("airflow") or {}).items():
            self.dag_failed.labels(dag_id=dag).set(1 if state == "failed" else 0)
        today = view.get("today") or {}
        self.orders_today.set(today.get("orders") or 0)
        self.revenue_today.set(today.get("revenue_usd") or 0)
