"""The daily DAG's dbt skip: the marts are current when the last successful build recorded the
same curated data (each table's absorbed raw snapshot) and the same dbt project as now."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import CommitProperties, DeltaTable, write_deltalake

from ecomlake.config import Settings, load_settings
from ecomlake.lake.marks import commit_metadata
from ecomlake.lake.warehouse import warehouse_path
from ecomlake.orchestrate import lake_state
from ecomlake.orchestrate.lake_state import marts_are_current, record_marts_source


def etl_commit(settings: Settings, table: str, snapshot: int, rows: int = 3) -> None:
    """A commit as the Spark ETL makes one: data, and the raw snapshot it absorbed."""
    path = settings.lake.curated_dir(settings.data_dir) / table
    data = pa.table({"id": list(range(rows))})
    props = CommitProperties(custom_metadata={"userMetadata": commit_metadata(snapshot, "full")})
    write_deltalake(str(path), data, mode="append", commit_properties=props)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    cfg = load_settings(data_dir=tmp_path)
    for table in ("events", "orders"):
        etl_commit(cfg, table, 10)
    warehouse_path(cfg).parent.mkdir(parents=True)
    warehouse_path(cfg).write_bytes(b"")  # the warehouse exists (its content is dbt's)
    return cfg


def test_nothing_recorded_means_build(settings: Settings) -> None:
    assert marts_are_current(settings) == (False, "no dbt build recorded yet")


def test_new_data_in_any_table_means_build_again(settings: Settings) -> None:
    record_marts_source(settings)
    assert marts_are_current(settings)[0]
    etl_commit(settings, "orders", 11)
    assert marts_are_current(settings) == (False, "curated has new data since the last build")
    record_marts_source(settings)
    assert marts_are_current(settings)[0]


def test_maintenance_keeps_the_marts_current(settings: Settings) -> None:
    record_marts_source(settings)
    etl_commit(settings, "events", 10, rows=2)  # a second file, same absorbed snapshot
    path = settings.lake.curated_dir(settings.data_dir) / "events"
    DeltaTable(str(path)).optimize.compact()  # an OPTIMIZE commit: no mark of its own
    assert marts_are_current(settings)[0]


def test_a_changed_project_means_build(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    record_marts_source(settings)
    monkeypatch.setattr(lake_state, "_project_digest", lambda: "another project")
    assert marts_are_current(settings) == (False, "the dbt project changed since the last build")


def test_a_lost_warehouse_means_build(settings: Settings) -> None:
    record_marts_source(settings)
    warehouse_path(settings).unlink()
    assert not marts_are_current(settings)[0]
