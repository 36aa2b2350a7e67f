"""Prometheus metrics of a generator run (optional HTTP endpoint)."""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge, start_http_server

from ecomlake.errors import EcomlakeError


class GeneratorMetrics:
    def __init__(self) -> None:
        self.produced = Counter(
            "ecomlake_generator_events_produced", "Messages handed to the producer"
        )
        self.rate = Gauge("ecomlake_generator_events_per_second", "Recent production rate")
        self._last = time.monotonic()

    @classmethod
    def serve(cls, port: int) -> GeneratorMetrics:
        try:
            start_http_server(port, addr="127.0.0.1")
        except OSError as exc:
            raise EcomlakeError(f"cannot serve metrics on port {port}: {exc.strerror}") from None
        return cls()

    def observe(self, delta: int) -> None:
        now = time.monotonic()
        self.produced.inc(delta)
        if now > self._last:
            self.rate.set(delta / (now - self._last))
        self._last = now
