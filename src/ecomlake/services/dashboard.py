"""The dashboard as a managed service: `ecomlake serve` in the background."""

from __future__ import annotations

import os
import sys

from ecomlake.core.process import http_ok
from ecomlake.services.base import Service


class DashboardService(Service):
    name = "dashboard"

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.dashboard.port,)

    @property
    def host(self) -> str:
        return self.settings.dashboard.host

    @property
    def marker(self) -> str:
        return f"ecomlake serve --port {self.settings.dashboard.port}"

    def command(self) -> list[str]:
        d = self.settings.dashboard
        return [sys.executable, "-m", "ecomlake", "serve", "--port", str(d.port), "--host", d.host]

    def env(self) -> dict[str, str]:
        return dict(os.environ) | self.settings.as_env()  # the same data folder, ports, ...

    def healthy(self) -> bool:
        d = self.settings.dashboard
        return http_ok(f"http://{d.host}:{d.port}/healthz")

    def after_start(self) -> str:
        d = self.settings.dashboard
        return f"; open http://{d.host}:{d.port}/"
