"""History, time travel and rollback behave the same on an Iceberg and a Delta table."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from ecomlake.config import Settings, load_settings
from ecomlake.errors import EcomlakeError
from ecomlake.lake.catalog import open_catalog
from ecomlake.lake.query import run_query
from ecomlake.lake.tables import Lake, parse_target

pytestmark = pytest.mark.unit


def batch(first: int, n: int) -> pa.Table:
    return pa.table({"id": pa.array(range(first, first + n), pa.int64())})


@pytest.fixture
def lake(tmp_path: Path) -> Settings:
    """raw.items (Iceberg) and curated.items (Delta), each written three times: 2, +3, +5 rows."""
    settings = load_settings(data_dir=tmp_path / "data")
    catalog = open_catalog(settings)
    catalog.create_namespace("raw")
    iceberg = catalog.create_table(("raw", "items"), schema=batch(0, 1).schema)
    path = settings.lake.curated_dir(settings.data_dir) / "items"
    for first, n in ((0, 2), (2, 3), (5, 5)):
        iceberg.append(batch(first, n))
        write_deltalake(str(path), batch(first, n), mode="append")
        time.sleep(0.01)  # distinct commit times
    return settings


@pytest.mark.parametrize("name", ["raw.items", "curated.items"])
def test_history_lists_every_commit_with_rows(lake: Settings, name: str) -> None:
    versions = Lake(lake).table(name).history()
    assert [v.rows for v in versions] == [2, 5, 10]
    assert [v.current for v in versions] == [False, False, True]
    assert versions[-1].change == "+5 rows"


@pytest.mark.parametrize("name", ["raw.items", "curated.items"])
def test_time_travel_by_id_and_by_time(lake: Settings, name: str) -> None:
    table = Lake(lake).table(name)
    first, second, _ = table.history()
    assert table.scan(first.id).num_rows == 2
    assert table.scan(second.committed_at).num_rows == 5
    sql = f"SELECT count(*) AS n FROM {name}"
    assert run_query(Lake(lake), sql, second.id).to_pylist() == [{"n": 5}]


@pytest.mark.parametrize("name", ["raw.items", "curated.items"])
def test_rollback_restores_rows_and_can_be_undone(lake: Settings, name: str) -> None:
    table = Lake(lake).table(name)
    first, _, last = table.history()
    assert table.rollback(first.id).rows == 2
    assert Lake(lake).table(name).scan().num_rows == 2
    if name.startswith("raw"):  # Iceberg: the newer snapshot is still there
        table.rollback(last.id)
    else:  # Delta: RESTORE is a new version; restoring the old one brings the rows back
        table.rollback(last.id)
    assert Lake(lake).table(name).scan().num_rows == 10


@pytest.mark.parametrize(
    ("name", "target", "message"),
    [
        ("curated.items", "99", "curated.items has no version 99"),
        ("raw.items", "12345", "raw.items has no snapshot 12345"),
        ("raw.items", "2001-01-01", "raw.items has no snapshot at or before 2001-01-01"),
        ("curated.items", "2001-01-01", "curated.items has no version at or before 2001-01-01"),
    ],
)
def test_unknown_targets_are_refused(lake: Settings, name: str, target: str, message: str) -> None:
    table = Lake(lake).table(name)
    with pytest.raises(EcomlakeError, match=re.escape(message)):
        table.rollback(parse_target(target))
    assert table.scan().num_rows == 10


def test_lake_lists_both_formats_and_names_unknown_tables(lake: Settings) -> None:
    assert Lake(lake).names() == ["curated.items", "raw.items"]
    with pytest.raises(EcomlakeError, match=r"no table curated\.nope"):
        Lake(lake).table("curated.nope")
    with pytest.raises(EcomlakeError, match=r"no table raw\.nope"):
        Lake(lake).table("raw.nope")


def test_parse_target() -> None:
    assert parse_target(" 42 ") == 42
    assert parse_target("2026-11-26T10:00") == datetime(2026, 11, 26, 10, tzinfo=UTC)
    assert parse_target("2026-11-26T10:00:00Z") == datetime(2026, 11, 26, 10, tzinfo=UTC)
    with pytest.raises(EcomlakeError, match="neither"):
        parse_target("yesterday")
