"""Raw message -> lake row: typed, enriched, or rejected with its reason; nothing dropped."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ecomlake.contracts import load_schema
from ecomlake.contracts.columns import EVENT_COLUMNS, REJECTED_COLUMNS, columns_ddl
from ecomlake.contracts.validate import contracts_dir
from ecomlake.generator.run import Result
from ecomlake.stream.rows import process
from tests.conftest import lines

EXAMPLES = contracts_dir() / "events" / "examples"
INGEST_MS = 1_800_000_000_000  # 2027-01-15: after the examples' event times


def test_columns_cover_the_contract() -> None:
    names = {name for name, _ in EVENT_COLUMNS}
    assert set(load_schema()["properties"]) <= names


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_valid_examples_become_typed_enriched_rows(path: Path) -> None:
    ok, row = process(path.read_bytes().strip(), 3, 42, INGEST_MS)
    assert ok
    assert list(row) != [] and set(row) == {name for name, _ in EVENT_COLUMNS}
    assert isinstance(row["event_time"], datetime) and isinstance(row["event_date"], date)
    assert row["country_code"] is not None and row["is_bot"] is False
    assert (row["kafka_partition"], row["kafka_offset"]) == (3, 42)
    for money in ("price", "unit_price", "total", "amount"):
        assert row[money] is None or isinstance(row[money], Decimal)


def test_purchase_items_keep_exact_prices() -> None:
    ok, row = process((EXAMPLES / "purchase.json").read_bytes(), 0, 0, INGEST_MS)
    assert ok
    items: list[dict[str, Any]] = row["items"]
    assert sum(i["unit_price"] * i["quantity"] for i in items) == row["total"]


@pytest.mark.parametrize(
    "path", sorted((EXAMPLES / "invalid").glob("*.json")), ids=lambda p: p.stem
)
def test_invalid_examples_become_rejected_rows(path: Path) -> None:
    raw = path.read_bytes().strip()
    ok, row = process(raw, 1, 7, INGEST_MS)
    assert not ok
    assert set(row) == {name for name, _ in REJECTED_COLUMNS}
    assert row["reason"] and row["payload"] == raw.decode()


def test_a_generated_stream_splits_exactly(stream: tuple[Path, Result]) -> None:
    path, result = stream
    outcomes = Counter(process(raw, 0, i, INGEST_MS)[0] for i, raw in enumerate(lines(path)))
    manifest = result.manifest
    # Re-sends are valid messages; the job's dedup stage removes them later.
    assert outcomes[True] == manifest["valid_events"] + manifest["duplicate_events"]
    assert outcomes[False] == manifest["invalid_events"]


def test_ddl_quotes_names() -> None:
    ddl = columns_ddl(EVENT_COLUMNS)
    assert "`query` STRING" in ddl and "`items` ARRAY<ROW<" in ddl
