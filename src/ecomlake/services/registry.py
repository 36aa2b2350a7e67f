"""The services `ecomlake up` knows. Kafka always runs; others join with `--with NAME`.

A new service (a Flink cluster, Prometheus, Airflow, the dashboard, an S3-compatible server)
is a `Service` subclass added to `OPTIONAL`; nothing else changes.
"""

from __future__ import annotations

from ecomlake.config import Settings
from ecomlake.errors import EcomlakeError
from ecomlake.services.airflow import AirflowApiServer
from ecomlake.services.base import Service
from ecomlake.services.dashboard import DashboardService
from ecomlake.services.flink import FlinkJobManager
from ecomlake.services.kafka import KafkaService
from ecomlake.services.prometheus import PrometheusService
from ecomlake.services.s3 import S3Service
from ecomlake.services.spark import SparkMaster

CORE: tuple[type[Service], ...] = (KafkaService,)
OPTIONAL: dict[str, type[Service]] = {
    FlinkJobManager.name: FlinkJobManager,
    AirflowApiServer.name: AirflowApiServer,
    DashboardService.name: DashboardService,
    PrometheusService.name: PrometheusService,
    SparkMaster.name: SparkMaster,
    S3Service.name: S3Service,
}


def known_names() -> list[str]:
    return [cls.name for cls in CORE] + sorted(OPTIONAL)


def resolve(settings: Settings, extra: list[str]) -> list[Service]:
    """The core services plus the named optional ones, in start order."""
    services = [cls(settings) for cls in CORE]
    for name in extra:
        if name in {cls.name for cls in CORE}:
            continue
        cls = OPTIONAL.get(name)
        if cls is None:
            raise EcomlakeError(
                f"unknown service {name!r}; known services: {', '.join(known_names())}"
            )
        services.append(cls(settings))
    return services


def all_services(settings: Settings) -> list[Service]:
    return [cls(settings) for cls in CORE] + [cls(settings) for cls in OPTIONAL.values()]
