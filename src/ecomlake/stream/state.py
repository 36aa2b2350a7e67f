"""Where the stream job keeps its state, and which snapshot of it a restart resumes from.

Checkpoints (every few seconds, kept when the job dies or is cancelled) and savepoints (taken
on a clean stop) live in the data folder. A restart resumes from the newest complete one of
either: Kafka offsets, dedup memory, open windows and not-yet-committed Iceberg files all come
back together, so nothing is lost or written twice. A snapshot is complete once its
`_metadata` file exists (Flink writes it last).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ecomlake.config import Settings


@dataclass(frozen=True)
class StateDirs:
    checkpoints: Path
    savepoints: Path

    @classmethod
    def of(cls, settings: Settings) -> StateDirs:
        root = settings.data_dir / "flink" / "state"
        return cls(root / "checkpoints", root / "savepoints")

    def create(self) -> None:
        self.checkpoints.mkdir(parents=True, exist_ok=True)
        self.savepoints.mkdir(parents=True, exist_ok=True)

    def snapshots(self) -> list[Path]:
        """Complete checkpoints (<job>/chk-N) and savepoints, oldest first."""
        found = list(self.checkpoints.glob("*/chk-*/_metadata"))
        found += list(self.savepoints.glob("*/_metadata"))
        return [meta.parent for meta in sorted(found, key=lambda meta: meta.stat().st_mtime_ns)]

    def latest(self) -> Path | None:
        snapshots = self.snapshots()
        return snapshots[-1] if snapshots else None

    def prune(self, keep: Path | None) -> None:
        """Drop every snapshot but `keep` (the one being restored): a new job starts its own."""
        for folder in (self.checkpoints, self.savepoints):
            for entry in folder.iterdir():
                if keep is None or not keep.is_relative_to(entry):
                    shutil.rmtree(entry, ignore_errors=True)

    def reset(self) -> None:
        shutil.rmtree(self.checkpoints.parent, ignore_errors=True)
        self.create()
