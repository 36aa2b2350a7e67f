"""Shared fixtures: settings rooted in a temporary data folder, generated streams."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ecomlake.generator.options import GeneratorOptions
from ecomlake.generator.run import Result, Target, generate

# tests/spark and tests/airflow run in their runtime's environment (`make test` runs them there).
# (find_spec, not import: Airflow reads its configuration once, at import.)
collect_ignore = [name for name, module in (("spark", "pyspark"), ("airflow", "airflow"))
                  if importlib.util.find_spec(module) is None]  # fmt: skip

# A fixed window end keeps generated streams byte-identical from one run to the next.
WINDOW_END = datetime(2026, 11, 1, tzinfo=UTC)


def generate_file(path: Path, **overrides: Any) -> Result:
    params: dict[str, Any] = {"events": 20_000, "end": WINDOW_END, "days": 2.0, **overrides}
    return generate(GeneratorOptions(**params), Target("file", path=path))


@pytest.fixture(scope="session")
def stream(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """20,000 messages with 2% malformed and 2% re-sends, shared by the read-only tests."""
    path = tmp_path_factory.mktemp("stream") / "events.jsonl"
    result = generate_file(path, bad_ratio=0.02, dup_ratio=0.02, bot_ratio=0.05)
    return path, result


@pytest.fixture(scope="session")
def truth(stream: tuple[Path, Result]) -> dict[str, object]:
    """The independent recount of `stream` (validating is slow: do it once)."""
    from tests.recount import recount

    return recount(lines(stream[0]))


def lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        for line in handle:
            yield line.rstrip(b"\n")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by folder, so `-m unit` and `-m integration` always cover everything."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "unit" in parts:
            item.add_marker(pytest.mark.unit)
        elif "integration" in parts:
            item.add_marker(pytest.mark.integration)
