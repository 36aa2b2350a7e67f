"""A table's snapshot lineage (current snapshot, each snapshot's parent and operation), read
without pyiceberg when it can be.

Importing pyiceberg (SQLAlchemy, pydantic models) and loading a table costs about 1.5 s: most
of an `ecomlake etl` that has nothing to do. With the default catalog (SQLite) and a local
warehouse, the same facts are one row of the catalog's `iceberg_tables` (the JDBC catalog's
layout, which Flink, Spark and pyiceberg share) and the table's current metadata file (JSON,
per the Iceberg table spec). Any other catalog or warehouse goes through pyiceberg.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from ecomlake.config import Settings

CATALOG_NAME = "lake"  # ecomlake.lake.catalog's name; not imported: that module loads pyiceberg


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: int
    parent_id: int | None
    operation: str | None  # append, overwrite, replace (compaction), delete


@dataclass(frozen=True)
class Lineage:
    current: int | None  # None: the table has no snapshot yet
    snapshots: dict[int, Snapshot]

    def ancestors(self, since: int) -> list[Snapshot] | None:
        """The snapshots after `since` up to the current one, newest first; None when `since`
        is not an ancestor of the current snapshot (rolled back, expired, never existed)."""
        chain: list[Snapshot] = []
        snapshot_id = self.current
        while snapshot_id is not None and snapshot_id != since:
            snapshot = self.snapshots.get(snapshot_id)
            if snapshot is None:  # expired: the chain ends before `since`
                return None
            chain.append(snapshot)
            snapshot_id = snapshot.parent_id
        return chain if snapshot_id == since else None


def lineage(settings: Settings, namespace: str, table: str) -> Lineage | None:
    """The table's lineage; None when the table does not exist."""
    try:
        return _from_local_files(settings, namespace, table)
    except _NeedsPyiceberg:
        return _from_pyiceberg(settings, namespace, table)


class _NeedsPyiceberg(Exception):
    """The catalog is not SQLite, or the metadata file is not on the local file system."""


def _from_local_files(settings: Settings, namespace: str, table: str) -> Lineage | None:
    """The lineage from a SQLite catalog and a local metadata file; None: no such table."""
    uri = settings.lake.catalog_uri(settings.data_dir)
    if not uri.startswith("jdbc:sqlite:"):
        raise _NeedsPyiceberg
    db = Path(uri.removeprefix("jdbc:sqlite:"))
    if not db.exists():
        return None
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=10) as conn:
        try:
            row = conn.execute(
                "SELECT metadata_location FROM iceberg_tables"
                " WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?",
                (CATALOG_NAME, namespace, table),
            ).fetchone()
        except sqlite3.OperationalError:  # no catalog tables yet
            return None
    if row is None or not row[0]:
        return None
    location = urlparse(row[0])
    if location.scheme not in ("", "file"):
        raise _NeedsPyiceberg
    return parse_metadata(Path(unquote(location.path)).read_bytes())


def parse_metadata(raw: bytes) -> Lineage:
    """An Iceberg table metadata file (plain or gzip-compressed JSON) -> its lineage."""
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    metadata = json.loads(raw)
    current = metadata.get("current-snapshot-id")
    snapshots = {
        int(s["snapshot-id"]): Snapshot(
            int(s["snapshot-id"]),
            int(s["parent-snapshot-id"]) if s.get("parent-snapshot-id") is not None else None,
            (s.get("summary") or {}).get("operation"),
        )
        for s in metadata.get("snapshots") or []
    }
    # Format v1 writes -1 for "no snapshot".
    return Lineage(int(current) if current not in (None, -1) else None, snapshots)


def _from_pyiceberg(settings: Settings, namespace: str, table: str) -> Lineage | None:
    from pyiceberg.exceptions import NoSuchTableError

    from ecomlake.lake.catalog import open_catalog

    try:
        loaded = open_catalog(settings).load_table((namespace, table))
    except NoSuchTableError:
        return None
    current = loaded.current_snapshot()
    return Lineage(
        current.snapshot_id if current is not None else None,
        {
            s.snapshot_id: Snapshot(
                s.snapshot_id,
                s.parent_snapshot_id,
                s.summary.operation.value if s.summary is not None else None,
            )
            for s in loaded.snapshots()
        },
    )
