"""Following an Iceberg table commit by commit: the rows each new append snapshot added.

Only `append` snapshots count. Compaction (`replace`) rewrites rows that were already read,
and an `overwrite` or `delete` does not add events, so neither is read again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq
from pyiceberg.manifest import ManifestEntryStatus
from pyiceberg.table import Table as IcebergTable
from pyiceberg.table.snapshots import Operation, Snapshot


@dataclass(frozen=True)
class Commit:
    snapshot_id: int
    timestamp_ms: int
    operation: str
    added_records: int


def _commit(snap: Snapshot) -> Commit:
    summary = snap.summary
    operation = summary.operation.value if summary is not None else "?"
    added = int(summary.get("added-records") or 0) if summary is not None else 0
    return Commit(snap.snapshot_id, snap.timestamp_ms, operation, added)


class AppendTail:
    """The rows of `table` that appeared since the last `poll`, with the commits seen
    (no columns: only the commits)."""

    def __init__(self, table: IcebergTable, columns: list[str]) -> None:
        self.table = table
        self.columns = columns
        self.seen: set[int] = set()

    def skip_through(self, snapshot: Snapshot | None) -> list[Commit]:
        """Mark `snapshot` and every snapshot before it as read (a seed scan covered them)."""
        if snapshot is None:
            return []
        old = [
            s
            for s in self.table.snapshots()
            if (s.sequence_number or 0) <= (snapshot.sequence_number or 0)
        ]
        self.seen.update(s.snapshot_id for s in old)
        return [_commit(s) for s in old]

    def poll(self) -> tuple[list[Commit], pa.Table | None]:
        self.table = self.table.refresh()
        fresh = sorted(
            (s for s in self.table.snapshots() if s.snapshot_id not in self.seen),
            key=lambda s: (s.timestamp_ms, s.sequence_number or 0),
        )
        commits: list[Commit] = []
        parts: list[pa.Table] = []
        for snap in fresh:
            self.seen.add(snap.snapshot_id)
            commits.append(_commit(snap))
            appended = snap.summary is not None and snap.summary.operation == Operation.APPEND
            if self.columns and appended:
                parts.extend(self._read(path) for path in self._added_files(snap))
        rows = pa.concat_tables(parts, promote_options="default") if parts else None
        return commits, rows

    def _added_files(self, snap: Snapshot) -> list[str]:
        io = self.table.io
        paths = []
        for manifest in snap.manifests(io):
            if manifest.added_snapshot_id != snap.snapshot_id:
                continue
            for entry in manifest.fetch_manifest_entry(io, discard_deleted=True):
                if entry.status == ManifestEntryStatus.ADDED:
                    paths.append(entry.data_file.file_path)
        return paths

    def _read(self, path: str) -> pa.Table:
        with self.table.io.new_input(path).open() as stream:
            return pq.read_table(stream, columns=self.columns)
