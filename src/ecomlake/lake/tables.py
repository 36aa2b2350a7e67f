"""Every lake table behind one interface: Iceberg (raw, live; pyiceberg) and Delta (curated;
delta-rs). Scans (with time travel), history and rollback work the same on both.

A time-travel or rollback target is a number (an Iceberg snapshot id or a Delta version) or
an ISO timestamp (UTC unless it says otherwise): the table as it was at that moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Protocol

import pyarrow as pa
from deltalake import DeltaTable
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.table import Table as IcebergTable

from ecomlake.config import Settings
from ecomlake.core.storage import curated_tables, open_delta
from ecomlake.errors import EcomlakeError
from ecomlake.lake.catalog import open_catalog

CURATED = "curated"
Target = int | datetime


def parse_target(text: str) -> Target:
    """`42` -> 42; `2026-11-26T10:00:00` / `2026-11-26 10:00` -> an aware datetime (UTC)."""
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise EcomlakeError(
            f"{text!r} is neither a snapshot/version number nor an ISO timestamp"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Version:
    """One snapshot (Iceberg) or version (Delta)."""

    id: int
    committed_at: datetime
    operation: str
    rows: int | None  # rows in the table after this commit
    change: str  # what the commit did, e.g. "+1,200 rows"
    current: bool


class LakeTable(Protocol):
    name: str
    kind: str  # iceberg | delta

    def scan(self, as_of: Target | None = None) -> pa.Table: ...
    def history(self, limit: int | None = None) -> list[Version]: ...
    def versions(self) -> int: ...
    def rows(self) -> int: ...
    def rollback(self, target: Target) -> Version: ...
    def files(self) -> int: ...


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass
class IcebergLakeTable:
    name: str
    table: IcebergTable
    kind: str = "iceberg"

    def _snapshot_id(self, target: Target) -> int:
        if isinstance(target, int):
            if self.table.snapshot_by_id(target) is None:
                raise EcomlakeError(f"{self.name} has no snapshot {target}")
            return target
        snapshot = self.table.snapshot_as_of_timestamp(int(target.timestamp() * 1000))
        if snapshot is None:
            raise EcomlakeError(f"{self.name} has no snapshot at or before {target.isoformat()}")
        return snapshot.snapshot_id

    def scan(self, as_of: Target | None = None) -> pa.Table:
        if as_of is None:
            return self.table.scan().to_arrow()
        return self.table.scan(snapshot_id=self._snapshot_id(as_of)).to_arrow()

    def versions(self) -> int:
        return len(self.table.snapshots())

    def rows(self) -> int:
        snapshot = self.table.current_snapshot()
        summary = snapshot.summary if snapshot is not None else None
        return int(summary.get("total-records") or 0) if summary is not None else 0

    def history(self, limit: int | None = None) -> list[Version]:
        """Snapshots, oldest first; the newest `limit` of them when given."""
        current = self.table.current_snapshot()
        out = []
        snapshots = sorted(self.table.snapshots(), key=lambda s: s.timestamp_ms)
        for snap in snapshots[-limit:] if limit else snapshots:
            summary = snap.summary
            get = summary.get if summary is not None else (lambda key: None)
            total = get("total-records")
            added, deleted = int(get("added-records") or 0), int(get("deleted-records") or 0)
            change = f"+{added:,} rows" if added else ""
            if deleted:
                change = f"{change} -{deleted:,} rows".strip()
            files = get("added-data-files"), get("deleted-data-files")
            if not change and any(files):
                change = f"files +{files[0] or 0} -{files[1] or 0}"
            operation = summary.operation.value if summary is not None else "?"
            out.append(
                Version(
                    snap.snapshot_id,
                    _utc(snap.timestamp_ms),
                    operation,
                    int(total) if total is not None else None,
                    change,
                    current is not None and snap.snapshot_id == current.snapshot_id,
                )
            )
        return out

    def rollback(self, target: Target) -> Version:
        snapshot_id = self._snapshot_id(target)
        current = self.table.current_snapshot()
        if current is not None and current.snapshot_id == snapshot_id:
            raise EcomlakeError(f"{self.name} is already at snapshot {snapshot_id}")
        # Any snapshot still in the metadata, so a rollback can itself be undone.
        self.table.manage_snapshots().set_current_snapshot(snapshot_id=snapshot_id).commit()
        self.table = self.table.refresh()
        return next(v for v in self.history() if v.id == snapshot_id)

    def files(self) -> int:
        snapshot = self.table.current_snapshot()
        summary = snapshot.summary if snapshot is not None else None
        return int(summary.get("total-data-files") or 0) if summary is not None else 0


@dataclass
class DeltaLakeTable:
    name: str
    uri: str  # a folder, or an s3:// prefix
    settings: Settings  # the store's client options
    kind: str = "delta"

    def _table(self, version: int | None = None) -> DeltaTable:
        return open_delta(self.settings, self.uri, version)

    def _open(self, as_of: Target | None = None) -> DeltaTable:
        table = self._table()
        if as_of is None:
            return table
        if isinstance(as_of, int):
            if not 0 <= as_of <= table.version():
                raise EcomlakeError(f"{self.name} has no version {as_of}")
            table.load_as_version(as_of)
            return table
        # The newest version committed at or before `as_of`, by the commit times `history()`
        # shows (delta-rs's own lookup by time reads the log files' modification times, which
        # can be later than the commit time: the version `history()` listed at T would then
        # not be found at T).
        at_ms = as_of.timestamp() * 1000
        found = [int(h["version"]) for h in table.history() if int(h["timestamp"]) <= at_ms]
        if not found:
            raise EcomlakeError(f"{self.name} has no version at or before {as_of.isoformat()}")
        table.load_as_version(max(found))
        return table

    def scan(self, as_of: Target | None = None) -> pa.Table:
        result: pa.Table = self._open(as_of).to_pyarrow_table()
        return result

    def _rows(self, version: int) -> int | None:
        try:
            table = self._table(version)
        except Exception:
            return None
        actions = table.get_add_actions(flatten=True)
        column = actions.column("num_records")
        return int(sum(v or 0 for v in column.to_pylist()))

    def versions(self) -> int:
        return len(self._table().history())

    def rows(self) -> int:
        return self._rows(self._table().version()) or 0

    def history(self, limit: int | None = None) -> list[Version]:
        """Versions, oldest first; the newest `limit` of them when given (each one's row
        count opens that version: only the ones shown are opened)."""
        table = self._table()
        current = table.version()
        out = []
        entries = sorted(table.history(), key=lambda h: int(h["version"]))
        for entry in entries[-limit:] if limit else entries:
            metrics = entry.get("operationMetrics") or {}
            written = (  # Spark WRITE, Spark MERGE, delta-rs
                metrics.get("numOutputRows")
                or metrics.get("numTargetRowsInserted")
                or metrics.get("num_added_rows")
            )
            updated = metrics.get("numTargetRowsUpdated")
            deleted = metrics.get("numTargetRowsDeleted")
            parts = [f"+{int(written):,} rows"] if written not in (None, "0", 0) else []
            if updated not in (None, "0", 0):
                parts.append(f"~{int(updated):,} rows")
            if deleted not in (None, "0", 0):
                parts.append(f"-{int(deleted):,} rows")
            version = int(entry["version"])
            out.append(
                Version(
                    version,
                    _utc(int(entry["timestamp"])),
                    str(entry.get("operation", "?")),
                    self._rows(version),
                    " ".join(parts),
                    version == current,
                )
            )
        return out

    def rollback(self, target: Target) -> Version:
        table = self._open()
        version = self._open(target).version()
        if version == table.version():
            raise EcomlakeError(f"{self.name} is already at version {version}")
        table.restore(version)
        return next(v for v in self.history() if v.id == version)

    def files(self) -> int:
        return len(self._table().file_uris())


class Lake:
    """The tables of one data folder: Iceberg from the catalog, Delta from the curated folder."""

    def __init__(self, settings: Settings):
        self.catalog: SqlCatalog = open_catalog(settings)
        self.settings = settings

    @cached_property
    def curated(self) -> dict[str, str]:
        """name -> location; listed when first needed (on S3 a listing is requests, and a
        Lake opened for one Iceberg table needs none)."""
        return curated_tables(self.settings)

    def names(self) -> list[str]:
        names = [
            f"{identifier[0]}.{identifier[-1]}"
            for namespace in self.catalog.list_namespaces()
            for identifier in self.catalog.list_tables(namespace)
        ]
        names += [f"{CURATED}.{name}" for name in self.curated]
        return sorted(names)

    def table(self, name: str) -> LakeTable:
        namespace, _, table = name.partition(".")
        if not table:
            raise EcomlakeError(f"name a table as namespace.table, not {name!r}")
        if namespace == CURATED:
            if table not in self.curated:
                raise EcomlakeError(f"no table {name}: run `ecomlake etl` to create it")
            return DeltaLakeTable(name, self.curated[table], self.settings)
        try:
            return IcebergLakeTable(name, self.catalog.load_table((namespace, table)))
        except NoSuchTableError:
            known = ", ".join(self.names()) or "none yet"
            raise EcomlakeError(f"no table {name} (tables: {known})") from None
