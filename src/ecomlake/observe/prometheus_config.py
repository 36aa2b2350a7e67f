"""prometheus.yml for `ecomlake up --with prometheus`, from settings.

Written as JSON, which is YAML too, so no YAML library is needed and what is scraped stays
one function's output. Targets that are not running (a generator without --metrics-port,
the stream job between runs) show as down in Prometheus; the alert rules say which matter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ecomlake.config import REPO_ROOT, Settings

RULES = REPO_ROOT / "deploy" / "prometheus" / "alerts.yml"
FLINK_REPORTERS = 2  # the embedded job uses the first port; a cluster's TaskManager the next


def scrape_jobs(settings: Settings) -> list[dict[str, Any]]:
    host = "127.0.0.1"
    o, d = settings.observe, settings.dashboard
    flink = [f"{host}:{settings.stream.metrics_port + i}" for i in range(FLINK_REPORTERS)]
    jobs: list[dict[str, Any]] = [
        {"job_name": "ecomlake-dashboard", "static_configs": [{"targets": [f"{host}:{d.port}"]}]},
        {"job_name": "flink", "static_configs": [{"targets": flink}]},
        {"job_name": "generator", "static_configs": [{"targets": [f"{host}:{o.generator_port}"]}]},
        {
            "job_name": "prometheus",
            "static_configs": [{"targets": [f"{host}:{o.prometheus_port}"]}],
        },
    ]
    if o.kafka_jmx_port:
        jobs.append(
            {"job_name": "kafka", "static_configs": [{"targets": [f"{host}:{o.kafka_jmx_port}"]}]}
        )
    return jobs


def prometheus_config(settings: Settings, rules: Path = RULES) -> str:
    interval = f"{settings.observe.scrape_interval_s}s"
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(rules)],
        "scrape_configs": scrape_jobs(settings),
    }
    return json.dumps(config, indent=2) + "\n"
