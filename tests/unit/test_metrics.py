"""Generator metrics follow the run's running totals."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from ecomlake.generator.metrics import GeneratorMetrics


def test_totals_become_counters() -> None:
    registry = CollectorRegistry()
    metrics = GeneratorMetrics(registry)
    metrics.observe(1_000, 0)
    metrics.observe(2_500, 3)
    metrics.observe(2_500, 3)
    assert registry.get_sample_value("ecomlake_generator_events_produced_total") == 2_500
    assert registry.get_sample_value("ecomlake_generator_delivery_errors_total") == 3
    assert registry.get_sample_value("ecomlake_generator_events_per_second") == 0
