"""When is lake maintenance worth a Spark job? When some table gained enough files since the
last maintenance: compaction and snapshot expiry have work only where commits added files, and
a Spark start costs about 15 s even when there is nothing to do."""

from __future__ import annotations

import json
from pathlib import Path

from ecomlake.config import Settings

MIN_NEW_FILES = 10


def _record(settings: Settings) -> Path:
    return settings.data_dir / "maintenance" / "files_after_last_run.json"


def file_counts(settings: Settings) -> dict[str, int]:
    from ecomlake.lake.tables import Lake

    lake = Lake(settings)
    return {name: lake.table(name).files() for name in lake.names()}


def needs_maintenance(settings: Settings) -> tuple[bool, str]:
    now = file_counts(settings)
    try:
        before: dict[str, int] = json.loads(_record(settings).read_text())
    except (OSError, ValueError):
        return True, "no maintenance recorded yet"
    grown = {
        n: c - before.get(n, 0) for n, c in now.items() if c - before.get(n, 0) >= MIN_NEW_FILES
    }
    if grown:
        tables = ", ".join(f"{n} +{g}" for n, g in sorted(grown.items()))
        return True, f"new files since the last maintenance: {tables}"
    return False, f"no table gained {MIN_NEW_FILES}+ files since the last maintenance"


def record_maintenance(settings: Settings) -> None:
    path = _record(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(file_counts(settings)))
