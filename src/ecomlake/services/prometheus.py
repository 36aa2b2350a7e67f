"""Prometheus (Debian's package) scraping the pipeline, with the alert rules of deploy/."""

from __future__ import annotations

import shutil

from ecomlake.core.process import http_ok
from ecomlake.errors import EcomlakeError
from ecomlake.observe.prometheus_config import prometheus_config
from ecomlake.services.base import Service


class PrometheusService(Service):
    name = "prometheus"

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.observe.prometheus_port,)

    @property
    def config_file(self) -> str:
        return str(self.state_dir / "prometheus.yml")  # holds the state dir: the pid marker

    def preflight(self) -> None:
        if shutil.which("prometheus") is None:
            raise EcomlakeError(
                "prometheus not found: run `make setup` (installs Debian's prometheus package)"
            )

    def prepare(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "prometheus.yml").write_text(prometheus_config(self.settings))

    def command(self) -> list[str]:
        o = self.settings.observe
        return [
            "prometheus",
            f"--config.file={self.config_file}",
            f"--storage.tsdb.path={self.state_dir / 'data'}",
            f"--storage.tsdb.retention.time={o.retention}",
            f"--web.listen-address={self.host}:{o.prometheus_port}",
            "--web.enable-lifecycle",  # POST /-/reload picks up edited rules
        ]

    def healthy(self) -> bool:
        return http_ok(f"http://{self.host}:{self.settings.observe.prometheus_port}/-/ready")

    def after_start(self) -> str:
        return f"; open http://{self.host}:{self.settings.observe.prometheus_port}/alerts"
