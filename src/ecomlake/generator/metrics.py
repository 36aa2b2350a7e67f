"""Prometheus metrics of a generator run (optional HTTP endpoint, `--metrics-port`)."""

from __future__ import annotations

import time

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, start_http_server

from ecomlake.errors import EcomlakeError


class GeneratorMetrics:
    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.produced = Counter(
            "ecomlake_generator_events_produced",
            "Messages handed to the producer",
            registry=registry,
        )
        self.errors = Counter(
            "ecomlake_generator_delivery_errors",
            "Messages the broker did not acknowledge",
            registry=registry,
        )
        self.rate = Gauge(
            "ecomlake_generator_events_per_second",
            "Production rate over the last interval",
            registry=registry,
        )
        self._sent = 0
        self._errors = 0
        self._last = time.monotonic()

    @classmethod
    def serve(cls, port: int) -> GeneratorMetrics:
        try:
            start_http_server(port, addr="127.0.0.1")
        except OSError as exc:
            raise EcomlakeError(f"cannot serve metrics on port {port}: {exc.strerror}") from None
        return cls()

    def observe(self, sent: int, errors: int) -> None:
        """Record the run's running totals (called a few times a second)."""
        now = time.monotonic()
        self.produced.inc(sent - self._sent)
        self.errors.inc(max(0, errors - self._errors))
        if now > self._last:
            self.rate.set((sent - self._sent) / (now - self._last))
        self._sent, self._errors, self._last = sent, errors, now
