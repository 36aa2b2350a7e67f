"""The snapshot lineage read from the catalog row and the metadata file equals pyiceberg's."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pytest
from pyiceberg.table import Table

from ecomlake.config import Settings, load_settings
from ecomlake.lake import lineage as lineage_module
from ecomlake.lake.catalog import open_catalog
from ecomlake.lake.lineage import Lineage, Snapshot, lineage, parse_metadata

pytestmark = pytest.mark.unit
ROWS = pa.table({"event_id": pa.array(["a", "b"]), "n": pa.array([1, 2], pa.int64())})


def both(settings: Settings) -> Lineage | None:
    fast = lineage(settings, "raw", "events")
    assert fast == lineage_module._from_pyiceberg(settings, "raw", "events")
    return fast


def current_id(table: Table) -> int:
    snapshot = table.current_snapshot()
    assert snapshot is not None
    return snapshot.snapshot_id


def test_lineage_follows_appends_overwrites_and_a_rollback(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert both(settings) is None  # no catalog yet
    catalog = open_catalog(settings)
    catalog.create_namespace("raw")
    assert both(settings) is None  # catalog, no table
    table = catalog.create_table(("raw", "events"), schema=ROWS.schema)
    empty = both(settings)
    assert empty is not None and empty.current is None and empty.snapshots == {}

    table.append(ROWS)
    first = current_id(table)
    table.append(ROWS)
    table.overwrite(ROWS)
    seen = both(settings)
    assert seen is not None and seen.current == current_id(table)
    after_first = seen.ancestors(first)
    assert after_first is not None
    assert [s.operation for s in after_first][-1] == "append"  # the second append, oldest last
    assert {"overwrite", "delete"} & {s.operation for s in after_first}
    later = current_id(table)
    assert seen.ancestors(later) == []

    # Rolled back to the first append: the later snapshots are no ancestors any more.
    table.manage_snapshots().set_current_snapshot(first).commit()
    rolled = both(settings)
    assert rolled is not None and rolled.current == first
    assert later in rolled.snapshots and rolled.ancestors(later) is None


def test_an_expired_ancestor_ends_the_chain() -> None:
    chain = Lineage(3, {3: Snapshot(3, 2, "append"), 2: Snapshot(2, 1, "replace")})
    assert chain.ancestors(2) == [Snapshot(3, 2, "append")]
    assert chain.ancestors(1) == [Snapshot(3, 2, "append"), Snapshot(2, 1, "replace")]
    assert chain.ancestors(0) is None  # 1 was expired: 0 cannot be reached


def test_gzip_metadata_and_the_v1_no_snapshot_marker() -> None:
    metadata = {"current-snapshot-id": -1, "snapshots": []}
    assert parse_metadata(gzip.compress(json.dumps(metadata).encode())) == Lineage(None, {})


def test_other_catalogs_go_through_pyiceberg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(
        data_dir=tmp_path, lake={"catalog": "jdbc:postgresql://127.0.0.1:1/none"}
    )
    asked: list[str] = []
    monkeypatch.setattr(
        lineage_module, "_from_pyiceberg", lambda s, ns, t: asked.append(f"{ns}.{t}")
    )
    assert lineage(settings, "raw", "events") is None and asked == ["raw.events"]
