"""Observability as code: the Prometheus configuration, alert rules' home, Grafana dashboards."""
